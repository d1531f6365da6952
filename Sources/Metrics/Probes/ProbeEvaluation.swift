import Audio
import Corpus
import Diffusion
import Foundation
import Tensors

/// Runs a probe set through a pipeline and scores every output, beside the same scoring of the reference clips
/// (which shows what the measurements themselves get right) and of the references decoded through the model's own
/// VAE and vocoder (the most its UNet could score).
public final class ProbeEvaluation {
    public let pipeline: TextToAudioPipeline
    /// Generation settings shared by every probe; prompt, seconds and seed are set per probe.
    public var options: GenerationOptions
    /// Labels the order and family probes (another model's contrastive classifier, by default the shipped one's);
    /// without it those probes are skipped.
    public let labeler: ProbeLabeler?

    /// `classifier` scores the order and family probes: `ContrastiveEmbedder(modelFolder: nil)` is the shipped
    /// model's; nil skips them. Steps and guidance left nil are the model's own (`pipeline.defaults`).
    public convenience init(pipeline: TextToAudioPipeline, steps: Int? = nil, guidanceScale: Float? = nil, sampler: String? = nil,
                            seed: UInt64 = GenerationOptions.defaults.seed, classifier: ContrastiveEmbedder? = nil) {
        var o = pipeline.defaults
        if let steps { o.steps = steps }
        if let guidanceScale { o.guidanceScale = guidanceScale }
        o.sampler = sampler
        o.seed = seed
        self.init(pipeline: pipeline, options: o, classifier: classifier)
    }

    /// Every probe generated with `options` (prompt, seconds and seed set per probe).
    public init(pipeline: TextToAudioPipeline, options: GenerationOptions, classifier: ContrastiveEmbedder? = nil) {
        self.pipeline = pipeline
        labeler = classifier.map(ProbeLabeler.init)
        self.options = options
    }

    /// One probe's outcome.
    public struct Result: Sendable {
        public var probe: Probe
        public var generated: ProbeScoring.Reading
        public var reference: ProbeScoring.Reading
        /// The reference after the model's VAE and vocoder (`TextToAudioPipeline.reconstruct`).
        public var decoded: ProbeScoring.Reading
    }

    /// The probes `run` scores: all of them with a classifier, else those measured without one.
    public func runnable(_ probes: [Probe]) -> [Probe] { labeler == nil ? probes.filter { !$0.kind.needsClassifier } : probes }

    /// Generates and scores each probe in order (order and family probes only with a classifier);
    /// `progress(done, total)` returns false to stop early.
    public func run(_ probes: [Probe], progress: ((Int, Int) -> Bool)? = nil) throws -> ProbeReport {
        let probes = runnable(probes)
        let rate = pipeline.sampleRate
        let scoring = ProbeScoring(sampleRate: rate)
        let referenceScoring = ProbeScoring(sampleRate: Clip.sampleRate)
        var results: [Result] = []
        for (i, probe) in probes.enumerated() {
            func labels(_ audio: [Float], _ rate: Int) throws -> [String]? { try labeler?.labels(for: probe.kind, audio: audio, sampleRate: rate) }
            let audio = try generate(probe.caption, seconds: probe.seconds, index: i)
            let quiet = try probe.quietCaption.map { try generate($0, seconds: probe.seconds, index: i) }
            let decodedAudio = try reconstruct(probe.reference)
            let decoded = try scoring.score(probe, audio: decodedAudio, quietAudio: try probe.quietReference.map(reconstruct),
                                            labels: try labels(decodedAudio, rate))
            results.append(Result(probe: probe, generated: try scoring.score(probe, audio: audio, quietAudio: quiet, labels: try labels(audio, rate)),
                                  reference: try referenceScoring.score(probe, audio: probe.reference, quietAudio: probe.quietReference,
                                                                        labels: try labels(probe.reference, Clip.sampleRate)),
                                  decoded: decoded))
            if let progress, !progress(i + 1, probes.count) { break }
        }
        return ProbeReport(results: results, settings: [
            "model": pipeline.identity, "steps": String(options.steps), "guidance": String(options.guidanceScale),
            "sampler": options.sampler ?? "default", "seed": String(options.seed),
            "classifier": labeler?.classifier.pipeline.identity ?? "none",
        ])
    }

    /// A reference clip through the model's VAE (and vocoder), mono at the model's rate.
    func reconstruct(_ reference: [Float]) throws -> [Float] {
        try pipeline.reconstruct(try AudioBuffer(mono: reference, sampleRate: Clip.sampleRate)).mixedToMono().samples
    }

    /// A loudness probe's two prompts share a seed, so the phrase is the only difference between them.
    func generate(_ prompt: String, seconds: Double, index: Int) throws -> [Float] {
        var o = options
        o.prompts = [prompt]
        o.seconds = seconds
        o.seed = options.seed &+ UInt64(index)
        // Measured on the mono mix: a Stable Audio model's output is interleaved stereo.
        return try pipeline.generate(o).monoWaveform(0)
    }
}

/// Probe outcomes with accuracy per kind, as a printed table and as JSON.
public struct ProbeReport: Sendable {
    public var results: [ProbeEvaluation.Result]
    public var settings: [String: String]

    /// (correct, total) of the generated outputs, the references and the decoded references for one kind.
    public func tally(_ kind: ProbeKind) -> (generated: Int, reference: Int, decoded: Int, total: Int) {
        let r = results.filter { $0.probe.kind == kind }
        return (r.filter(\.generated.correct).count, r.filter(\.reference.correct).count, r.filter(\.decoded.correct).count, r.count)
    }

    public func accuracy(_ kind: ProbeKind) -> Double? {
        let t = tally(kind)
        return t.total == 0 ? nil : Double(t.generated) / Double(t.total)
    }

    /// A fixed-width summary: one row per kind, generated accuracy beside the references' and the decoded references'.
    public var table: String {
        var lines = ["probe         n  model  reference  decoded", "-----------  --  -----  ---------  -------"]
        for kind in ProbeKind.allCases {
            let t = tally(kind)
            guard t.total > 0 else { continue }
            lines.append(kind.rawValue.padding(toLength: 11, withPad: " ", startingAt: 0) + String(format: " %3d  %4.0f%%  %8.0f%%  %6.0f%%", t.total,
                         100 * Double(t.generated) / Double(t.total), 100 * Double(t.reference) / Double(t.total),
                         100 * Double(t.decoded) / Double(t.total)))
        }
        return lines.joined(separator: "\n")
    }

    /// Every probe's prompt, asked and measured values, and the summary, as JSON.
    public func json() throws -> Data {
        let rows: [[String: Any]] = results.map { r in
            var row: [String: Any] = ["kind": r.probe.kind.rawValue, "prompt": r.probe.caption, "expected": r.probe.expected,
                                      "seconds": r.probe.seconds, "measured": r.generated.measured, "correct": r.generated.correct,
                                      "reference_measured": r.reference.measured, "reference_correct": r.reference.correct,
                                      "decoded_measured": r.decoded.measured, "decoded_correct": r.decoded.correct]
            if let q = r.probe.quietCaption { row["quiet_prompt"] = q }
            return row
        }
        var summary: [String: Any] = [:]
        for kind in ProbeKind.allCases {
            let t = tally(kind)
            guard t.total > 0 else { continue }
            summary[kind.rawValue] = ["n": t.total, "accuracy": Double(t.generated) / Double(t.total),
                                      "reference_accuracy": Double(t.reference) / Double(t.total),
                                      "decoded_accuracy": Double(t.decoded) / Double(t.total)]
        }
        return try JSONSerialization.data(withJSONObject: ["settings": settings, "summary": summary, "probes": rows],
                                          options: [.prettyPrinted, .sortedKeys])
    }
}
