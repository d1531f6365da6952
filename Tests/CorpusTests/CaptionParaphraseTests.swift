import Foundation
import Tensors
import Corpus
import XCTest

/// Held-out phrasings never overlap the training captions, and still state the clip's parameters.
final class CaptionParaphraseTests: XCTestCase {
    func testTrainingCaptionsNeverUseHeldOutCues() throws {
        let espeak = Espeak.locate()
        var captions: [String] = []
        // Every recipe's families (recipes 2-4 change only the beeps).
        for recipe in 1...4 {
            for family in SoundFamilies.standard(seconds: 1, espeak: espeak, recipe: recipe) where recipe == 1 || family.name == "beeps" {
                captions += try renders(family, seeds: 100..<120).map(\.caption)
            }
        }
        // The mixtures' "then" captions.
        let mixture = MixtureFamily(parts: SoundFamilies.standard(seconds: 1, espeak: nil), seconds: 1)
        captions += try renders(mixture, seeds: 100..<140).map(\.caption)
        let recipe = CorpusRecipe(seconds: 1, espeak: espeak)
        captions += try (0..<40).map { try recipe.clip(index: $0, seed: 77).caption }
        for caption in captions {
            for cue in CaptionParaphrase.cues {
                XCTAssertFalse(caption.lowercased().contains(cue), "training caption uses held-out cue '\(cue)': \(caption)")
            }
        }
    }

    func testProbesUseHeldOutPhrasingAndKeepParams() throws {
        let probes = try CaptionParaphrase.probes(count: 36, seed: 4, seconds: 1, espeak: Espeak.locate())
        XCTAssertEqual(Set(probes.map(\.family)).count, 9)
        for probe in probes {
            checkBasics(probe, seconds: 1)
            let training = try XCTUnwrap(probe.params["training_caption"])
            XCTAssertNotEqual(probe.caption, training)
            XCTAssertTrue(CaptionParaphrase.cues.contains { probe.caption.lowercased().contains($0) },
                          "no held-out cue in \(probe.caption)")
            let p = probe.params
            switch probe.family {
            case "tone", "pluck":
                let hz = "\(Int(Double(p["pitch_hz"]!)!.rounded()))"
                XCTAssertTrue(probe.caption.contains(hz) || probe.caption.contains(p["note"] ?? "?"), probe.caption)
            case "beeps":
                XCTAssertTrue(mentionsCount(probe.caption, Int(p["count"]!)!) || p["count"] == "1", probe.caption)
            case "noise":
                XCTAssertTrue(probe.caption.contains(p["color"]!), probe.caption)
            case "speech":
                XCTAssertTrue(probe.caption.contains("\"\(p["words"]!)\""), probe.caption)
            default:
                break
            }
        }
        if ProcessInfo.processInfo.environment["FOLEY_PRINT_PROBES"] != nil {
            for probe in probes { print(probe.family, "|", probe.caption, "|", probe.params["training_caption"]!) }
        }
        // Same seed, same probes.
        let again = try CaptionParaphrase.probes(count: 36, seed: 4, seconds: 1, espeak: Espeak.locate())
        XCTAssertEqual(again.map(\.caption), probes.map(\.caption))
    }

    /// A tone's pitch stated in one asked form, and two clips joined in turn with a held-out phrase.
    func testPitchFormsAndSequences() throws {
        let rng = RandomGenerator(seed: 3)
        let note = ["family": "tone", "pitch_hz": "369.99", "note": "F#4", "waveform": "sine"]
        let plain = ["family": "tone", "pitch_hz": "1000.00", "waveform": "square"]
        for _ in 0..<8 {
            let hz = try XCTUnwrap(CaptionParaphrase.toneCaption(for: note, form: .hz, rng: rng))
            XCTAssertTrue(hz.contains("370") && !hz.contains("F#4"), hz)
            let named = try XCTUnwrap(CaptionParaphrase.toneCaption(for: note, form: .note, rng: rng))
            XCTAssertTrue(named.contains("F#4") && !named.contains("370"), named)
            XCTAssertTrue(try XCTUnwrap(CaptionParaphrase.toneCaption(for: note, form: .register, rng: rng)).contains("middle register"))
            XCTAssertTrue(try XCTUnwrap(CaptionParaphrase.toneCaption(for: plain, form: .register, rng: rng)).contains("high register"))
            for text in [hz, named] { XCTAssertTrue(CaptionParaphrase.cues.contains { text.contains($0) }, text) }
        }
        XCTAssertNil(CaptionParaphrase.toneCaption(for: plain, form: .note, rng: rng))
        XCTAssertEqual(PitchWords.register(hz: 249), "low")
        XCTAssertEqual(PitchWords.register(hz: 250), "mid")
        XCTAssertEqual(PitchWords.register(hz: 700), "high")

        let parts = try CaptionParaphrase.probes(count: 5, seed: 2, seconds: 0.5, espeak: nil)
        let joined = CaptionParaphrase.sequence(parts[0], parts[4], rng: rng)
        XCTAssertEqual(joined.samples.count, parts[0].samples.count + parts[4].samples.count)
        XCTAssertEqual(joined.params["parts"], "\(parts[0].family)+\(parts[4].family)")
        XCTAssertTrue(CaptionParaphrase.sequencePhrases.contains { joined.caption == "\(parts[0].caption), \($0) \(parts[4].caption)" }, joined.caption)
        XCTAssertLessThanOrEqual(joined.samples.map(abs).max()!, 0.91)
    }

    func testMixturesHaveNoHeldOutCaption() {
        XCTAssertNil(CaptionParaphrase.caption(for: ["family": "mixture"], rng: RandomGenerator(seed: 1)))
    }
}
