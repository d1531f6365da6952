import Foundation

// `foley eval --metrics pesq`: wide-band PESQ per pair of same-named clips.

extension Evaluation {
    /// PESQ runs at 16 kHz, the rate P.862.2 (wide band) is defined for.
    static let pesqRate = 16000

    /// Scores each (generated, reference) pair with P.862.2 at 16 kHz (both resampled with soxr when
    /// needed) into `report.pairs[i].pesq`, and their mean into `report.metrics["pesq"]`. A pair PESQ
    /// rejects (a clip under 1/4 s, a silent clip, a reference without speech) is listed in `skipped`
    /// under the generated clip's path, the reason naming which clip was at fault.
    static func pesq(_ pairs: [(EvaluationSet.Clip, EvaluationSet.Clip)], _ report: inout EvaluationReport) {
        var scores: [Double] = []
        for (i, (generated, reference)) in pairs.enumerated() {
            do {
                let score = try PESQ.score(reference: EvaluationSet.samples(reference, at: pesqRate),
                                           degraded: EvaluationSet.samples(generated, at: pesqRate),
                                           sampleRate: pesqRate, mode: .wideBand)
                report.pairs[i].pesq = score
                scores.append(score)
            } catch {
                let reason = "left out of pesq (reference \(reference.path), degraded this clip): \(error)"
                report.skipped.append(EvaluationSet.Skipped(path: generated.path, reason: reason))
            }
        }
        if scores.isEmpty {
            report.notComputed["pesq"] = "PESQ rejected every pair (see skipped)"
        } else {
            report.metrics["pesq"] = scores.reduce(0, +) / Double(scores.count)
        }
    }
}
