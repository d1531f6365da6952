import Foundation
import Tensors
import Corpus
import XCTest

/// Held-out phrasings never overlap the training captions, and still state the clip's parameters.
final class CaptionParaphraseTests: XCTestCase {
    func testTrainingCaptionsNeverUseHeldOutCues() throws {
        let espeak = Espeak.locate()
        var captions: [String] = []
        for family in SoundFamilies.standard(seconds: 1, espeak: espeak) {
            captions += try renders(family, seeds: 100..<120).map(\.caption)
        }
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

    func testMixturesHaveNoHeldOutCaption() {
        XCTAssertNil(CaptionParaphrase.caption(for: ["family": "mixture"], rng: RandomGenerator(seed: 1)))
    }
}
