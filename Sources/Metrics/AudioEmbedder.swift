import Tensors

/// A network (or fixed feature extractor) that turns a mono clip at its declared rate into embeddings.
public protocol AudioEmbedder: AnyObject {
    /// Short name for reports and JSON ("vggish", "cnn14", "melstats").
    var name: String { get }
    /// The rate `embed` expects; callers resample to it.
    var sampleRate: Int { get }
    /// Width of each embedding vector.
    var embeddingSize: Int { get }
    /// Embeddings of one clip, [windows, embeddingSize]: one row per analysis window for
    /// window-based models (VGGish: one per 0.96 s), one row for clip-level models.
    func embed(_ samples: [Float]) throws -> Tensor
}

/// An embedder that also tags clips: class probabilities per clip (what KL and IS compare).
public protocol AudioClassifier: AudioEmbedder {
    var classCount: Int { get }
    /// How the probabilities are read: `.sigmoid` for multi-label taggers (AudioSet), `.softmax` for one label.
    var variant: ClassifierScores.Variant { get }
    /// The clip's embedding [1, embeddingSize] and class probabilities [1, classCount].
    func classify(_ samples: [Float]) throws -> (embedding: Tensor, probabilities: Tensor)
}

extension AudioClassifier {
    public func embed(_ samples: [Float]) throws -> Tensor { try classify(samples).embedding }
}
