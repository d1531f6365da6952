import Audio
import Foundation

/// The audio files of one folder, read once: clips by name, and the files that could not be read.
public struct EvaluationSet: Sendable {
    /// A readable clip, named by its file name without extension (the pairing key).
    public struct Clip: Sendable {
        public let name: String
        public let path: String
        public let audio: AudioBuffer
        /// The clip's text, from a same-named `.json` sidecar's "prompt" (what `foley generate` writes) or `.txt`.
        public var caption: String? = nil
    }

    /// Files beside the audio that describe it rather than hold it: read for captions, never as audio.
    static let companionExtensions: Set<String> = ["json", "txt", "png", "yaml"]

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
            if EvaluationSet.companionExtensions.contains((file as NSString).pathExtension.lowercased()) { continue }
            if let first = seen[name] {
                skipped.append(Skipped(path: path, reason: "same name as \(first): pairing by name would be ambiguous"))
                continue
            }
            do {
                clips.append(Clip(name: name, path: path, audio: try AudioFile.read(path, mono: true),
                                  caption: EvaluationSet.caption(directory: directory, name: name)))
                seen[name] = file
            } catch {
                skipped.append(Skipped(path: path, reason: "\(error)"))
            }
        }
        self.directory = directory
        self.clips = clips
        self.skipped = skipped
    }

    /// The text of clip `name`: `name.json`'s "prompt" string, else `name.txt`'s first line.
    static func caption(directory: String, name: String) -> String? {
        let base = (directory as NSString).appendingPathComponent(name)
        if let data = FileManager.default.contents(atPath: base + ".json"),
           let obj = try? JSONSerialization.jsonObject(with: data) as? [String: Any], let p = obj["prompt"] as? String, !p.isEmpty {
            return p
        }
        if let text = try? String(contentsOfFile: base + ".txt", encoding: .utf8),
           let line = text.split(whereSeparator: \.isNewline).first.map(String.init), !line.isEmpty {
            return line.trimmingCharacters(in: .whitespaces)
        }
        return nil
    }

    /// One clip's samples at `rate` (soxr when the file's rate differs).
    static func samples(_ clip: Clip, at rate: Int) throws -> [Float] {
        clip.audio.sampleRate == rate ? clip.audio.samples : try clip.audio.resampled(to: rate).samples
    }
}
