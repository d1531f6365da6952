import Diffusion
import Foundation
import Tensors
import Text

/// Foley's own backbone (`foley`): the default model's contrastive audio encoder as the embedder, and zero-shot
/// classification over the procedural corpus's sound families through its text side (CLAP's recipe: softmax of the
/// scaled cosines to each label's prompts), so FAD, KL and IS run with nothing downloaded.
public final class ContrastiveEmbedder: AudioClassifier {
    /// The corpus families and the prompts that stand for each (their text embeddings are averaged).
    public static let families: [(label: String, prompts: [String])] = [
        ("tone", ["a pure tone", "a steady sine-wave tone", "a single note held"]),
        ("chord", ["a chord", "several notes sounding together"]),
        ("sweep", ["a tone sweeping up or down in pitch", "a rising glide"]),
        ("beeps", ["a series of beeps", "a device beeping"]),
        ("noise", ["white noise", "pink noise", "brown noise", "static hiss"]),
        ("percussion", ["a drum hit", "percussive knocks and clicks", "a kick drum pattern"]),
        ("pluck", ["a plucked string", "a guitar string plucked"]),
        ("texture", ["rain falling", "wind blowing", "waves on a beach", "an engine rumbling", "a crackling fire"]),
        ("speech", ["a person speaking", "a voice saying words"]),
    ]

    public let name = "foley"
    public var sampleRate: Int { pipeline.sampleRate }
    public let embeddingSize: Int
    public var classCount: Int { labels.count }
    public var variant: ClassifierScores.Variant { .softmax }
    public let labels: [String]
    let pipeline: TextToAudioPipeline
    /// [classes, D], each the renormalized mean of its prompts' embeddings.
    let labelEmbeddings: Tensor
    let scale: Float

    /// Uses `pipeline`'s contrastive model; names the model when it has none.
    public init(pipeline: TextToAudioPipeline) throws {
        guard let model = pipeline.contrastive else {
            throw MetricsError.invalidArgument("backbone", "foley needs a model with a contrastive audio-text model (\(pipeline.identity) has none)")
        }
        self.pipeline = pipeline
        labels = Self.families.map(\.label)
        var rows: [Tensor] = []
        for (_, prompts) in Self.families {
            rows.append(try TextOps.l2Normalize(try pipeline.textEmbeddings(prompts).mean(axis: 0, keepDim: true)))
        }
        labelEmbeddings = try Tensor.concat(rows, axis: 0)
        embeddingSize = model.config.projectionDim
        scale = Foundation.exp(min(model.logitScale.scalars[0], Foundation.log(100)))
    }

    /// Loads the model folder (the shipped default when nil).
    public convenience init(modelFolder: String?) throws {
        guard let folder = modelFolder.map({ URL(fileURLWithPath: $0) }) ?? DefaultModel.locate() else {
            throw MetricsError.invalidArgument("backbone", "foley needs the shipped model (models/default) or a model folder")
        }
        try self.init(pipeline: try TextToAudioPipeline.load(folder: folder))
    }

    public func classify(_ samples: [Float]) throws -> (embedding: Tensor, probabilities: Tensor) {
        guard !samples.isEmpty else { throw MetricsError.invalidArgument("audio", "the clip is empty") }
        // A window at a time (the style vector's recipe): memory stays one window's however long the clip.
        let e = try pipeline.extractStyle(samples, sampleRate: pipeline.sampleRate).reshape([1, -1])
        let logits = try e.matmul(try labelEmbeddings.transpose(0, 1)) * scale
        return (e, try logits.softmax(axis: 1))
    }
}
