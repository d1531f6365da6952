import Foundation

/// What several test targets need alike, kept once: SwiftPM test targets share code only through a target like this.
public enum TestSupport {
    /// The `foley` executable SwiftPM built next to the running test bundle (.build/<config>/foley), or nil.
    public static func foleyExecutable() -> String? {
        let exe = (try? FileManager.default.destinationOfSymbolicLink(atPath: "/proc/self/exe")) ?? CommandLine.arguments[0]
        var dir = URL(fileURLWithPath: exe).deletingLastPathComponent()
        // The test binary may sit inside a bundle folder (FoleyPackageTests.xctest/...).
        for _ in 0..<3 {
            let candidate = dir.appendingPathComponent("foley").path
            if FileManager.default.isExecutableFile(atPath: candidate) { return candidate }
            dir = dir.deletingLastPathComponent()
        }
        return nil
    }

    /// Runs `executable` with `arguments` to its end; its status, and its standard output and error as one text.
    public static func run(_ executable: String, _ arguments: [String], environment: [String: String]? = nil) throws -> (status: Int32, output: String) {
        let p = Process()
        p.executableURL = URL(fileURLWithPath: executable)
        p.arguments = arguments
        if let environment { p.environment = environment }
        let out = Pipe()
        p.standardOutput = out
        p.standardError = out
        try p.run()
        let data = out.fileHandleForReading.readDataToEndOfFile()
        p.waitUntilExit()
        return (p.terminationStatus, String(decoding: data, as: UTF8.self))
    }

    /// Where `foleyExecutable` looks, for the message when it is missing.
    public static var testExecutable: String {
        (try? FileManager.default.destinationOfSymbolicLink(atPath: "/proc/self/exe")) ?? CommandLine.arguments[0]
    }
}

/// A 32-bit float WAV of `samples` (mono) written byte by byte: AudioFile.write refuses non-finite samples, so a
/// NaN or infinite file can only be made this way.
public func writeFloatWAV(_ samples: [Float], sampleRate: Int = 16000, to path: String) throws {
    var d = Data()
    func u32(_ v: Int) { withUnsafeBytes(of: UInt32(v).littleEndian) { d.append(contentsOf: $0) } }
    func u16(_ v: Int) { withUnsafeBytes(of: UInt16(v).littleEndian) { d.append(contentsOf: $0) } }
    d.append(contentsOf: Array("RIFF".utf8)); u32(36 + samples.count * 4); d.append(contentsOf: Array("WAVE".utf8))
    d.append(contentsOf: Array("fmt ".utf8)); u32(16); u16(3); u16(1); u32(sampleRate); u32(sampleRate * 4); u16(4); u16(32)
    d.append(contentsOf: Array("data".utf8)); u32(samples.count * 4)
    for s in samples { withUnsafeBytes(of: s.bitPattern.littleEndian) { d.append(contentsOf: $0) } }
    try d.write(to: URL(fileURLWithPath: path))
}
