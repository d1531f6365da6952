import Tensors

/// y = x Wᵀ + b over the last dim (nn.Linear).
public final class Linear: Module {
    public let inFeatures: Int, outFeatures: Int
    public var weight: Tensor { param("weight")! }
    public var bias: Tensor? { param("bias") }
    /// Low-rank adapters added to the output (`LoRAAdapter` attaches them); not part of the state dict, so the base
    /// weights load and save as they always have.
    public internal(set) var loraLayers: [(adapter: String, layer: LoRALayer)] = []

    /// `zeroInit` starts the parameters at zero instead of nn.Linear's random init, for modules always filled from a
    /// checkpoint (a 20M-parameter text encoder's random init costs seconds, and draws from the global generator).
    public init(_ inFeatures: Int, _ outFeatures: Int, bias: Bool = true, zeroInit: Bool = false) {
        self.inFeatures = inFeatures
        self.outFeatures = outFeatures
        super.init()
        parameter("weight", zeroInit ? Tensor.zeros([outFeatures, inFeatures]) : Init.kaimingUniform([outFeatures, inFeatures], fanIn: inFeatures))
        if bias { parameter("bias", zeroInit ? Tensor.zeros([outFeatures]) : Init.kaimingUniform([outFeatures], fanIn: inFeatures)) }
    }

    public func callAsFunction(_ x: Tensor) throws -> Tensor {
        var y = try Tensor.linear(x, weight: weight, bias: bias)
        for (_, l) in loraLayers where l.scale != 0 { y = try y + l.delta(x, training: isTraining) }
        return y
    }

    public override var summary: String { "Linear(\(inFeatures) -> \(outFeatures)\(bias == nil ? ", no bias" : ""))" }
}

/// A lookup table of `count` vectors (nn.Embedding).
public final class Embedding: Module {
    public var weight: Tensor { param("weight")! }

    /// `zeroInit`: zeros instead of N(0, 1), for tables always filled from a checkpoint (see `Linear`).
    public init(_ count: Int, _ dim: Int, zeroInit: Bool = false) {
        super.init()
        parameter("weight", zeroInit ? Tensor.zeros([count, dim]) : Init.normal([count, dim], std: 1))
    }

    /// Rows for `ids` laid out as `shape`.
    public func callAsFunction(_ ids: [Int], shape: [Int]) throws -> Tensor { try weight.embedding(ids, shape: shape) }

    public override var summary: String { "Embedding(\(weight.shape[0]), \(weight.shape[1]))" }
}

/// Randomly zeroes activations while training (nn.Dropout).
public final class Dropout: Module {
    public let p: Float
    public init(_ p: Float) { self.p = p; super.init() }

    public func callAsFunction(_ x: Tensor) throws -> Tensor {
        try x.dropout(p, training: isTraining, generator: NNRandom.generator)
    }

    public override var summary: String { "Dropout(p=\(p))" }
}

/// Children applied in order, named "0", "1", ... (nn.Sequential / nn.ModuleList).
public final class Sequential: Module {
    public private(set) var layers: [Module] = []
    let apply: [(Tensor) throws -> Tensor]

    /// Layers given with the function that applies each.
    public init(_ items: [(Module, (Tensor) throws -> Tensor)]) {
        apply = items.map(\.1)
        super.init()
        for (i, (m, _)) in items.enumerated() { layers.append(child("\(i)", m)) }
    }

    public func callAsFunction(_ x: Tensor) throws -> Tensor { try apply.reduce(x) { try $1($0) } }
}

/// An indexed list of modules whose keys are "0", "1", ... (nn.ModuleList).
public final class ModuleList<M: Module>: Module {
    public private(set) var items: [M] = []

    public init(_ items: [M]) {
        super.init()
        for (i, m) in items.enumerated() { self.items.append(child("\(i)", m)) }
    }

    public subscript(i: Int) -> M { items[i] }
    public var count: Int { items.count }
}
