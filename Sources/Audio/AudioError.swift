/// Errors raised by the Audio module, each naming the file, key or argument at fault.
public enum AudioError: Error, CustomStringConvertible {
    case invalidArgument(String, String)
    case file(String, String)

    public var description: String {
        switch self {
        case let .invalidArgument(name, m): return "\(name): \(m)"
        case let .file(path, m): return "\(path): \(m)"
        }
    }
}
