import Foundation
import Tensors
import Corpus
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

    func testRecipeVersionTwoChangesOnlyBeepsAndFamiliesFilter() throws {
        let one = CorpusRecipe(seconds: 2, espeak: nil), two = CorpusRecipe(seconds: 2, espeak: nil, version: 2)
        var beeps = 0, others = 0
        for i in 0..<60 {
            let a = try one.clip(index: i, seed: 4), b = try two.clip(index: i, seed: 4)
            let hasBeeps = a.family == "beeps" || (a.params["parts"]?.contains("beeps") ?? false)
            if hasBeeps { beeps += 1; continue }
            others += 1
            XCTAssertEqual(a.caption, b.caption)
            XCTAssertEqual(a.samples, b.samples, "version 2 must leave \(a.family) clips as version 1 makes them")
        }
        XCTAssertGreaterThan(beeps, 0)
        XCTAssertGreaterThan(others, 40)

        let focused = CorpusRecipe(seconds: 2, espeak: nil, version: 2, only: ["beeps", "tone"])
        var seen = Set<String>()
        for i in 0..<60 {
            let clip = try focused.clip(index: i, seed: 4)
            seen.insert(clip.family)
            if clip.family == "mixture" { XCTAssertTrue(["beeps+tone", "tone+beeps"].contains(clip.params["parts"]!), clip.params["parts"]!) }
            checkBasics(clip, seconds: 2)
        }
        XCTAssertEqual(seen, ["beeps", "tone", "mixture"])
        let alone = CorpusRecipe(seconds: 2, espeak: nil, only: ["noise"])
        XCTAssertEqual(Set(try (0..<30).map { try alone.clip(index: $0, seed: 4).family }), ["noise"])
    }

    func testBadRecipeOrFamilyNamesTheArgumentAndSettingsPinThem() throws {
        for (recipe, key, detail) in [
            (CorpusRecipe(seconds: 1, espeak: nil, version: 6), "recipe", "1-5"),
            (CorpusRecipe(seconds: 1, espeak: nil, only: ["beep"]), "families", "beeps"),
            (CorpusRecipe(seconds: 1, espeak: nil, only: ["speech"]), "families", "espeak-ng"),
            (CorpusRecipe(seconds: 1, espeak: nil, only: []), "families", "at least one"),
        ] {
            XCTAssertThrowsError(try Corpus.generate(outDir: dir, count: 1, seed: 1, recipe: recipe)) { error in
                XCTAssertTrue("\(error)".contains(key) && "\(error)".contains(detail), "\(error)")
            }
        }
        XCTAssertFalse(FileManager.default.fileExists(atPath: dir.appendingPathComponent("corpus.json").path))

        let focused = CorpusRecipe(seconds: 1, espeak: nil, version: 2, only: ["tone", "beeps"])
        try Corpus.generate(outDir: dir, count: 2, seed: 1, recipe: focused)
        let settings = try String(contentsOf: dir.appendingPathComponent("corpus.json"), encoding: .utf8)
        XCTAssertTrue(settings.contains("\"families\" : \"beeps,tone\""), settings)
        for (other, key) in [(CorpusRecipe(seconds: 1, espeak: nil, only: ["tone", "beeps"]), "recipe"),
                             (CorpusRecipe(seconds: 1, espeak: nil, version: 2), "families")] {
            XCTAssertThrowsError(try Corpus.generate(outDir: dir, count: 2, seed: 1, recipe: other)) { error in
                XCTAssertTrue("\(error)".contains(key), "\(error)")
            }
        }
        XCTAssertEqual(try Corpus.generate(outDir: dir, count: 2, seed: 1, recipe: focused).skipped, 2)

        // A corpus.json from before recipes and family choices reads as version 1 with every family.
        let old = dir.appendingPathComponent("old")
        try FileManager.default.createDirectory(at: old, withIntermediateDirectories: true)
        try Data(#"{"format":"foley-corpus-1","sample_rate":16000,"seconds":1,"seed":"1","speech":false}"#.utf8)
            .write(to: old.appendingPathComponent("corpus.json"))
        XCTAssertEqual(try Corpus.generate(outDir: old, count: 1, seed: 1, recipe: CorpusRecipe(seconds: 1, espeak: nil)).written, 1)
        XCTAssertThrowsError(try Corpus.generate(outDir: old, count: 1, seed: 1, recipe: CorpusRecipe(seconds: 1, espeak: nil, version: 2)))
    }
}
