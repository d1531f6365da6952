import Foundation

/// Runs the espeak-ng binary and returns its speech as 16 kHz mono samples.
public struct Espeak {
    public let executable: URL

    public init(executable: URL) { self.executable = executable }

    /// Finds espeak-ng on PATH (or at `FOLEY_ESPEAK` when set); nil when it is not installed.
    public static func locate() -> Espeak? {
        let env = ProcessInfo.processInfo.environment
        if let explicit = env["FOLEY_ESPEAK"], FileManager.default.isExecutableFile(atPath: explicit) {
            return Espeak(executable: URL(fileURLWithPath: explicit))
        }
        for dir in (env["PATH"] ?? "/usr/local/bin:/usr/bin:/bin").split(separator: ":") {
            let path = String(dir) + "/espeak-ng"
            if FileManager.default.isExecutableFile(atPath: path) { return Espeak(executable: URL(fileURLWithPath: path)) }
        }
        return nil
    }

    /// Speaks `text` with `voice` at `wordsPerMinute`; espeak-ng writes a 22050 Hz WAV to stdout, which is parsed
    /// and resampled to 16 kHz here (its streamed header has a placeholder size, which the reader tolerates).
    public func speak(_ text: String, voice: String, wordsPerMinute: Int) throws -> [Float] {
        let process = Process()
        process.executableURL = executable
        process.arguments = ["-v", voice, "-s", String(wordsPerMinute), "--stdout", "--", text]
        let out = Pipe(), err = Pipe()
        process.standardOutput = out
        process.standardError = err
        process.standardInput = FileHandle.nullDevice
        do { try process.run() } catch {
            throw CorpusError.file(executable.path, "cannot run espeak-ng: \(error.localizedDescription)")
        }
        // Drain stdout before waiting: a full pipe would otherwise block espeak-ng forever.
        let data = out.fileHandleForReading.readDataToEndOfFile()
        let errors = err.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        guard process.terminationStatus == 0 else {
            let message = String(decoding: errors, as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines)
            throw CorpusError.file(executable.path, "espeak-ng -v \(voice) failed (status \(process.terminationStatus)): \(message)")
        }
        let wav = try CorpusWAV.decode(data, name: "espeak-ng output")
        return Self.resampler(from: wav.sampleRate).process(wav.samples)
    }

    private static let resampler22050 = SincResampler(from: 22_050, to: Clip.sampleRate)

    private static func resampler(from rate: Int) -> SincResampler {
        rate == 22_050 ? resampler22050 : SincResampler(from: rate, to: Clip.sampleRate)
    }
}
