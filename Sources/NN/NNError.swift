/// Errors raised by the NN module, each naming the file, key or argument at fault.
public enum NNError: Error, CustomStringConvertible {
    case invalidArgument(String, String)
    case file(String, String)
    case stateDict(missing: [String], unexpected: [String], misshaped: [String])

    public var description: String {
        switch self {
        case let .invalidArgument(name, m): return "\(name): \(m)"
        case let .file(path, m): return "\(path): \(m)"
        case let .stateDict(missing, unexpected, misshaped):
            var parts: [String] = []
            func list(_ a: [String]) -> String { a.count > 8 ? a.prefix(8).joined(separator: ", ") + ", ... (\(a.count) in all)" : a.joined(separator: ", ") }
            if !missing.isEmpty { parts.append("missing keys: " + list(missing)) }
            if !unexpected.isEmpty { parts.append("unexpected keys: " + list(unexpected)) }
            if !misshaped.isEmpty { parts.append("mis-shaped keys: " + list(misshaped)) }
            return "state dict does not match the model: " + parts.joined(separator: "; ")
        }
    }
}
