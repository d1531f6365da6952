/// Errors raised by the Metrics module, each naming the argument, file or folder at fault.
public enum MetricsError: Error, CustomStringConvertible, Equatable {
    case invalidArgument(String, String)
    case file(String, String)
    /// LAPACK refused a matrix; names the routine and its info code.
    case lapack(String, String)

    public var description: String {
        switch self {
        case let .invalidArgument(name, m): return "\(name): \(m)"
        case let .file(path, m): return "\(path): \(m)"
        case let .lapack(routine, m): return "\(routine): \(m)"
        }
    }
}
