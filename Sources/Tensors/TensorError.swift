import Foundation

/// Errors raised by the tensor engine, each naming what was wrong and what was expected.
public enum TensorError: Error, CustomStringConvertible, Equatable {
    case shapeMismatch(op: String, String)
    case invalidArgument(op: String, String)
    case safetensors(file: String, String)
    case io(file: String, String)
    /// An allocation the machine (or the process's limits) cannot give: the shape and its size in bytes.
    case outOfMemory(shape: [Int], bytes: Int)

    public var description: String {
        switch self {
        case let .shapeMismatch(op, m): return "\(op): shape mismatch: \(m)"
        case let .invalidArgument(op, m): return "\(op): \(m)"
        case let .safetensors(file, m): return "\(file): invalid safetensors file: \(m)"
        case let .io(file, m): return "\(file): \(m)"
        case let .outOfMemory(shape, bytes): return "not enough memory for a tensor of shape \(shape) (\(TensorError.size(bytes)))"
        }
    }
}

extension TensorError {
    /// A byte count as people read it: "4.0 GB", "512.0 MB".
    public static func size(_ bytes: Int) -> String {
        let b = Double(bytes)
        if b >= 1e9 { return String(format: "%.1f GB", b / 1e9) }
        if b >= 1e6 { return String(format: "%.1f MB", b / 1e6) }
        return "\(bytes) bytes"
    }
}
