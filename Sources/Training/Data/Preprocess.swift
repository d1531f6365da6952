import Audio
import Foundation
import Tensors

/// Settings of `foley preprocess`.
public struct PreprocessOptions {
    /// Audio folder (optional for a JSONL manifest whose paths resolve on their own).
    public var audioDir: String?
    /// A folder of `.txt` captions mirroring `audioDir`, an AudioCaps/Clotho `.csv`, or a `.jsonl` manifest.
    public var textSource: String
    public var outputDir: String
    /// The log-mel front end (sample rate, STFT, mel bands) the clips are stored in.
    public var audio = AudioFrontEnd()
    /// Longer clips keep their first `seconds` (AudioLDM's 10.24 s).
    public var seconds: Double = 10.24
    /// Shorter clips are skipped as too short.
    public var minSeconds: Double = 0.5
    /// Fraction of clips (chosen by a seeded hash of the id, stable across re-runs) that go to the valid split.
    public var validFraction: Double = 0.05
    /// A file listing valid-split ids (or file names), one a line; replaces `validFraction`.
    public var validList: String?
    public var splitSeed: UInt64 = 0
    /// Clips per safetensors shard.
    public var shardSize = 256
    /// Worker threads for decoding and log-mel (default: the engine's).
    public var threads = Runtime.threadCount

    public init(audioDir: String?, textSource: String, outputDir: String) {
        self.audioDir = audioDir
        self.textSource = textSource
        self.outputDir = outputDir
    }
}

/// What a dataset folder was made with (`dataset.json`).
public struct DatasetInfo: Codable, Equatable {
    public var format = "foley-dataset/1"
    public var seconds: Double
    /// The front end the clips were made with (`audio:`; folders written before it say `sample_rate:` at the top
    /// and `mel:` with `num_mels` for the rest, which is still read).
    public var audio: AudioFrontEnd

    public init(seconds: Double, audio: AudioFrontEnd) {
        self.seconds = seconds
        self.audio = audio
    }

    public var sampleRate: Int { audio.sampleRate }
    /// ln of the magnitude floor: the value of silence, used to pad short clips.
    public var logFloor: Float { audio.logFloor }

    enum CodingKeys: String, CodingKey { case format, seconds, audio }
    /// The layout before `audio:`, read only.
    enum LegacyKeys: String, CodingKey { case sampleRate = "sample_rate", mel }

    public init(from decoder: Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self), old = try decoder.container(keyedBy: LegacyKeys.self)
        format = try c.decode(String.self, forKey: .format)
        seconds = try c.decode(Double.self, forKey: .seconds)
        if let a = try c.decodeIfPresent(AudioFrontEnd.self, forKey: .audio) {
            audio = a
        } else {
            audio = try old.decode(AudioFrontEnd.self, forKey: .mel)
            audio.sampleRate = try old.decode(Int.self, forKey: .sampleRate)
        }
    }

    public func logMel() throws -> LogMel { try audio.logMel() }
}

/// One clip of a dataset folder (a line of `manifest.jsonl`).
public struct ManifestEntry: Codable, Equatable {
    public var id: String
    public var captions: [String]
    /// Seconds kept (after the `seconds` cut).
    public var duration: Double
    public var frames: Int
    public var source: String
    public var split: String
    /// File name of the shard under `shards/` holding this clip's log-mel [frames, mels] under its id.
    public var shard: String
}

/// What `Preprocessor.run` did.
public struct PreprocessReport {
    public var written = 0
    /// Clips already in the manifest from an earlier run.
    public var alreadyDone = 0
    public var skipped: [SkippedItem] = []
    public var splits: [String: Int] = [:]
    public var seconds: Double = 0

    public var summary: String {
        let s = splits.sorted { $0.key > $1.key }.map { "\($0.value) \($0.key)" }.joined(separator: ", ")
        return "\(written) clips processed, \(alreadyDone) already done, \(skipped.count) skipped; dataset: \(s.isEmpty ? "empty" : s), "
            + String(format: "%.1f hours", seconds / 3600)
    }
}

/// `foley preprocess`: audio + captions -> resampled mono -> log-mel shards + a JSONL manifest.
public enum Preprocessor {
    public static let infoName = "dataset.json", manifestName = "manifest.jsonl", skippedName = "skipped.jsonl", shardFolder = "shards"

    /// Runs preprocessing, reporting each skipped file through `log` and never stopping for one bad file.
    @discardableResult
    public static func run(_ o: PreprocessOptions, log: (String) -> Void = { _ in }) throws -> PreprocessReport {
        guard o.audio.sampleRate >= 1000 else { throw TrainingError.invalidArgument("--sample-rate", "expected >= 1000 Hz, got \(o.audio.sampleRate)") }
        guard o.seconds > 0, o.seconds.isFinite else { throw TrainingError.invalidArgument("--seconds", "expected a positive duration, got \(o.seconds)") }
        guard o.minSeconds >= 0, o.minSeconds <= o.seconds else {
            throw TrainingError.invalidArgument("--min-seconds", "expected 0...\(o.seconds), got \(o.minSeconds)")
        }
        guard (0...1).contains(o.validFraction) else {
            throw TrainingError.invalidArgument("--valid-fraction", "expected a value in [0, 1], got \(o.validFraction)")
        }
        guard o.shardSize > 0 else { throw TrainingError.invalidArgument("--shard-size", "expected > 0, got \(o.shardSize)") }
        let fm = FileManager.default
        let out = URL(fileURLWithPath: o.outputDir)
        let shards = out.appendingPathComponent(shardFolder)
        do { try fm.createDirectory(at: shards, withIntermediateDirectories: true) } catch {
            throw TrainingError.file(o.outputDir, "cannot create the output folder: \(error.localizedDescription)")
        }
        let front = try o.audio.logMel()
        let info = DatasetInfo(seconds: o.seconds, audio: o.audio)
        try checkInfo(info, folder: out)

        var report = PreprocessReport()
        var entries = try readManifest(out.appendingPathComponent(manifestName).path)
        // A clip counts as done only if its shard is there too.
        entries = entries.filter { fm.fileExists(atPath: shards.appendingPathComponent($0.shard).path) }
        let done = Set(entries.map(\.id))
        var skipped: [SkippedItem] = []
        let pairs = try CaptionSource.pairs(audioDir: o.audioDir, textSource: o.textSource, skipped: &skipped)
        for s in skipped { log("skipped \(s.source): \(s.reason)") }
        let validIDs = try o.validList.map(readList)
        let todo = pairs.filter { !done.contains($0.id) }
        report.alreadyDone = pairs.count - todo.count
        if report.alreadyDone > 0 { log("\(report.alreadyDone) clips already preprocessed; skipping them") }

        var nextShard = (entries.compactMap { Int($0.shard.dropFirst(4).prefix(5)) }.max() ?? -1) + 1
        let maxSamples = Int((o.seconds * Double(o.audio.sampleRate)).rounded())
        let minSamples = Int((o.minSeconds * Double(o.audio.sampleRate)).rounded())
        for start in stride(from: 0, to: todo.count, by: o.shardSize) {
            let chunk = Array(todo[start..<min(todo.count, start + o.shardSize)])
            var results = [Result<(ManifestEntry, [Float]), SkipError>?](repeating: nil, count: chunk.count)
            let lock = NSLock()
            let workers = max(1, min(o.threads, chunk.count))
            DispatchQueue.concurrentPerform(iterations: workers) { w in
                var i = w
                while i < chunk.count {
                    let r = process(chunk[i], front: front, rate: o.audio.sampleRate, maxSamples: maxSamples, minSamples: minSamples)
                    lock.lock(); results[i] = r; lock.unlock()
                    i += workers
                }
            }
            let shardName = String(format: "mel-%05d.safetensors", nextShard)
            var tensors: [String: Tensor] = [:]
            var newEntries: [ManifestEntry] = []
            for (item, r) in zip(chunk, results) {
                switch r! {
                case .failure(let e):
                    let s = SkippedItem(source: item.audioPath, reason: e.reason)
                    skipped.append(s)
                    log("skipped \(s.source): \(s.reason)")
                case .success(var (entry, values)):
                    entry.split = split(for: entry, validIDs: validIDs, fraction: o.validFraction, seed: o.splitSeed)
                    entry.shard = shardName
                    tensors[entry.id] = Tensor(shape: [entry.frames, o.audio.nMels], data: values)
                    newEntries.append(entry)
                }
            }
            if !tensors.isEmpty {
                try SafeTensorsFile.save(tensors, to: shards.appendingPathComponent(shardName).path,
                                         metadata: ["format": "foley-mel-shard/1"])
                nextShard += 1
                entries += newEntries
                report.written += newEntries.count
                // The manifest is rewritten after each shard, so an interrupted run loses at most one shard's work.
                try writeManifest(entries, to: out.appendingPathComponent(manifestName).path)
                log("shard \(shardName): \(newEntries.count) clips (\(report.alreadyDone + report.written) of \(pairs.count))")
            }
        }
        try writeManifest(entries, to: out.appendingPathComponent(manifestName).path)
        let skippedText = skipped.map { s -> String in
            String(decoding: (try? JSONEncoder.sorted.encode(s)) ?? Data(), as: UTF8.self)
        }.joined(separator: "\n")
        try AtomicFile.write(Data((skippedText.isEmpty ? "" : skippedText + "\n").utf8), to: out.appendingPathComponent(skippedName).path)
        report.skipped = skipped
        for e in entries { report.splits[e.split, default: 0] += 1; report.seconds += e.duration }
        return report
    }

    struct SkipError: Error { let reason: String }

    static func process(_ item: CaptionedAudio, front: LogMel, rate: Int, maxSamples: Int, minSamples: Int)
        -> Result<(ManifestEntry, [Float]), SkipError> {
        let buffer: AudioBuffer
        do { buffer = try AudioFile.read(item.audioPath, mono: true) } catch let e as AudioError {
            var m = e.description
            if m.hasPrefix(item.audioPath + ": ") { m = String(m.dropFirst(item.audioPath.count + 2)) }
            return .failure(SkipError(reason: m.hasPrefix("unreadable") ? m : "unreadable: \(m)"))
        } catch {
            return .failure(SkipError(reason: "unreadable: \(error)"))
        }
        var samples = buffer.samples
        if buffer.sampleRate != rate {
            do { samples = try Resample.resample(samples, from: buffer.sampleRate, to: rate) } catch {
                return .failure(SkipError(reason: "cannot resample from \(buffer.sampleRate) Hz: \(error)"))
            }
        }
        if samples.count < max(minSamples, 1) {
            return .failure(SkipError(reason: String(format: "too short (%.2f s, minimum %.2f s)",
                                                     Double(samples.count) / Double(rate), Double(minSamples) / Double(rate))))
        }
        if samples.count > maxSamples { samples = Array(samples[0..<maxSamples]) }
        if let bad = samples.firstIndex(where: { !$0.isFinite }) {
            return .failure(SkipError(reason: "unreadable: non-finite sample at \(bad)"))
        }
        let spec: Spectrogram
        do { spec = try front(samples) } catch { return .failure(SkipError(reason: "log-mel failed: \(error)")) }
        let entry = ManifestEntry(id: item.id, captions: item.captions, duration: Double(samples.count) / Double(rate),
                                  frames: spec.frames, source: item.audioPath, split: "", shard: "")
        return .success((entry, spec.values))
    }

    /// valid when listed (by id or file name), else when the seeded hash of the id falls below the fraction.
    static func split(for e: ManifestEntry, validIDs: Set<String>?, fraction: Double, seed: UInt64) -> String {
        if let validIDs {
            let name = (e.source as NSString).lastPathComponent
            return validIDs.contains(e.id) || validIDs.contains(name) || validIDs.contains((name as NSString).deletingPathExtension) ? "valid" : "train"
        }
        return unitHash("\(seed):\(e.id)") < fraction ? "valid" : "train"
    }

    /// A uniform value in [0, 1) from a string (FNV-1a, then a SplitMix64 finalizer).
    static func unitHash(_ s: String) -> Double {
        var h: UInt64 = 0xcbf2_9ce4_8422_2325
        for b in s.utf8 { h = (h ^ UInt64(b)) &* 0x100_0000_01b3 }
        h = (h ^ (h >> 30)) &* 0xBF58_476D_1CE4_E5B9
        h = (h ^ (h >> 27)) &* 0x94D0_49BB_1331_11EB
        h ^= h >> 31
        return Double(h >> 11) / Double(1 << 53)
    }

    static func readList(_ path: String) throws -> Set<String> {
        guard let data = FileManager.default.contents(atPath: path) else { throw TrainingError.file(path, "cannot read the valid list") }
        return Set(CaptionSource.captionLines(String(decoding: data, as: UTF8.self)))
    }

    /// dataset.json is written on the first run; later runs must use the same settings.
    static func checkInfo(_ info: DatasetInfo, folder: URL) throws {
        let url = folder.appendingPathComponent(infoName)
        if let data = FileManager.default.contents(atPath: url.path) {
            guard let old = try? JSONDecoder().decode(DatasetInfo.self, from: data) else {
                throw TrainingError.file(url.path, "not a Foley dataset description; use another --output-dir")
            }
            let checks: [(String, String, String)] = [
                ("--sample-rate", "\(old.sampleRate)", "\(info.sampleRate)"), ("--seconds", "\(old.seconds)", "\(info.seconds)"),
                ("n_fft", "\(old.audio.nFFT)", "\(info.audio.nFFT)"), ("hop_length", "\(old.audio.hopLength)", "\(info.audio.hopLength)"),
                ("n_mels", "\(old.audio.nMels)", "\(info.audio.nMels)"), ("fmin", "\(old.audio.fMin)", "\(info.audio.fMin)"),
                ("fmax", "\(old.audio.fMax)", "\(info.audio.fMax)"),
            ]
            for (k, was, now) in checks where was != now {
                throw TrainingError.file(url.path, "this folder was preprocessed with \(k) \(was), not \(now); use the same settings or another --output-dir")
            }
            return
        }
        try AtomicFile.write(try JSONEncoder.pretty.encode(info), to: url.path)
    }

    public static func readInfo(folder: String) throws -> DatasetInfo {
        let path = (folder as NSString).appendingPathComponent(infoName)
        guard let data = FileManager.default.contents(atPath: path) else {
            throw TrainingError.file(folder, "not a preprocessed dataset (no \(infoName)); run `foley preprocess` first")
        }
        do { return try JSONDecoder().decode(DatasetInfo.self, from: data) } catch {
            throw TrainingError.file(path, "invalid dataset description: \(error)")
        }
    }

    /// Manifest lines; a line that does not parse (a torn write from older tools) is dropped and redone.
    public static func readManifest(_ path: String) throws -> [ManifestEntry] {
        guard let data = FileManager.default.contents(atPath: path) else { return [] }
        let dec = JSONDecoder()
        return String(decoding: data, as: UTF8.self).split(whereSeparator: \.isNewline).compactMap {
            try? dec.decode(ManifestEntry.self, from: Data($0.utf8))
        }
    }

    static func writeManifest(_ entries: [ManifestEntry], to path: String) throws {
        let enc = JSONEncoder.sorted
        let lines = try entries.map { String(decoding: try enc.encode($0), as: UTF8.self) }
        try AtomicFile.write(Data((lines.isEmpty ? "" : lines.joined(separator: "\n") + "\n").utf8), to: path)
    }
}

extension JSONEncoder {
    static var sorted: JSONEncoder {
        let e = JSONEncoder()
        e.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        return e
    }

    static var pretty: JSONEncoder {
        let e = JSONEncoder()
        e.outputFormatting = [.sortedKeys, .prettyPrinted, .withoutEscapingSlashes]
        return e
    }
}
