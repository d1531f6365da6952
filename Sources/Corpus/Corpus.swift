import Foundation
import Tensors

/// What `Corpus.generate` reports while it runs.
public enum CorpusEvent {
    /// Something the user should know once (espeak-ng missing, stale files removed).
    case notice(String)
    /// Clip `index` (0-based) of `count` is done; `skipped` when its files were already there.
    case clip(index: Int, count: Int, skipped: Bool)
}

/// What a `Corpus.generate` run did.
public struct CorpusSummary {
    public var written: Int
    public var skipped: Int
    public var manifest: URL
}

/// Writes the procedural corpus in the `preprocess` input layout: audio/NNNNNN.wav, text/NNNNNN.txt, manifest.jsonl.
public enum Corpus {
    /// The settings file that pins a directory to one seed and length, so a re-run cannot mix two corpora.
    static let settingsName = "corpus.json"

    /// Generates `count` clips of `seconds` with `seed` into `outDir`, using espeak-ng for speech when installed;
    /// `version` and `only` pick the recipe version and the families (see `CorpusRecipe`).
    @discardableResult
    public static func generate(outDir: URL, count: Int, seed: UInt64, seconds: Double = 4, version: Int = 1,
                                only: [String]? = nil, progress: (CorpusEvent) -> Void = { _ in }) throws -> CorpusSummary {
        let espeak = Espeak.locate()
        if espeak == nil && (only == nil || only!.contains("speech")) {
            progress(.notice("espeak-ng not found on PATH (install it with scripts/setup): the speech family is skipped"))
        }
        return try generate(outDir: outDir, count: count, seed: seed, recipe: CorpusRecipe(seconds: seconds, espeak: espeak, version: version, only: only),
                            progress: progress)
    }

    /// Generates with an explicit recipe. Idempotent: a clip whose WAV, caption and manifest row all exist is
    /// skipped, so an interrupted run resumes where it stopped, and the same seed always gives the same bytes.
    @discardableResult
    public static func generate(outDir: URL, count: Int, seed: UInt64, recipe: CorpusRecipe,
                                progress: (CorpusEvent) -> Void = { _ in }) throws -> CorpusSummary {
        guard count >= 0 else { throw CorpusError.invalidArgument("count", "must be at least 0, got \(count)") }
        guard recipe.seconds >= 1, recipe.seconds <= 30 else {
            throw CorpusError.invalidArgument("seconds", "must be between 1 and 30, got \(recipe.seconds)")
        }
        try recipe.validate()
        let fm = FileManager.default
        let audioDir = outDir.appendingPathComponent("audio"), textDir = outDir.appendingPathComponent("text")
        do {
            try fm.createDirectory(at: audioDir, withIntermediateDirectories: true)
            try fm.createDirectory(at: textDir, withIntermediateDirectories: true)
        } catch {
            throw CorpusError.file(outDir.path, "cannot create corpus directories: \(error.localizedDescription)")
        }
        try checkSettings(outDir, seed: seed, recipe: recipe)
        removeStaleTemporaries([audioDir, textDir, outDir], progress)

        let manifestURL = outDir.appendingPathComponent("manifest.jsonl")
        var rows = try readManifest(manifestURL)
        var written = 0, skipped = 0
        for index in 0..<count {
            let id = String(format: "%06d", index)
            let wav = audioDir.appendingPathComponent(id + ".wav"), txt = textDir.appendingPathComponent(id + ".txt")
            if rows[id] != nil && fm.fileExists(atPath: wav.path) && fm.fileExists(atPath: txt.path) {
                skipped += 1
                progress(.clip(index: index, count: count, skipped: true))
                continue
            }
            let clip = try recipe.clip(index: index, seed: seed)
            try CorpusWAV.write(clip.samples, sampleRate: Clip.sampleRate, to: wav)
            try CorpusWAV.writeAtomically(Data((clip.caption + "\n").utf8), to: txt)
            rows[id] = try manifestRow(id: id, clip: clip)
            written += 1
            progress(.clip(index: index, count: count, skipped: false))
            // Checkpoint the manifest now and then, so a crash costs at most this many re-renders.
            if written % 250 == 0 { try writeManifest(rows, below: count, to: manifestURL) }
        }
        try writeManifest(rows, below: count, to: manifestURL)
        return CorpusSummary(written: written, skipped: skipped, manifest: manifestURL)
    }

    /// One manifest line: id, caption, duration, family, params, and the audio and text paths relative to the corpus.
    static func manifestRow(id: String, clip: Clip) throws -> String {
        let object: [String: Any] = [
            "id": id, "caption": clip.caption, "duration": clip.duration, "family": clip.family, "params": clip.params,
            "audio": "audio/\(id).wav", "text": "text/\(id).txt",
        ]
        let data = try JSONSerialization.data(withJSONObject: object, options: [.sortedKeys, .withoutEscapingSlashes])
        return String(decoding: data, as: UTF8.self)
    }

    /// Existing rows by id (lines that do not parse are dropped and their clips remade).
    static func readManifest(_ url: URL) throws -> [String: String] {
        guard let data = try? Data(contentsOf: url) else { return [:] }
        var rows: [String: String] = [:]
        for line in String(decoding: data, as: UTF8.self).split(separator: "\n") {
            guard let obj = try? JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any],
                  let id = obj["id"] as? String else { continue }
            rows[id] = String(line)
        }
        return rows
    }

    /// Rows for ids below `count`, in id order, written atomically.
    static func writeManifest(_ rows: [String: String], below count: Int, to url: URL) throws {
        let lines = (0..<count).compactMap { rows[String(format: "%06d", $0)] }
        let text = lines.isEmpty ? "" : lines.joined(separator: "\n") + "\n"
        try CorpusWAV.writeAtomically(Data(text.utf8), to: url)
    }

    /// Writes corpus.json on the first run; later runs must match it, since skipping files made with other
    /// settings would silently mix two corpora.
    static func checkSettings(_ dir: URL, seed: UInt64, recipe: CorpusRecipe) throws {
        let url = dir.appendingPathComponent(settingsName)
        let settings: [String: Any] = ["seed": String(seed), "seconds": recipe.seconds, "speech": recipe.espeak != nil,
                                       "sample_rate": Clip.sampleRate, "format": "foley-corpus-1",
                                       "recipe": recipe.version, "families": familiesSetting(recipe.only)]
        if let data = try? Data(contentsOf: url) {
            guard let old = try? JSONSerialization.jsonObject(with: data) as? [String: Any] else {
                throw CorpusError.file(url.path, "unreadable corpus settings; delete it or use another directory")
            }
            let found: [(String, String, String)] = [
                ("seed", "\(old["seed"] as? String ?? "missing")", String(seed)),
                ("seconds", "\(number(old["seconds"]) ?? -1)", "\(recipe.seconds)"),
                ("speech", "\(old["speech"] as? Bool ?? ((number(old["speech"]) ?? 0) != 0))", "\(recipe.espeak != nil)"),
                // Corpora written before recipe versions and family choices existed are version 1 with every family.
                ("recipe", "\(Int(number(old["recipe"]) ?? 1))", "\(recipe.version)"),
                ("families", old["families"] as? String ?? "all", familiesSetting(recipe.only)),
            ]
            for (key, was, now) in found where was != now {
                throw CorpusError.file(url.path, "this directory holds a corpus made with \(key) \(was), not \(now); "
                    + "use another directory or the same settings")
            }
            return
        }
        let data = try JSONSerialization.data(withJSONObject: settings, options: [.sortedKeys, .prettyPrinted])
        try CorpusWAV.writeAtomically(data, to: url)
    }

    /// The families as corpus.json records them: "all", or the chosen names sorted and comma-separated.
    static func familiesSetting(_ only: [String]?) -> String {
        only.map { Set($0).sorted().joined(separator: ",") } ?? "all"
    }

    /// A JSON number as parsed by either Foundation (Int, Double or NSNumber).
    private static func number(_ v: Any?) -> Double? {
        if let d = v as? Double { return d }
        if let i = v as? Int { return Double(i) }
        return (v as? NSNumber)?.doubleValue
    }

    /// Temporaries left by an interrupted run (".NAME.PID.tmp") are never valid output; remove them.
    static func removeStaleTemporaries(_ dirs: [URL], _ progress: (CorpusEvent) -> Void) {
        var removed = 0
        for dir in dirs {
            let names = (try? FileManager.default.contentsOfDirectory(atPath: dir.path)) ?? []
            for name in names where name.hasPrefix(".") && name.hasSuffix(".tmp") {
                if (try? FileManager.default.removeItem(at: dir.appendingPathComponent(name))) != nil { removed += 1 }
            }
        }
        if removed > 0 { progress(.notice("removed \(removed) temporary files left by an interrupted run")) }
    }
}
