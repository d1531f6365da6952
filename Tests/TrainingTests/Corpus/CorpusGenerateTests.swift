import Foundation
import Tensors
import Training
import XCTest

/// Determinism of the recipe and the files `Corpus.generate` writes.
final class CorpusGenerateTests: XCTestCase {
    var dir: URL!

    override func setUpWithError() throws {
        dir = FileManager.default.temporaryDirectory.appendingPathComponent("foley-corpus-\(getpid())-\(UUID().uuidString)")
    }

    override func tearDownWithError() throws {
        try? FileManager.default.removeItem(at: dir)
    }

    func testSameSeedSameClipsDifferentSeedDifferentClips() throws {
        let recipe = CorpusRecipe(seconds: 2, espeak: Espeak.locate())
        for i in 0..<12 {
            let a = try recipe.clip(index: i, seed: 5), b = try recipe.clip(index: i, seed: 5)
            XCTAssertEqual(a.samples, b.samples)
            XCTAssertEqual(a.caption, b.caption)
            XCTAssertEqual(a.params, b.params)
            checkBasics(a, seconds: 2)
        }
        let one = try (0..<6).map { try recipe.clip(index: $0, seed: 5).caption }
        let other = try (0..<6).map { try recipe.clip(index: $0, seed: 6).caption }
        XCTAssertNotEqual(one, other)
        XCTAssertNotEqual(try recipe.clip(index: 0, seed: 5).samples, try recipe.clip(index: 0, seed: 6).samples)
        XCTAssertNotEqual(CorpusRecipe.clipSeed(seed: 5, index: 1), CorpusRecipe.clipSeed(seed: 6, index: 0))
    }

    func testRecipeCoversEveryFamilyAndMixtures() throws {
        let recipe = CorpusRecipe(seconds: 1, espeak: Espeak.locate())
        let families = Set(try (0..<80).map { try recipe.clip(index: $0, seed: 2).family })
        XCTAssertEqual(families, ["tone", "chord", "sweep", "beeps", "noise", "percussion", "pluck", "texture", "speech", "mixture"])
        let noSpeech = CorpusRecipe(seconds: 1, espeak: nil)
        for i in 0..<40 {
            let clip = try noSpeech.clip(index: i, seed: 2)
            XCTAssertNotEqual(clip.family, "speech")
            XCTAssertFalse(clip.params["parts"]?.contains("speech") ?? false)
        }
    }

    func testGenerateWritesPairsAndManifestAndSkipsOnRerun() throws {
        let recipe = CorpusRecipe(seconds: 1, espeak: Espeak.locate())
        var events: [CorpusEvent] = []
        let first = try Corpus.generate(outDir: dir, count: 6, seed: 9, recipe: recipe) { events.append($0) }
        XCTAssertEqual(first.written, 6)
        XCTAssertEqual(first.skipped, 0)
        XCTAssertEqual(events.count, 6)

        let fm = FileManager.default
        let wavs = try fm.contentsOfDirectory(atPath: dir.appendingPathComponent("audio").path).sorted()
        let txts = try fm.contentsOfDirectory(atPath: dir.appendingPathComponent("text").path).sorted()
        XCTAssertEqual(wavs, (0..<6).map { String(format: "%06d.wav", $0) })
        XCTAssertEqual(txts, (0..<6).map { String(format: "%06d.txt", $0) })
        let lines = try String(contentsOf: first.manifest, encoding: .utf8).split(separator: "\n")
        XCTAssertEqual(lines.count, 6)
        for (i, line) in lines.enumerated() {
            let row = try XCTUnwrap(JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any])
            let id = String(format: "%06d", i)
            XCTAssertEqual(row["id"] as? String, id)
            XCTAssertEqual(row["audio"] as? String, "audio/\(id).wav")
            let caption = try XCTUnwrap(row["caption"] as? String)
            let text = try String(contentsOf: dir.appendingPathComponent("text/\(id).txt"), encoding: .utf8)
            XCTAssertEqual(text, caption + "\n")
            XCTAssertEqual((row["duration"] as? NSNumber)?.doubleValue ?? 0, 1, accuracy: 1e-9)
            let params = try XCTUnwrap(row["params"] as? [String: String])
            XCTAssertEqual(params["family"], row["family"] as? String)
            let wav = try CorpusWAV.read(dir.appendingPathComponent("audio/\(id).wav"))
            XCTAssertEqual(wav.sampleRate, 16_000)
            XCTAssertEqual(wav.samples.count, 16_000)
            // The file holds the recipe's clip, quantized to 16 bits.
            let clip = try recipe.clip(index: i, seed: 9)
            XCTAssertEqual(clip.caption, caption)
            XCTAssertEqual(zip(wav.samples, clip.samples).map { abs($0 - $1) }.max()!, 0, accuracy: 1.0 / 32768)
        }

        let bytes = try Data(contentsOf: dir.appendingPathComponent("audio/000003.wav"))
        let manifest = try Data(contentsOf: first.manifest)
        let again = try Corpus.generate(outDir: dir, count: 6, seed: 9, recipe: recipe)
        XCTAssertEqual(again.written, 0)
        XCTAssertEqual(again.skipped, 6)
        XCTAssertEqual(try Data(contentsOf: first.manifest), manifest)

        // A lost file is remade bit-identically; growing the count adds only the new clips.
        try fm.removeItem(at: dir.appendingPathComponent("audio/000003.wav"))
        let grown = try Corpus.generate(outDir: dir, count: 8, seed: 9, recipe: recipe)
        XCTAssertEqual(grown.written, 3)
        XCTAssertEqual(grown.skipped, 5)
        XCTAssertEqual(try Data(contentsOf: dir.appendingPathComponent("audio/000003.wav")), bytes)
        XCTAssertEqual(try String(contentsOf: first.manifest, encoding: .utf8).split(separator: "\n").count, 8)
        XCTAssertFalse(try fm.contentsOfDirectory(atPath: dir.appendingPathComponent("audio").path).contains { $0.hasSuffix(".tmp") })
    }

    func testMissingEspeakIsReportedOnceAndSpeechSkipped() throws {
        let path = ProcessInfo.processInfo.environment["PATH"] ?? ""
        let explicit = ProcessInfo.processInfo.environment["FOLEY_ESPEAK"]
        setenv("PATH", "/nonexistent", 1)
        unsetenv("FOLEY_ESPEAK")
        defer {
            setenv("PATH", path, 1)
            if let explicit { setenv("FOLEY_ESPEAK", explicit, 1) }
        }
        var notices: [String] = []
        try Corpus.generate(outDir: dir, count: 12, seed: 3, seconds: 1) { event in
            if case let .notice(text) = event { notices.append(text) }
        }
        XCTAssertEqual(notices.count, 1)
        XCTAssertTrue(notices[0].contains("espeak-ng"), notices[0])
        let manifest = try String(contentsOf: dir.appendingPathComponent("manifest.jsonl"), encoding: .utf8)
        XCTAssertEqual(manifest.split(separator: "\n").count, 12)
        XCTAssertFalse(manifest.contains("\"family\":\"speech\""))
    }

    func testRerunWithOtherSeedIsRefused() throws {
        let recipe = CorpusRecipe(seconds: 1, espeak: nil)
        try Corpus.generate(outDir: dir, count: 1, seed: 1, recipe: recipe)
        XCTAssertThrowsError(try Corpus.generate(outDir: dir, count: 1, seed: 2, recipe: recipe)) { error in
            XCTAssertTrue("\(error)".contains("seed"), "\(error)")
        }
        XCTAssertThrowsError(try Corpus.generate(outDir: dir, count: 1, seed: 1, recipe: CorpusRecipe(seconds: 2, espeak: nil)))
        XCTAssertThrowsError(try Corpus.generate(outDir: dir, count: 1, seed: 1, recipe: CorpusRecipe(seconds: 0.2, espeak: nil)))
    }
}
