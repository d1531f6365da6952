/// Errors raised by the Diffusion module, each naming the file, key or argument at fault.
public enum DiffusionError: Error, CustomStringConvertible {
    case invalidArgument(String, String)
    case file(String, String)
    /// The caller stopped a run (Ctrl-C or a callback returning false) at this step; a generation carries what it
    /// had so far.
    case cancelled(step: Int, partial: PartialGeneration? = nil)

    public var description: String {
        switch self {
        case let .invalidArgument(name, m): return "\(name): \(m)"
        case let .file(path, m): return "\(path): \(m)"
        case let .cancelled(step, _): return "cancelled at step \(step)"
        }
    }
}
