import Foundation
import Tensors

/// The core of `foley eval`: reads two folders, pairs clips by name and computes the metrics.
public enum Evaluation {
    /// Computes `metrics` (nil: every metric the backbone supports) between the two folders.
    /// Requested metrics the backbone cannot give (KL/IS without a classifier) and sets too small
    /// for a metric are reported in `notComputed` rather than failing the whole run.
    public static func run(generated: String, reference: String, metrics requested: [Metric]? = nil,
                           backbone: AudioEmbedder, scorer: AudioTextScorer? = nil) throws -> EvaluationReport {
        let gen = try EvaluationSet(directory: generated), ref = try EvaluationSet(directory: reference)
        // A folder with nothing to score is an error (it used to give an empty table and exit 0).
        for set in [gen, ref] where set.clips.isEmpty {
            let why = set.skipped.first.map { "; \(set.skipped.count) skipped, first \($0.path): \($0.reason)" } ?? ""
            throw MetricsError.file(set.directory, "no readable audio file to evaluate\(why)")
        }
        let refByName = Dictionary(uniqueKeysWithValues: ref.clips.map { ($0.name, $0) })
        let genNames = Set(gen.clips.map(\.name))
        let pairs = gen.clips.compactMap { g in refByName[g.name].map { (g, $0) } }
        let classifier = backbone as? AudioClassifier
        let metrics = requested ?? Metric.allCases.filter { $0.isDefault && (!$0.needsClassifier || classifier != nil) && (!$0.needsScorer || scorer != nil) }
        var report = EvaluationReport(
            generatedDirectory: generated, referenceDirectory: reference, backbone: backbone.name,
            generatedCount: gen.clips.count, referenceCount: ref.clips.count, pairedCount: pairs.count,
            skipped: gen.skipped + ref.skipped,
            unpairedGenerated: gen.clips.map(\.name).filter { refByName[$0] == nil },
            unpairedReference: ref.clips.map(\.name).filter { !genNames.contains($0) },
            metrics: [:], klVariant: nil, notComputed: [:], pairs: pairs.map { EvaluationReport.Pair(name: $0.0.name) })

        for m in metrics where m.needsClassifier && classifier == nil {
            report.notComputed[m.rawValue] = "needs a classifier backbone with class probabilities (--backbone cnn14 --weights FILE); \(backbone.name) only embeds"
        }
        for m in metrics where m.needsPairs && pairs.isEmpty {
            report.notComputed[m.rawValue] = "no generated file has a reference file of the same name"
        }
        if metrics.contains(.clap) && scorer == nil {
            report.notComputed["clap"] = "needs an audio-text model (--clap-model DIR, a model folder with contrastive/; the default model has one)"
        }
        func wanted(_ m: Metric) -> Bool { metrics.contains(m) && report.notComputed[m.rawValue] == nil }

        if wanted(.fad) {
            let a = try embeddings(gen, backbone, &report), b = try embeddings(ref, backbone, &report)
            if a.shape[0] < 2 || b.shape[0] < 2 {
                report.notComputed["fad"] = "needs at least 2 embeddings per folder, got \(a.shape[0]) generated and \(b.shape[0]) reference"
            } else {
                report.metrics["fad"] = try FrechetDistance.distance(a, b)
            }
        }
        if let classifier, wanted(.kl) || wanted(.is) {
            let rate = classifier.sampleRate
            let genProbs = perClip(gen.clips, classifier.name, &report) {
                try classifier.classify(EvaluationSet.samples($0, at: rate)).probabilities
            }
            if wanted(.kl) {
                let refProbs = perClip(pairs.map(\.1), classifier.name, &report) {
                    try classifier.classify(EvaluationSet.samples($0, at: rate)).probabilities
                }
                let both = pairs.filter { genProbs[$0.0.name] != nil && refProbs[$0.1.name] != nil }
                if both.isEmpty {
                    report.notComputed["kl"] = "no pair where \(classifier.name) could classify both clips"
                } else {
                    report.metrics["kl"] = try ClassifierScores.klDivergence(
                        reference: Tensor.concat(both.map { refProbs[$0.1.name]! }, axis: 0),
                        generated: Tensor.concat(both.map { genProbs[$0.0.name]! }, axis: 0), variant: classifier.variant)
                    report.klVariant = classifier.variant.rawValue
                }
            }
            if wanted(.is) {
                let rows = gen.clips.compactMap { genProbs[$0.name] }
                if rows.isEmpty {
                    report.notComputed["is"] = "no generated clip \(classifier.name) could classify"
                } else {
                    let (mean, std) = try ClassifierScores.inceptionScore(normalizedRows(Tensor.concat(rows, axis: 0)))
                    report.metrics["is"] = mean
                    report.metrics["is_std"] = std
                }
            }
        }
        if wanted(.lsd) || wanted(.mcd) {
            var lsd: [Double] = [], mcd: [Double] = []
            for (i, (g, r)) in pairs.enumerated() {
                // Compare at the reference's rate: the generated clip is the one judged.
                let rate = r.audio.sampleRate
                let x = r.audio.samples, y = try EvaluationSet.samples(g, at: rate)
                if wanted(.lsd) { report.pairs[i].lsd = try SpectralDistance.logSpectralDistance(x, y); lsd.append(report.pairs[i].lsd!) }
                if wanted(.mcd) { report.pairs[i].mcd = try SpectralDistance.melCepstralDistance(x, y, sampleRate: rate); mcd.append(report.pairs[i].mcd!) }
            }
            if wanted(.lsd) { report.metrics["lsd"] = lsd.reduce(0, +) / Double(lsd.count) }
            if wanted(.mcd) { report.metrics["mcd"] = mcd.reduce(0, +) / Double(mcd.count) }
        }
        if let scorer, wanted(.clap) {
            do {
                let a = try TextAlignment.measure(gen.clips, scorer: scorer)
                report.metrics["clap"] = a.meanScore
                report.metrics["clap_rank1"] = a.rankAccuracy
                report.metrics["clap_rank1_chance"] = a.chance
                report.clipTextAlignment = a.scores
            } catch let e as MetricsError {
                report.notComputed["clap"] = e.description
            }
        }
        if wanted(.pesq) { pesq(pairs, &report) }
        return report
    }

    /// All embeddings of a folder's clips stacked: [windows, embeddingSize].
    static func embeddings(_ set: EvaluationSet, _ backbone: AudioEmbedder, _ report: inout EvaluationReport) throws -> Tensor {
        let byName = perClip(set.clips, backbone.name, &report) { try backbone.embed(EvaluationSet.samples($0, at: backbone.sampleRate)) }
        let rows = set.clips.compactMap { byName[$0.name] }
        return rows.isEmpty ? Tensor.zeros([0, backbone.embeddingSize]) : try Tensor.concat(rows, axis: 0)
    }

    /// `body` of each clip by name. A clip the backbone refuses (VGGish needs 0.96 s, CNN14 0.32 s)
    /// is listed in `skipped` with the reason instead of failing the whole evaluation.
    static func perClip<T>(_ clips: [EvaluationSet.Clip], _ backbone: String, _ report: inout EvaluationReport,
                           _ body: (EvaluationSet.Clip) throws -> T) -> [String: T] {
        var out: [String: T] = [:]
        for clip in clips {
            do { out[clip.name] = try body(clip) } catch {
                let s = EvaluationSet.Skipped(path: clip.path, reason: "left out of \(backbone) metrics: \(error)")
                if !report.skipped.contains(s) { report.skipped.append(s) }
            }
        }
        return out
    }

    /// Rows scaled to sum to 1: IS reads a multi-label tagger's sigmoid outputs as one distribution.
    static func normalizedRows(_ p: Tensor) throws -> Tensor {
        let out = p.copy(), c = p.shape[1]
        for i in 0..<p.shape[0] {
            let s = (0..<c).reduce(Float(0)) { $0 + out.pointer[i * c + $1] }
            if s > 0 { for k in 0..<c { out.pointer[i * c + k] /= s } }
        }
        return out
    }
}
