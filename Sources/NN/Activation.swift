import Tensors

/// Activation functions, parsed from the names configs give them: diffusers' `get_activation` (`act_fn`) and
/// transformers' ACT2FN (`hidden_act`). One enum for every model family, so code importing several sees one type.
public enum Activation: String, Sendable {
    case silu, gelu, geluTanh, quickGelu, relu, tanh, mish

    /// A diffusers `act_fn` name (silu, swish, gelu, relu, mish), naming `key` when it is not supported.
    public init(name: String, key: String) throws {
        switch name {
        case "silu", "swish": self = .silu
        case "gelu": self = .gelu
        case "relu": self = .relu
        case "mish": self = .mish
        default: throw NNError.invalidArgument(key, "unsupported activation '\(name)' (supported: silu, swish, gelu, relu, mish)")
        }
    }

    /// A transformers activation name (`gelu`, `gelu_new`, `gelu_pytorch_tanh`, `quick_gelu`, ...).
    public init(hfName: String) throws {
        switch hfName {
        case "gelu": self = .gelu
        case "gelu_new", "gelu_pytorch_tanh", "gelu_fast": self = .geluTanh
        case "quick_gelu": self = .quickGelu
        case "relu": self = .relu
        case "silu", "swish": self = .silu
        case "tanh": self = .tanh
        default: throw NNError.invalidArgument("activation", "unsupported activation '\(hfName)'")
        }
    }

    /// self(norm(x)), SiLU fused into the normalization's pass over memory.
    public func callAsFunction(_ norm: GroupNorm, _ x: Tensor) throws -> Tensor {
        self == .silu ? try norm(x, thenSiLU: true) : try self(norm(x))
    }

    public func callAsFunction(_ x: Tensor) throws -> Tensor {
        switch self {
        case .silu: return x.silu()
        case .gelu: return x.gelu()
        case .geluTanh: return x.gelu(approximate: true)
        case .quickGelu: return x.quickGelu()
        case .relu: return x.relu()
        case .tanh: return x.tanh()
        case .mish:
            // x * tanh(softplus(x)); exp overflow gives softplus = inf and tanh(inf) = 1, which is the right limit.
            return try x * (x.exp() + 1).log().tanh()
        }
    }
}
