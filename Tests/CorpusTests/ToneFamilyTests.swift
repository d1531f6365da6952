import XCTest
@testable import Corpus

final class ToneFamilyTests: XCTestCase {
    func testRecipeFiveStatesWholeHertzNotesAndMatchingRegisters() throws {
        XCTAssertEqual((CorpusRecipe(seconds: 4, espeak: nil, version: 5, only: ["tone"]).families.first as? ToneFamily)?.drawnPitch, true)
        XCTAssertEqual((CorpusRecipe(seconds: 4, espeak: nil, version: 4, only: ["tone"]).families.first as? ToneFamily)?.drawnPitch, false)
        let clips = try renders(ToneFamily(seconds: 2, drawnPitch: true), seeds: 0..<300)
        let forms = Dictionary(grouping: clips, by: { $0.params["pitch_stated"]! }).mapValues(\.count)
        XCTAssertEqual(Set(forms.keys), ["hz", "note", "register"])
        XCTAssertEqual(Double(forms["hz"]!) / 300, 0.4, accuracy: 0.08, "\(forms)")
        XCTAssertEqual(Double(forms["note"]!) / 300, 0.3, accuracy: 0.08, "\(forms)")
        XCTAssertEqual(Double(forms["register"]!) / 300, 0.3, accuracy: 0.08, "\(forms)")
        var offGrid = 0, registers = Set<String>()
        for clip in clips {
            checkBasics(clip, seconds: 2)
            let hz = Double(clip.params["pitch_hz"]!)!
            XCTAssertGreaterThanOrEqual(hz, 70, clip.caption)
            XCTAssertLessThanOrEqual(hz, 3200, clip.caption)
            XCTAssertTrue(mentionsPitch(clip), "\(clip.caption) \(clip.params)")
            let measured = Measure.dominantFrequency(clip.samples)
            XCTAssertEqual(measured, hz, accuracy: 0.02 * hz, "\(clip.caption) [\(clip.params["waveform"]!)]")
            switch clip.params["pitch_stated"]! {
            case "hz":
                if hz.truncatingRemainder(dividingBy: 10) != 0 && clip.params["note"] == nil { offGrid += 1 }
            case "note":
                let note = try XCTUnwrap(clip.params["note"])
                XCTAssertTrue(clip.caption.contains(note), clip.caption)
                XCTAssertTrue((82.0...1320).contains(hz), clip.caption) // E2-E6
            default:
                // The register word agrees with the band of the pitch actually rendered.
                let register = hz < 250 ? "low" : hz < 700 ? "mid" : "high"
                XCTAssertEqual(clip.params["register"], register, clip.caption)
                registers.insert(register)
                let others = ["low": ["high", "shrill", "mid", "medium", "middle"], "mid": ["low", "deep", "high", "shrill"],
                              "high": ["low", "deep", "mid", "medium", "middle"]][register]!
                XCTAssertFalse(others.contains { tokens(clip.caption).contains($0) }, clip.caption)
            }
        }
        // Most hertz-stated tones are whole numbers off the round grid ("a 415 Hz tone").
        XCTAssertGreaterThan(offGrid, forms["hz"]! * 2 / 5, "non-round hertz values") // about 54% expected
        XCTAssertEqual(registers, ["low", "mid", "high"])
    }

    func testEarlierRecipesKeepRoundHertz() throws {
        for clip in try renders(ToneFamily(seconds: 1), seeds: 0..<60) where clip.params["note"] == nil {
            XCTAssertTrue(ToneFamily.roundHz.contains(Double(clip.params["pitch_hz"]!)!), clip.caption)
        }
    }
}
