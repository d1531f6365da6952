import Foundation

/// One audio file and its captions, as found by a caption source before any audio is read.
public struct CaptionedAudio: Equatable {
    public var id: String
    public var audioPath: String
    public var captions: [String]
}

/// Something `preprocess` reports and skips: the file (or caption row) and why.
public struct SkippedItem: Equatable, Codable {
    public var source: String
    public var reason: String
}

/// Pairs audio with captions from a folder of `.txt` files, an AudioCaps or Clotho CSV, or a JSONL manifest.
public enum CaptionSource {
    public static let audioExtensions: Set<String> = ["wav", "wave", "flac", "ogg", "oga", "aiff", "aif", "mp3", "opus", "au", "caf"]

    /// Every audio file under `dir` (hidden files skipped), by path relative to `dir`, sorted.
    public static func audioFiles(in dir: String) throws -> [String] {
        var isDir: ObjCBool = false
        guard FileManager.default.fileExists(atPath: dir, isDirectory: &isDir), isDir.boolValue else {
            throw TrainingError.invalidArgument("--audio-dir", "\(dir) is not a folder")
        }
        guard let e = FileManager.default.enumerator(atPath: dir) else { throw TrainingError.file(dir, "cannot list the folder") }
        var out: [String] = []
        while let rel = e.nextObject() as? String {
            let name = (rel as NSString).lastPathComponent
            if name.hasPrefix(".") { continue }
            if audioExtensions.contains((name as NSString).pathExtension.lowercased()) { out.append(rel) }
        }
        return out.sorted()
    }

    static func stripExtension(_ rel: String) -> String { (rel as NSString).deletingPathExtension }

    /// Reads the pairs; items that cannot be paired go to `skipped`.
    public static func pairs(audioDir: String?, textSource: String, skipped: inout [SkippedItem]) throws -> [CaptionedAudio] {
        var isDir: ObjCBool = false
        guard FileManager.default.fileExists(atPath: textSource, isDirectory: &isDir) else {
            throw TrainingError.invalidArgument("--text-dir", "\(textSource) does not exist")
        }
        if isDir.boolValue {
            guard let audioDir else { throw TrainingError.invalidArgument("--audio-dir", "required with a folder of .txt captions") }
            return try textFolder(audioDir: audioDir, textDir: textSource, skipped: &skipped)
        }
        switch (textSource as NSString).pathExtension.lowercased() {
        case "csv":
            guard let audioDir else { throw TrainingError.invalidArgument("--audio-dir", "required with a CSV of captions") }
            return try csv(audioDir: audioDir, path: textSource, skipped: &skipped)
        case "jsonl", "json":
            return try jsonl(audioDir: audioDir, path: textSource, skipped: &skipped)
        default:
            throw TrainingError.invalidArgument("--text-dir", "\(textSource): expected a folder of .txt files, an AudioCaps/Clotho .csv or a .jsonl manifest")
        }
    }

    /// Non-empty lines of a caption file, each a caption.
    static func captionLines(_ text: String) -> [String] {
        text.split(whereSeparator: \.isNewline).map { $0.trimmingCharacters(in: .whitespaces) }.filter { !$0.isEmpty }
    }

    /// `A/x.wav` with `T/x.txt` (sub-folders mirrored).
    static func textFolder(audioDir: String, textDir: String, skipped: inout [SkippedItem]) throws -> [CaptionedAudio] {
        var out: [CaptionedAudio] = []
        for rel in try audioFiles(in: audioDir) {
            let id = stripExtension(rel)
            let audio = (audioDir as NSString).appendingPathComponent(rel)
            let txt = (textDir as NSString).appendingPathComponent(id + ".txt")
            guard let data = FileManager.default.contents(atPath: txt) else {
                skipped.append(SkippedItem(source: audio, reason: "no caption (expected \(txt))"))
                continue
            }
            let caps = captionLines(String(decoding: data, as: UTF8.self))
            if caps.isEmpty {
                skipped.append(SkippedItem(source: audio, reason: "no caption (\(txt) is empty)"))
                continue
            }
            out.append(CaptionedAudio(id: id, audioPath: audio, captions: caps))
        }
        return out
    }

    /// AudioCaps (audiocap_id, youtube_id, start_time, caption) or Clotho (file_name, caption_1..caption_5).
    static func csv(audioDir: String, path: String, skipped: inout [SkippedItem]) throws -> [CaptionedAudio] {
        guard let data = FileManager.default.contents(atPath: path) else { throw TrainingError.file(path, "cannot read") }
        let rows = CSV.parse(String(decoding: data, as: UTF8.self))
        guard let header = rows.first?.map({ $0.trimmingCharacters(in: .whitespaces).lowercased() }) else {
            throw TrainingError.file(path, "empty CSV")
        }
        func col(_ n: String) -> Int? { header.firstIndex(of: n) }
        let files = try audioFiles(in: audioDir)
        var byStem: [String: String] = [:]
        for rel in files {
            byStem[stripExtension((rel as NSString).lastPathComponent), default: rel] = rel
            byStem[(rel as NSString).lastPathComponent, default: rel] = rel
        }
        var captions: [String: [String]] = [:]  // audio rel path -> captions
        if let fileCol = col("file_name"), header.contains(where: { $0.hasPrefix("caption_") }) {
            let capCols = header.indices.filter { header[$0].hasPrefix("caption_") }
            for (line, row) in rows.dropFirst().enumerated() where row.count > fileCol {
                let name = row[fileCol].trimmingCharacters(in: .whitespaces)
                if name.isEmpty { continue }
                let caps = capCols.compactMap { $0 < row.count ? row[$0].trimmingCharacters(in: .whitespaces) : nil }.filter { !$0.isEmpty }
                guard let rel = byStem[name] ?? byStem[stripExtension(name)] else {
                    skipped.append(SkippedItem(source: "\(path):\(line + 2)", reason: "no audio file '\(name)' in \(audioDir)"))
                    continue
                }
                captions[rel, default: []] += caps
            }
        } else if let yt = col("youtube_id"), let capCol = col("caption") {
            let idCol = col("audiocap_id"), startCol = col("start_time")
            for (line, row) in rows.dropFirst().enumerated() where row.count > max(yt, capCol) {
                let y = row[yt].trimmingCharacters(in: .whitespaces)
                let cap = row[capCol].trimmingCharacters(in: .whitespaces)
                if y.isEmpty || cap.isEmpty { continue }
                var keys = [y, "Y" + y]
                if let idCol, idCol < row.count { keys.insert(row[idCol].trimmingCharacters(in: .whitespaces), at: 0) }
                if let startCol, startCol < row.count, let s = Double(row[startCol].trimmingCharacters(in: .whitespaces)) {
                    let st = Int(s)
                    keys += ["\(y)_\(st)", "\(y)_\(st)_\(st + 10)", "Y\(y)_\(st)", "\(y)_\(st * 1000)_\((st + 10) * 1000)"]
                }
                guard let rel = keys.lazy.compactMap({ byStem[$0] }).first else {
                    skipped.append(SkippedItem(source: "\(path):\(line + 2)", reason: "no audio file for youtube_id \(y) in \(audioDir)"))
                    continue
                }
                captions[rel, default: []].append(cap)
            }
        } else {
            throw TrainingError.file(path, "unrecognised CSV columns \(header): expected AudioCaps' (audiocap_id, youtube_id, start_time, caption) or Clotho's (file_name, caption_1..caption_5)")
        }
        var out: [CaptionedAudio] = []
        for rel in files {
            let audio = (audioDir as NSString).appendingPathComponent(rel)
            guard let caps = captions[rel], !caps.isEmpty else {
                skipped.append(SkippedItem(source: audio, reason: "no caption (no row of \(path) names it)"))
                continue
            }
            out.append(CaptionedAudio(id: stripExtension(rel), audioPath: audio, captions: caps))
        }
        return out
    }

    /// One JSON object per line: `audio` (relative to --audio-dir, else to the manifest's folder) and `caption`
    /// (a string) or `captions` (a list); `id` optional.
    static func jsonl(audioDir: String?, path: String, skipped: inout [SkippedItem]) throws -> [CaptionedAudio] {
        guard let data = FileManager.default.contents(atPath: path) else { throw TrainingError.file(path, "cannot read") }
        let base = (path as NSString).deletingLastPathComponent
        var out: [CaptionedAudio] = []
        var seen = Set<String>()
        for (n, line) in String(decoding: data, as: UTF8.self).split(whereSeparator: \.isNewline).enumerated() {
            let where_ = "\(path):\(n + 1)"
            if line.trimmingCharacters(in: .whitespaces).isEmpty { continue }
            guard let obj = try? JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any] else {
                skipped.append(SkippedItem(source: where_, reason: "not a JSON object"))
                continue
            }
            guard let audio = (obj["audio"] ?? obj["audio_path"] ?? obj["path"] ?? obj["wav"]) as? String, !audio.isEmpty else {
                skipped.append(SkippedItem(source: where_, reason: "no 'audio' path"))
                continue
            }
            var caps: [String] = []
            for k in ["caption", "text", "description"] { if let c = obj[k] as? String { caps.append(c) } }
            for k in ["captions", "texts"] { if let l = obj[k] as? [Any] { caps += l.compactMap { $0 as? String } } }
            caps = caps.map { $0.trimmingCharacters(in: .whitespacesAndNewlines) }.filter { !$0.isEmpty }
            let resolved: String
            if audio.hasPrefix("/") {
                resolved = audio
            } else if let audioDir, FileManager.default.fileExists(atPath: (audioDir as NSString).appendingPathComponent(audio)) {
                resolved = (audioDir as NSString).appendingPathComponent(audio)
            } else {
                resolved = (base as NSString).appendingPathComponent(audio)
            }
            guard !caps.isEmpty else {
                skipped.append(SkippedItem(source: resolved, reason: "no caption (\(where_) has no 'caption')"))
                continue
            }
            var id = (obj["id"] as? String) ?? stripExtension(audio.hasPrefix("/") ? (audio as NSString).lastPathComponent : audio)
            if seen.contains(id) { id += "#\(n + 1)" }
            seen.insert(id)
            out.append(CaptionedAudio(id: id, audioPath: resolved, captions: caps))
        }
        return out
    }
}

/// RFC 4180 CSV: quoted fields may hold commas, doubled quotes and newlines.
enum CSV {
    static func parse(_ text: String) -> [[String]] {
        var rows: [[String]] = [], row: [String] = [], field = ""
        var quoted = false, i = text.unicodeScalars.startIndex
        let s = text.unicodeScalars
        var fieldStarted = false
        while i < s.endIndex {
            let c = s[i]
            if quoted {
                if c == "\"" {
                    let n = s.index(after: i)
                    if n < s.endIndex && s[n] == "\"" { field.unicodeScalars.append("\""); i = n } else { quoted = false }
                } else { field.unicodeScalars.append(c) }
            } else {
                switch c {
                case "\"" where !fieldStarted || field.isEmpty: quoted = true; fieldStarted = true
                case ",": row.append(field); field = ""; fieldStarted = false
                case "\n", "\r":
                    if c == "\r", s.index(after: i) < s.endIndex, s[s.index(after: i)] == "\n" { i = s.index(after: i) }
                    row.append(field); field = ""; fieldStarted = false
                    if !(row.count == 1 && row[0].isEmpty) { rows.append(row) }
                    row = []
                default: field.unicodeScalars.append(c); fieldStarted = true
                }
            }
            i = s.index(after: i)
        }
        if fieldStarted || !field.isEmpty || !row.isEmpty {
            row.append(field)
            rows.append(row)
        }
        if let first = rows.first, let f = first.first, f.hasPrefix("\u{FEFF}") {
            rows[0][0] = String(f.dropFirst())
        }
        return rows
    }
}
