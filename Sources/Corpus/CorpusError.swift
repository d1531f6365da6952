/// An error raised while synthesizing a corpus: the file or argument at fault, and what is wrong with it.
public struct CorpusError: Error, CustomStringConvertible {
    /// The argument's name or the file's path.
    public let subject: String
    public let message: String

    public var description: String { "\(subject): \(message)" }

    static func invalidArgument(_ name: String, _ message: String) -> CorpusError { CorpusError(subject: name, message: message) }
    static func file(_ path: String, _ message: String) -> CorpusError { CorpusError(subject: path, message: message) }
}
