import NN
import Tensors

/// Activation functions named as diffusers' `get_activation` names them (`act_fn` in configs).
public enum Activation: String, Codable, Sendable {
    case silu, swish, gelu, relu, mish

    /// Parses a config's activation name, naming `key` when it is not supported.
    public init(name: String, key: String) throws {
        guard let a = Activation(rawValue: name) else {
            throw DiffusionError.invalidArgument(key, "unsupported activation '\(name)' (supported: silu, swish, gelu, relu, mish)")
        }
        self = a
    }

    /// self(norm(x)), SiLU fused into the normalization's pass.
    public func callAsFunction(_ norm: GroupNorm, _ x: Tensor) throws -> Tensor {
        switch self {
        case .silu, .swish: return try norm(x, thenSiLU: true)
        default: return try self(norm(x))
        }
    }

    public func callAsFunction(_ x: Tensor) throws -> Tensor {
        switch self {
        case .silu, .swish: return x.silu()
        case .gelu: return x.gelu()
        case .relu: return x.relu()
        case .mish:
            // x * tanh(softplus(x)); exp overflow gives softplus = inf and tanh(inf) = 1, which is the right limit.
            return try x * (x.exp() + 1).log().tanh()
        }
    }
}
