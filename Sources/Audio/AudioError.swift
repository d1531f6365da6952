/// Errors raised by the Audio module, each naming the file, key or argument at fault.
public enum AudioError: Error, CustomStringConvertible, Equatable {
    case invalidArgument(String, String)
    case file(String, String)
    /// No file exists at the path.
    case missingFile(String)
    /// The file exists but cannot be opened for reading (permissions, a directory, an I/O error).
    case unreadableFile(String, String)
    /// The file is not in any format libsndfile recognises (random bytes, a text file, a bad header).
    case notAudio(String, String)
    /// The file is 0 bytes long, or a valid header announces 0 frames.
    case emptyAudio(String)
    /// The request names a format, extension or setting this module does not write.
    case unsupportedFormat(String, String)
    /// A C library (soxr, libebur128, libpng, KissFFT) refused an operation; names the library and its message.
    case library(String, String)

    public var description: String {
        switch self {
        case let .invalidArgument(name, m): return "\(name): \(m)"
        case let .file(path, m): return "\(path): \(m)"
        case let .missingFile(path): return "\(path): missing: no such file (expected an audio file)"
        case let .unreadableFile(path, m): return "\(path): unreadable: \(m)"
        case let .notAudio(path, m): return "\(path): not audio (expected WAV, FLAC, OGG, AIFF or another libsndfile format): \(m)"
        case let .emptyAudio(path): return "\(path): zero-length: the file holds no audio frames"
        case let .unsupportedFormat(what, m): return "\(what): unsupported: \(m)"
        case let .library(lib, m): return "\(lib): \(m)"
        }
    }
}
