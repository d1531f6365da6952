/// Errors raised by the tensor engine, each naming what was wrong and what was expected.
public enum TensorError: Error, CustomStringConvertible, Equatable {
    case shapeMismatch(op: String, String)
    case invalidArgument(op: String, String)
    case safetensors(file: String, String)
    case io(file: String, String)

    public var description: String {
        switch self {
        case let .shapeMismatch(op, m): return "\(op): shape mismatch: \(m)"
        case let .invalidArgument(op, m): return "\(op): \(m)"
        case let .safetensors(file, m): return "\(file): invalid safetensors file: \(m)"
        case let .io(file, m): return "\(file): \(m)"
        }
    }
}
