/// Errors raised while preparing data or training, each naming the file, key or argument at fault.
public enum TrainingError: Error, CustomStringConvertible {
    case invalidArgument(String, String)
    case file(String, String)
    /// A config key with a bad value: the key's dotted path, what was found, what is allowed.
    case config(key: String, found: String, expected: String)

    public var description: String {
        switch self {
        case let .invalidArgument(name, m): return "\(name): \(m)"
        case let .file(path, m): return "\(path): \(m)"
        case let .config(key, found, expected): return "config key '\(key)': found \(found), expected \(expected)"
        }
    }
}
