/// Errors raised while synthesizing a corpus, each naming the file or argument at fault.
public enum CorpusError: Error, CustomStringConvertible {
    case invalidArgument(String, String)
    case file(String, String)

    public var description: String {
        switch self {
        case let .invalidArgument(name, m): return "\(name): \(m)"
        case let .file(path, m): return "\(path): \(m)"
        }
    }
}
