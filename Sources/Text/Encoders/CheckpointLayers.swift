import NN
import Tensors

// Layers for modules that are always filled from a checkpoint: their parameters start at zero instead of
// NN's random initializers, which cost seconds for a 20M-parameter encoder in debug builds. Parameter
// names ("weight", "bias") and maths are those of nn.Linear / nn.Embedding.

/// y = x Wᵀ + b over the last dim, zero-initialized (nn.Linear's keys and maths).
public final class CheckpointLinear: Module {
    public let inFeatures: Int, outFeatures: Int
    public var weight: Tensor { param("weight")! }
    public var bias: Tensor? { param("bias") }

    public init(_ inFeatures: Int, _ outFeatures: Int, bias: Bool = true) {
        self.inFeatures = inFeatures
        self.outFeatures = outFeatures
        super.init()
        parameter("weight", Tensor.zeros([outFeatures, inFeatures]))
        if bias { parameter("bias", Tensor.zeros([outFeatures])) }
    }

    public func callAsFunction(_ x: Tensor) throws -> Tensor { try Tensor.linear(x, weight: weight, bias: bias) }

    public override var summary: String { "Linear(\(inFeatures) -> \(outFeatures)\(bias == nil ? ", no bias" : ""))" }
}

/// A lookup table of `count` vectors, zero-initialized (nn.Embedding's key).
public final class CheckpointEmbedding: Module {
    public var weight: Tensor { param("weight")! }

    public init(_ count: Int, _ dim: Int) {
        super.init()
        parameter("weight", Tensor.zeros([count, dim]))
    }

    /// Rows for `ids` laid out as `shape`.
    public func callAsFunction(_ ids: [Int], shape: [Int]) throws -> Tensor { try weight.embedding(ids, shape: shape) }

    public override var summary: String { "Embedding(\(weight.shape[0]), \(weight.shape[1]))" }
}
