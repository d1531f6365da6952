import Audio
import Foundation
import Tensors

/// The zero-shot labels order and family probes are scored on: a contrastive model's family classifier
/// (`ContrastiveEmbedder`), by default the shipped model's and not the model under test's.
public struct ProbeLabeler {
    public let classifier: ContrastiveEmbedder

    public init(classifier: ContrastiveEmbedder) { self.classifier = classifier }

    /// The classifier of `foley eval-probes --classifier` and Lua's `probes{classifier=}`: the named model folder's
    /// (an error when it cannot load), else the shipped model's; without a shipped one, nil and why (its probes are
    /// then skipped, not failed).
    public static func classifier(folder: String?) throws -> (classifier: ContrastiveEmbedder?, skipped: String?) {
        guard folder == nil else { return (try ContrastiveEmbedder(modelFolder: folder), nil) }
        do { return (try ContrastiveEmbedder(modelFolder: nil), nil) } catch { return (nil, "no zero-shot classifier: \(error)") }
    }

    /// The top family of each half of the clip for an order probe, of the whole clip for a family probe; nil for the
    /// kinds measured without a classifier. `audio` is mono at `sampleRate` (resampled to the classifier's rate).
    public func labels(for kind: ProbeKind, audio: [Float], sampleRate: Int) throws -> [String]? {
        guard kind.needsClassifier else { return nil }
        let x = sampleRate == classifier.sampleRate ? audio
            : try AudioBuffer(mono: audio, sampleRate: sampleRate).resampled(to: classifier.sampleRate).samples
        guard kind == .order else { return [try top(x)] }
        let half = x.count / 2
        return [try top(Array(x[..<half])), try top(Array(x[half...]))]
    }

    /// The probe family (`ProbeSet.classifiedFamilies`) with the highest probability, the question the probe asks
    /// being "which of these"; a silent or empty part reads "silence".
    func top(_ x: [Float]) throws -> String {
        guard x.contains(where: { $0 != 0 }) else { return "silence" }
        let p = try classifier.classify(x).probabilities.scalars
        let candidates = p.indices.filter { ProbeSet.classifiedFamilies.contains(classifier.labels[$0]) }
        return classifier.labels[candidates.max { p[$0] < p[$1] } ?? p.indices.max { p[$0] < p[$1] }!]
    }
}
