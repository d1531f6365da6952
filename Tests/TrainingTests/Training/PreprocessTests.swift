import Audio
import Foundation
import Tensors
@testable import Training
import XCTest

final class PreprocessTests: XCTestCase {
    /// Good clips (one stereo at 22.05 kHz), an unreadable file, a clip without caption and one too short:
    /// the bad ones are reported with their reasons and the rest is processed.
    func testPreprocessReportsBadFilesAndKeepsGoing() throws {
        let root = try TrainFixture.tempDir("pre")
        defer { try? FileManager.default.removeItem(at: root) }
        let audio = root.appendingPathComponent("audio"), text = root.appendingPathComponent("text")
        try FileManager.default.createDirectory(at: audio.appendingPathComponent("sub"), withIntermediateDirectories: true)
        try FileManager.default.createDirectory(at: text.appendingPathComponent("sub"), withIntermediateDirectories: true)
        let a = TrainFixture.tone(hz: 440, seconds: 1.0)
        try AudioFile.write(try AudioBuffer(mono: a, sampleRate: 16000), to: audio.appendingPathComponent("a.wav").path)
        try Data("a tone\nan A4 note\n".utf8).write(to: text.appendingPathComponent("a.txt"))
        let b = TrainFixture.tone(hz: 1000, seconds: 0.8, rate: 22050)
        try AudioFile.write(try AudioBuffer(planar: [b, b.map { $0 * 0.5 }], sampleRate: 22050), to: audio.appendingPathComponent("sub/b.wav").path)
        try Data("a stereo beep".utf8).write(to: text.appendingPathComponent("sub/b.txt"))
        try Data("RIFF this is not audio at all".utf8).write(to: audio.appendingPathComponent("broken.wav"))
        try Data("broken".utf8).write(to: text.appendingPathComponent("broken.txt"))
        try AudioFile.write(try AudioBuffer(mono: a, sampleRate: 16000), to: audio.appendingPathComponent("nocap.wav").path)
        try AudioFile.write(try AudioBuffer(mono: Array(a.prefix(800)), sampleRate: 16000), to: audio.appendingPathComponent("short.wav").path)
        try Data("too short".utf8).write(to: text.appendingPathComponent("short.txt"))

        let out = root.appendingPathComponent("data")
        var o = PreprocessOptions(audioDir: audio.path, textSource: text.path, outputDir: out.path)
        o.seconds = 0.5
        o.validFraction = 0
        var messages: [String] = []
        let report = try Preprocessor.run(o) { messages.append($0) }
        XCTAssertEqual(report.written, 2)
        XCTAssertEqual(report.skipped.count, 3)
        let reasons = Dictionary(uniqueKeysWithValues: report.skipped.map { (($0.source as NSString).lastPathComponent, $0.reason) })
        XCTAssertTrue(reasons["broken.wav"]?.hasPrefix("unreadable") ?? false, "\(reasons)")
        XCTAssertTrue(reasons["nocap.wav"]?.hasPrefix("no caption") ?? false, "\(reasons)")
        XCTAssertTrue(reasons["short.wav"]?.hasPrefix("too short (0.05 s") ?? false, "\(reasons)")
        XCTAssertTrue(messages.contains { $0.contains("broken.wav") && $0.contains("unreadable") })
        XCTAssertEqual(report.splits, ["train": 2])
        XCTAssertTrue(report.summary.hasPrefix("2 clips processed, 0 already done, 3 skipped"), report.summary)
        let skippedFile = try String(contentsOf: out.appendingPathComponent("skipped.jsonl"), encoding: .utf8)
        XCTAssertEqual(skippedFile.split(separator: "\n").count, 3)

        // The manifest and features: clip a is cut to 0.5 s; its mel equals LogMel of those samples.
        let ds = try MelDataset(folder: out.path)
        XCTAssertEqual(ds.entries.map(\.id), ["a", "sub/b"])
        XCTAssertEqual(ds.entries[0].captions, ["a tone", "an A4 note"])
        XCTAssertEqual(ds.entries[0].duration, 0.5, accuracy: 1e-9)
        XCTAssertEqual(ds.entries[0].frames, 8000 / 160 + 1)
        let stored = try AudioFile.read(audio.appendingPathComponent("a.wav").path).samples
        let want = try LogMel()(Array(stored.prefix(8000))).values
        let got = try ds.mel(0).scalars
        XCTAssertEqual(got.count, want.count)
        XCTAssertTrue(got == want, "stored log-mel differs from LogMel of the file's first 0.5 s")
        // b was resampled 22.05k -> 16k and mixed to mono: 0.8 s -> cut to 0.5 s.
        XCTAssertEqual(ds.entries[1].frames, 51)
        XCTAssertEqual(ds.entries[1].source, audio.appendingPathComponent("sub/b.wav").path)
        XCTAssertEqual(ds.info.logFloor, Float(log(1e-5)), accuracy: 1e-6)

        // Re-running skips what is done.
        let again = try Preprocessor.run(o)
        XCTAssertEqual(again.written, 0)
        XCTAssertEqual(again.alreadyDone, 2)
        XCTAssertEqual(try MelDataset(folder: out.path).count, 2)

        // A new clip is added in a new shard without touching the old ones.
        try AudioFile.write(try AudioBuffer(mono: a, sampleRate: 16000), to: audio.appendingPathComponent("c.wav").path)
        try Data("another tone".utf8).write(to: text.appendingPathComponent("c.txt"))
        let third = try Preprocessor.run(o)
        XCTAssertEqual(third.written, 1)
        let ds3 = try MelDataset(folder: out.path)
        XCTAssertEqual(Set(ds3.entries.map(\.shard)), ["mel-00000.safetensors", "mel-00001.safetensors"])

        // Other settings on the same folder are refused, naming the setting.
        var other = o
        other.audio.sampleRate = 22050
        XCTAssertThrowsError(try Preprocessor.run(other)) { e in
            XCTAssertTrue("\(e)".contains("--sample-rate 16000, not 22050"), "\(e)")
        }
    }

    func testSplitsBySeededFractionOrList() throws {
        let root = try TrainFixture.tempDir("split")
        defer { try? FileManager.default.removeItem(at: root) }
        let audio = root.appendingPathComponent("audio"), text = root.appendingPathComponent("text")
        try FileManager.default.createDirectory(at: audio, withIntermediateDirectories: true)
        try FileManager.default.createDirectory(at: text, withIntermediateDirectories: true)
        for i in 0..<40 {
            try AudioFile.write(try AudioBuffer(mono: TrainFixture.tone(hz: 300, seconds: 0.1), sampleRate: 16000),
                                to: audio.appendingPathComponent("x\(i).wav").path)
            try Data("tone \(i)".utf8).write(to: text.appendingPathComponent("x\(i).txt"))
        }
        var o = PreprocessOptions(audioDir: audio.path, textSource: text.path, outputDir: root.appendingPathComponent("d1").path)
        o.validFraction = 0.25
        o.minSeconds = 0.05
        o.shardSize = 16
        let r = try Preprocessor.run(o)
        XCTAssertEqual(r.written, 40)
        let valid = r.splits["valid"] ?? 0
        XCTAssertGreaterThan(valid, 3)
        XCTAssertLessThan(valid, 18)
        // The same seed gives the same split in another folder; shards hold at most 16 clips.
        o.outputDir = root.appendingPathComponent("d2").path
        try Preprocessor.run(o)
        let s1 = try MelDataset(folder: root.appendingPathComponent("d1").path, split: "valid").entries.map(\.id)
        let s2 = try MelDataset(folder: o.outputDir, split: "valid").entries.map(\.id)
        XCTAssertEqual(s1, s2)
        XCTAssertEqual(Set(try MelDataset(folder: o.outputDir).entries.map(\.shard)).count, 3)

        try Data("x3\nx7.wav\n".utf8).write(to: root.appendingPathComponent("valid.txt"))
        o.outputDir = root.appendingPathComponent("d3").path
        o.validList = root.appendingPathComponent("valid.txt").path
        try Preprocessor.run(o)
        XCTAssertEqual(try MelDataset(folder: o.outputDir, split: "valid").entries.map(\.id), ["x3", "x7"])
    }

    func testAudioCapsClothoAndJSONLCaptionSources() throws {
        let root = try TrainFixture.tempDir("csv")
        defer { try? FileManager.default.removeItem(at: root) }
        let audio = root.appendingPathComponent("audio")
        try FileManager.default.createDirectory(at: audio, withIntermediateDirectories: true)
        for name in ["91139.wav", "Yabc123.wav", "rain.wav", "orphan.wav"] {
            try AudioFile.write(try AudioBuffer(mono: TrainFixture.tone(hz: 300, seconds: 0.2), sampleRate: 16000),
                                to: audio.appendingPathComponent(name).path)
        }
        // AudioCaps: matched by audiocap_id or Y+youtube_id; a quoted caption with a comma; a row without audio.
        let caps = root.appendingPathComponent("audiocaps.csv")
        try Data("""
        audiocap_id,youtube_id,start_time,caption
        91139,r1nicOVtvkQ,130,"A woman talks, then a dog barks"
        5,abc123,30,Rain falls on a roof
        6,abc123,30,"Heavy ""rain"" pours"
        7,zzz,0,Nobody has this file

        """.utf8).write(to: caps)
        var skipped: [SkippedItem] = []
        let p = try CaptionSource.pairs(audioDir: audio.path, textSource: caps.path, skipped: &skipped)
        XCTAssertEqual(p.map(\.id), ["91139", "Yabc123"])
        XCTAssertEqual(p[0].captions, ["A woman talks, then a dog barks"])
        XCTAssertEqual(p[1].captions, ["Rain falls on a roof", "Heavy \"rain\" pours"])
        XCTAssertEqual(skipped.count, 3)  // zzz row, orphan.wav, rain.wav (no caption)
        XCTAssertTrue(skipped.contains { $0.reason.contains("no audio file for youtube_id zzz") })
        XCTAssertTrue(skipped.contains { $0.source.hasSuffix("orphan.wav") && $0.reason.hasPrefix("no caption") })

        // Clotho: several captions per clip.
        let clotho = root.appendingPathComponent("clotho.csv")
        try Data("file_name,caption_1,caption_2,caption_3,caption_4,caption_5\nrain.wav,rain one,rain two,rain three,rain four,rain five\n".utf8)
            .write(to: clotho)
        skipped = []
        let c = try CaptionSource.pairs(audioDir: audio.path, textSource: clotho.path, skipped: &skipped)
        XCTAssertEqual(c.map(\.id), ["rain"])
        XCTAssertEqual(c[0].captions.count, 5)

        // JSONL manifest (paths relative to the manifest), as speech sets ship them.
        let jsonl = root.appendingPathComponent("list.jsonl")
        try Data("""
        {"audio": "audio/rain.wav", "caption": "rain"}
        {"audio": "audio/orphan.wav", "captions": ["a", "b"], "id": "o1"}
        {"audio": "audio/missing.wav"}
        not json

        """.utf8).write(to: jsonl)
        skipped = []
        let j = try CaptionSource.pairs(audioDir: nil, textSource: jsonl.path, skipped: &skipped)
        XCTAssertEqual(j.map(\.id), ["audio/rain", "o1"])
        XCTAssertEqual(j[1].captions, ["a", "b"])
        XCTAssertEqual(skipped.map(\.reason).sorted(), ["no caption (\(jsonl.path):3 has no 'caption')", "not a JSON object"])

        // Preprocess straight from the JSONL.
        let r = try Preprocessor.run({
            var o = PreprocessOptions(audioDir: nil, textSource: jsonl.path, outputDir: root.appendingPathComponent("dj").path)
            o.minSeconds = 0.1
            return o
        }())
        XCTAssertEqual(r.written, 2)
    }

    func testLoaderIsDeterministicCoversEpochsAndPadsWithSilence() throws {
        let root = try TrainFixture.tempDir("loader")
        defer { try? FileManager.default.removeItem(at: root) }
        let data = try TrainFixture.dataset(root, count: 5, seconds: 0.3)
        let ds = try MelDataset(folder: data.path)
        XCTAssertEqual(ds.entries[0].frames, 31)
        let a = try DataLoader(dataset: ds, batchSize: 2, frames: 40, seed: 9, prefetch: true)
        let b = try DataLoader(dataset: ds, batchSize: 2, frames: 40, seed: 9, prefetch: false)
        XCTAssertEqual(a.batchesPerEpoch, 3)
        var seen: [String] = []
        for _ in 0..<6 {
            let x = try a.next(), y = try b.next()
            XCTAssertEqual(x.mel.scalars, y.mel.scalars)
            XCTAssertEqual(x.captions, y.captions)
            if x.position.epoch == 0 { seen += x.ids }
        }
        XCTAssertEqual(seen.sorted(), ds.entries.map(\.id).sorted(), "one epoch visits every clip once")
        XCTAssertEqual(a.position, DataLoader.Position(epoch: 2, batch: 0))
        // Crops longer than a clip are padded with ln(1e-5), the value of silence.
        let batch = try a.batch(at: .init(epoch: 0, batch: 0))
        XCTAssertEqual(batch.mel.shape, [2, 1, 40, 64])
        XCTAssertEqual(batch.mel.scalars[35 * 64], ds.info.logFloor)
        XCTAssertNotEqual(batch.mel.scalars[0], ds.info.logFloor)
        // Another seed shuffles differently.
        let c = try DataLoader(dataset: ds, batchSize: 5, frames: 16, seed: 10)
        let d = try DataLoader(dataset: ds, batchSize: 5, frames: 16, seed: 9)
        XCTAssertNotEqual(try c.next().ids, try d.next().ids)
    }
}
