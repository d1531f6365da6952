import Audio
import Foundation

/// The audio files of one folder, read once: clips by name, and the files that could not be read.
public struct EvaluationSet: Sendable {
    /// A readable clip, named by its file name without extension (the pairing key).
    public struct Clip: Sendable {
        public let name: String
        public let path: String
        public let audio: AudioBuffer
    }

    /// A file left out, with why.
    public struct Skipped: Codable, Equatable, Sendable {
        public let path: String
        public let reason: String
    }

    public let directory: String
    public let clips: [Clip]
    public let skipped: [Skipped]

    /// Reads every visible regular file of `directory` (not recursive) as audio, mixed to mono.
    public init(directory: String) throws {
        var isDir: ObjCBool = false
        guard FileManager.default.fileExists(atPath: directory, isDirectory: &isDir), isDir.boolValue else {
            throw MetricsError.file(directory, "not a directory (expected a folder of audio files)")
        }
        let names: [String]
        do { names = try FileManager.default.contentsOfDirectory(atPath: directory).filter { !$0.hasPrefix(".") }.sorted() } catch {
            throw MetricsError.file(directory, "cannot list: \(error.localizedDescription)")
        }
        var clips: [Clip] = [], skipped: [Skipped] = [], seen: [String: String] = [:]
        for file in names {
            let path = (directory as NSString).appendingPathComponent(file)
            var sub: ObjCBool = false
            if FileManager.default.fileExists(atPath: path, isDirectory: &sub), sub.boolValue { continue }
            let name = (file as NSString).deletingPathExtension
            if let first = seen[name] {
                skipped.append(Skipped(path: path, reason: "same name as \(first): pairing by name would be ambiguous"))
                continue
            }
            do {
                clips.append(Clip(name: name, path: path, audio: try AudioFile.read(path, mono: true)))
                seen[name] = file
            } catch {
                skipped.append(Skipped(path: path, reason: "\(error)"))
            }
        }
        self.directory = directory
        self.clips = clips
        self.skipped = skipped
    }

    /// One clip's samples at `rate` (soxr when the file's rate differs).
    static func samples(_ clip: Clip, at rate: Int) throws -> [Float] {
        clip.audio.sampleRate == rate ? clip.audio.samples : try clip.audio.resampled(to: rate).samples
    }
}
