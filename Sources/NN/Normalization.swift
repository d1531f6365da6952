import Tensors

/// Group normalization with per-channel affine (nn.GroupNorm).
public final class GroupNorm: Module {
    public let groups: Int, eps: Float
    public init(groups: Int, channels: Int, eps: Float = 1e-5, affine: Bool = true) {
        self.groups = groups
        self.eps = eps
        super.init()
        if affine {
            parameter("weight", Tensor.ones([channels]))
            parameter("bias", Tensor.zeros([channels]))
        }
    }

    public func callAsFunction(_ x: Tensor) throws -> Tensor {
        try Tensor.groupNorm(x, groups: groups, weight: param("weight"), bias: param("bias"), eps: eps)
    }

    /// silu(self(x)) in one pass over memory.
    public func callAsFunction(_ x: Tensor, thenSiLU: Bool) throws -> Tensor {
        guard thenSiLU else { return try self(x) }
        return try Tensor.groupNormSiLU(x, groups: groups, weight: param("weight"), bias: param("bias"), eps: eps)
    }

    public override var summary: String { "GroupNorm(\(groups) groups, eps \(eps))" }
}

/// Layer normalization over the last dim (nn.LayerNorm).
public final class LayerNorm: Module {
    public let eps: Float
    public init(_ dim: Int, eps: Float = 1e-5, affine: Bool = true, bias: Bool = true) {
        self.eps = eps
        super.init()
        if affine {
            parameter("weight", Tensor.ones([dim]))
            if bias { parameter("bias", Tensor.zeros([dim])) }
        }
    }

    public func callAsFunction(_ x: Tensor) throws -> Tensor {
        try Tensor.layerNorm(x, weight: param("weight"), bias: param("bias"), eps: eps)
    }

    public override var summary: String { "LayerNorm(\(param("weight")?.count ?? 0), eps \(eps))" }
}
