import Diffusion
import Foundation
import Tensors

/// A contrastive audio-text model that embeds audio and text into one space (Foley's default model, or a CLAP).
public protocol AudioTextScorer {
    var scorerName: String { get }
    /// The rate `audioEmbeddings` expects.
    var sampleRate: Int { get }
    /// Unit-length embeddings [N, D].
    func audioEmbeddings(_ waveforms: [[Float]]) throws -> Tensor
    func textEmbeddings(_ texts: [String]) throws -> Tensor
}

extension TextToAudioPipeline: AudioTextScorer {
    public var scorerName: String { "\(identity) audio-text space" }
}

/// The seed's text-alignment score (CLAP score): how well each clip matches its caption, as the cosine of their
/// embeddings, plus how often a clip's own caption ranks first among all the set's captions.
public struct TextAlignment: Equatable, Sendable {
    /// Mean cosine similarity between each clip and its caption.
    public var meanScore: Double
    /// Fraction of clips whose own caption scores highest among the distinct captions of the set.
    public var rankAccuracy: Double
    /// What `rankAccuracy` would be by chance (1 / distinct captions).
    public var chance: Double
    /// Per clip by name.
    public var scores: [String: Double]

    /// Scores every clip that has a caption; names the problem when none has.
    public static func measure(_ clips: [EvaluationSet.Clip], scorer: AudioTextScorer) throws -> TextAlignment {
        let captioned = clips.filter { $0.caption != nil }
        guard !captioned.isEmpty else {
            throw MetricsError.invalidArgument("clap", "no clip has a caption (a same-named .json sidecar with \"prompt\", as foley generate writes, or a .txt)")
        }
        let waves = try captioned.map { try EvaluationSet.samples($0, at: scorer.sampleRate) }
        let texts = Array(Set(captioned.map { $0.caption! })).sorted()
        let a = try scorer.audioEmbeddings(waves), t = try scorer.textEmbeddings(texts)
        let sims = try a.matmul(try t.transpose(0, 1)).scalars  // [clips, texts]
        let n = texts.count
        var scores: [String: Double] = [:], hits = 0
        for (i, c) in captioned.enumerated() {
            let j = texts.firstIndex(of: c.caption!)!
            let row = sims[(i * n)..<((i + 1) * n)]
            scores[c.name] = Double(row[i * n + j])
            if row.max() == row[i * n + j] { hits += 1 }
        }
        return TextAlignment(meanScore: scores.values.reduce(0, +) / Double(scores.count),
                             rankAccuracy: Double(hits) / Double(captioned.count), chance: 1 / Double(n), scores: scores)
    }
}
