import Tensors
import CSndFile
import Foundation

/// A sample encoding this module writes; chosen from the file extension unless given explicitly.
public enum AudioFileFormat: String, CaseIterable, Sendable {
    case wav16, wav24, wavFloat, flac16, flac24

    /// The default encoding for a path's extension: `.wav`/`.wave` -> 16-bit PCM, `.flac` -> 16-bit FLAC.
    public static func forPath(_ path: String) throws -> AudioFileFormat {
        var isDir: ObjCBool = false
        if path.hasSuffix("/") || (FileManager.default.fileExists(atPath: path, isDirectory: &isDir) && isDir.boolValue) {
            throw AudioError.unsupportedFormat(path, "is a directory (expected a file name ending in .wav or .flac)")
        }
        switch URL(fileURLWithPath: path).pathExtension.lowercased() {
        case "":
            throw AudioError.unsupportedFormat(path, "has no extension (expected a file name ending in .wav or .flac)")
        case "wav", "wave": return .wav16
        case "flac": return .flac16
        case let ext:
            throw AudioError.unsupportedFormat(
                path, "cannot write extension '.\(ext)' (expected .wav or .flac, or pass a format)")
        }
    }

    var isFLAC: Bool { self == .flac16 || self == .flac24 }

    var sndfileFormat: Int32 {
        switch self {
        case .wav16: return Int32(SF_FORMAT_WAV | SF_FORMAT_PCM_16)
        case .wav24: return Int32(SF_FORMAT_WAV | SF_FORMAT_PCM_24)
        case .wavFloat: return Int32(SF_FORMAT_WAV | SF_FORMAT_FLOAT)
        case .flac16: return Int32(SF_FORMAT_FLAC | SF_FORMAT_PCM_16)
        case .flac24: return Int32(SF_FORMAT_FLAC | SF_FORMAT_PCM_24)
        }
    }
}

/// What a file's header says, without decoding its samples.
public struct AudioFileInfo: Equatable, Sendable {
    public let sampleRate: Int
    public let channels: Int
    public let frames: Int
    /// libsndfile's name for the container and encoding, e.g. "WAV (Microsoft) / Signed 16 bit PCM".
    public let format: String
}

/// Reads any libsndfile format into float32 and writes WAV or FLAC atomically.
public enum AudioFile {
    /// Frames decoded per libsndfile call; the whole file is never trusted to fit a header's frame count.
    static let chunkFrames = 65536

    /// Decodes a file to float32 in [-1, 1) (integer formats) or as stored (float formats).
    /// - Parameter mono: average all channels into one.
    public static func read(_ path: String, mono: Bool = false) throws -> AudioBuffer {
        let (sf, info) = try open(path)
        defer { sf_close(sf) }
        let channels = Int(info.channels)
        var samples: [Float] = []
        // A corrupt header can claim billions of frames, so reserve only what is plausible.
        samples.reserveCapacity(min(Int(info.frames), 1 << 24) * channels)
        var chunk = [Float](repeating: 0, count: chunkFrames * channels)
        while true {
            let got = Int(sf_readf_float(sf, &chunk, sf_count_t(chunkFrames)))
            if got <= 0 { break }
            samples.append(contentsOf: chunk[0..<(got * channels)])
        }
        let err = sf_error(sf)
        if err != Int32(SF_ERR_NO_ERROR) {
            throw AudioError.notAudio(path, "corrupt data after \(samples.count / channels) frames: "
                                      + String(cString: sf_strerror(sf)))
        }
        if samples.isEmpty { throw AudioError.emptyAudio(path) }
        // NaN or infinite samples (a float file can hold them) would flow silently into every model and metric.
        if let bad = samples.firstIndex(where: { !$0.isFinite }) {
            throw AudioError.unreadableFile(path, "non-finite sample (\(samples[bad])) at frame \(bad / channels) (expected finite audio)")
        }
        guard AudioBuffer.sampleRates.contains(Int(info.samplerate)) else {
            throw AudioError.notAudio(path, "sample rate \(info.samplerate) Hz is out of range (expected 1...768000 Hz)")
        }
        let buffer = AudioBuffer(unchecked: samples, sampleRate: Int(info.samplerate), channels: channels)
        return mono ? buffer.mixedToMono() : buffer
    }

    /// Decodes `path` a window of `windowFrames` frames at a time, each mixed to mono, so a long file is never held
    /// whole (memory stays one window however long the file); the checks are `read`'s. Returns the frames read.
    @discardableResult
    public static func forEachWindow(_ path: String, windowFrames: Int, _ body: (AudioBuffer) throws -> Void) throws -> Int {
        guard windowFrames > 0 else {
            throw AudioError.invalidArgument("windowFrames", "expected a positive frame count, got \(windowFrames)")
        }
        let (sf, info) = try open(path)
        defer { sf_close(sf) }
        let channels = Int(info.channels), rate = Int(info.samplerate)
        guard AudioBuffer.sampleRates.contains(rate) else {
            throw AudioError.notAudio(path, "sample rate \(rate) Hz is out of range (expected 1...768000 Hz)")
        }
        var window: [Float] = []
        window.reserveCapacity(min(windowFrames, 1 << 24) * channels)
        var chunk = [Float](repeating: 0, count: chunkFrames * channels)
        var total = 0
        func flush() throws {
            if let bad = window.firstIndex(where: { !$0.isFinite }) {
                throw AudioError.unreadableFile(path, "non-finite sample (\(window[bad])) at frame \(total + bad / channels) (expected finite audio)")
            }
            let frames = window.count / channels
            try body(AudioBuffer(unchecked: window, sampleRate: rate, channels: channels).mixedToMono())
            total += frames
            window.removeAll(keepingCapacity: true)
        }
        while true {
            let want = min(chunkFrames, windowFrames - window.count / channels)
            let got = Int(sf_readf_float(sf, &chunk, sf_count_t(want)))
            if got <= 0 { break }
            window.append(contentsOf: chunk[0..<(got * channels)])
            if window.count / channels == windowFrames { try flush() }
        }
        if sf_error(sf) != Int32(SF_ERR_NO_ERROR) {
            throw AudioError.notAudio(path, "corrupt data after \(total + window.count / channels) frames: " + String(cString: sf_strerror(sf)))
        }
        if !window.isEmpty { try flush() }
        if total == 0 { throw AudioError.emptyAudio(path) }
        return total
    }

    /// Reads only the header.
    public static func info(_ path: String) throws -> AudioFileInfo {
        let (sf, info) = try open(path)
        sf_close(sf)
        return AudioFileInfo(sampleRate: Int(info.samplerate), channels: Int(info.channels),
                             frames: Int(info.frames), format: formatName(info.format))
    }

    /// Encodes `buffer` to `path` through a temporary file and a rename.
    /// - Parameter format: the encoding; `nil` picks it from the extension (`.wav` 16-bit, `.flac` 16-bit).
    ///   Integer encodings clip samples outside [-1, 1] instead of wrapping.
    public static func write(_ buffer: AudioBuffer, to path: String, format: AudioFileFormat? = nil) throws {
        let fmt = try format ?? AudioFileFormat.forPath(path)
        let ext = URL(fileURLWithPath: path).pathExtension.lowercased()
        if (ext == "flac" && !fmt.isFLAC) || (["wav", "wave"].contains(ext) && fmt.isFLAC) {
            throw AudioError.invalidArgument("format", "\(fmt.rawValue) does not match the extension of \(path)")
        }
        if buffer.samples.isEmpty { throw AudioError.invalidArgument("buffer", "expected audio to write to \(path), got 0 frames") }
        if let bad = buffer.samples.firstIndex(where: { !$0.isFinite }) {
            throw AudioError.invalidArgument(
                "buffer", "expected finite samples to write to \(path), got \(buffer.samples[bad]) at sample \(bad)")
        }
        var info = SF_INFO(frames: 0, samplerate: Int32(clamping: buffer.sampleRate),
                           channels: Int32(clamping: buffer.channels), format: fmt.sndfileFormat, sections: 0, seekable: 0)
        guard sf_format_check(&info) != 0 else {
            throw AudioError.unsupportedFormat(
                path, "\(fmt.rawValue) cannot hold \(buffer.channels) channels at \(buffer.sampleRate) Hz")
        }
        try AtomicFile.write(to: path) { tmp in
            guard let sf = sf_open(tmp, Int32(SFM_WRITE), &info) else {
                throw AudioError.file(path, "cannot write: " + String(cString: sf_strerror(nil)))
            }
            // libsndfile wraps out-of-range floats into integer PCM unless clipping is on.
            sf_command(sf, Int32(SFC_SET_CLIPPING), nil, Int32(SF_TRUE))
            let frames = buffer.frameCount
            let wrote = buffer.samples.withUnsafeBufferPointer { sf_writef_float(sf, $0.baseAddress, sf_count_t(frames)) }
            let message = String(cString: sf_strerror(sf))
            let closed = sf_close(sf)
            guard wrote == frames else {
                throw AudioError.file(path, "cannot write: wrote \(wrote) of \(frames) frames: \(message)")
            }
            guard closed == 0 else {
                throw AudioError.file(path, "cannot write: closing failed: " + String(cString: sf_error_number(closed)))
            }
        }
    }

    /// Opens for reading after the checks libsndfile's single error string would blur together.
    static func open(_ path: String) throws -> (OpaquePointer, SF_INFO) {
        var st = stat()
        guard stat(path, &st) == 0 else {
            if errno == ENOENT || errno == ENOTDIR { throw AudioError.missingFile(path) }
            throw AudioError.unreadableFile(path, AtomicFile.errnoMessage())
        }
        if (st.st_mode & S_IFMT) == S_IFDIR { throw AudioError.unreadableFile(path, "is a directory (expected a file)") }
        if st.st_size == 0 { throw AudioError.emptyAudio(path) }
        guard access(path, R_OK) == 0 else { throw AudioError.unreadableFile(path, AtomicFile.errnoMessage()) }
        var info = SF_INFO()
        guard let sf = sf_open(path, Int32(SFM_READ), &info) else {
            throw AudioError.notAudio(path, String(cString: sf_strerror(nil)))
        }
        guard info.channels > 0, info.samplerate > 0 else {
            sf_close(sf)
            throw AudioError.notAudio(path, "header gives \(info.channels) channels at \(info.samplerate) Hz")
        }
        if info.frames <= 0 {
            sf_close(sf)
            throw AudioError.emptyAudio(path)
        }
        return (sf, info)
    }

    /// libsndfile's descriptions of the major format and the encoding.
    static func formatName(_ format: Int32) -> String {
        func describe(_ value: Int32, _ command: Int) -> String {
            var fi = SF_FORMAT_INFO(format: value, name: nil, extension: nil)
            guard sf_command(nil, Int32(command), &fi, Int32(MemoryLayout<SF_FORMAT_INFO>.size)) == 0,
                  let name = fi.name else { return String(format: "0x%x", value) }
            return String(cString: name)
        }
        let major = describe(format & Int32(SF_FORMAT_TYPEMASK), Int(SFC_GET_FORMAT_INFO))
        let sub = describe(format & Int32(SF_FORMAT_SUBMASK), Int(SFC_GET_FORMAT_INFO))
        return "\(major) / \(sub)"
    }
}
