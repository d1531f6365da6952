import XCTest
@testable import Corpus

final class ExactBeepFamilyTests: XCTestCase {
    func testEachCaptionNamesOneRhythmLengthAndPitch() throws {
        let clips = try renders(ExactBeepFamily(seconds: 4), seeds: 0..<300)
        var steadyWithoutWord = 0
        for clip in clips {
            let count = Int(clip.params["count"]!)!
            XCTAssertTrue(mentionsCount(clip.caption, count), "count \(count) not stated: \(clip.caption)")
            let onsets = clip.params["onsets_s"]!.split(separator: " ").map { Double($0)! }
            XCTAssertEqual(onsets.count, count, clip.caption)
            XCTAssertEqual(onsets.first ?? -1, 0.15, accuracy: 1e-3, clip.caption)
            XCTAssertEqual(clip.params["beep_ms"], "100")
            XCTAssertEqual(clip.params["waveform"], "sine")
            let gaps = zip(onsets.dropFirst(), onsets).map { $0 - $1 }
            // One interval per rhythm word, within the 3% jitter (the formatted onsets round to 1 ms).
            let expected: Double? = ["regular": 0.4, "fast": 0.17, "slow": 0.8][clip.params["rhythm"]!]
            if let expected {
                for g in gaps { XCTAssertEqual(g, expected, accuracy: expected * 0.03 + 0.002, clip.caption) }
            }
            let rhythmWords = BeepFamily.rhythms.flatMap { $0.adjectives + $0.adverbs }
            if count > 1 && !rhythmWords.contains(where: { clip.caption.contains($0) }) {
                XCTAssertEqual(clip.params["rhythm"], "regular", clip.caption)
                steadyWithoutWord += 1
            }
            switch clip.params["pitch_stated"]! {
            case "none": XCTAssertEqual(Double(clip.params["pitch_hz"]!)!, 1000, clip.caption)
            case "register":
                XCTAssertEqual(Double(clip.params["pitch_hz"]!)!, clip.params["register"] == "high" ? 2000 : 600, clip.caption)
            default: XCTAssertTrue(mentionsPitch(clip), clip.caption)
            }
            let f = Measure.dominantFrequency(clip.samples)
            XCTAssertEqual(f, Double(clip.params["pitch_hz"]!)!, accuracy: Double(clip.params["pitch_hz"]!)! * 0.03, clip.caption)
        }
        XCTAssertGreaterThan(steadyWithoutWord, 30, "captions without a rhythm word")
        let counts = Dictionary(grouping: clips, by: { $0.params["count"]! }).mapValues(\.count)
        for n in 1...8 { XCTAssertGreaterThan(counts[String(n)] ?? 0, 20, "count \(n): \(counts)") }
        for clip in clips.prefix(40) {
            XCTAssertEqual(Measure.onsets(clip.samples), Int(clip.params["count"]!)!, clip.caption)
        }
    }

    func testShortClipsHoldEveryStatedBeep() throws {
        // The 2-s halves of "X then Y" mixtures: counts are limited to what a steady beat fits.
        for clip in try renders(ExactBeepFamily(seconds: 2), seeds: 0..<60) {
            let count = Int(clip.params["count"]!)!
            XCTAssertLessThanOrEqual(count, 4, clip.caption)
            XCTAssertEqual(Measure.onsets(clip.samples), count, clip.caption)
        }
    }

    func testRecipeThreeUsesExactBeeps() throws {
        let recipe = CorpusRecipe(seconds: 4, espeak: nil, version: 3, only: ["beeps"])
        try recipe.validate()
        XCTAssertTrue(recipe.families.first is ExactBeepFamily)
        XCTAssertTrue(CorpusRecipe(seconds: 4, espeak: nil, version: 2, only: ["beeps"]).families.first is BeepFamily)
        XCTAssertThrowsError(try CorpusRecipe(seconds: 4, espeak: nil, version: 6).validate())
    }

    func testPitchAdjectiveGoesBeforeTheFirstNoun() {
        XCTAssertEqual(ExactBeepFamily.withPitchAdjective("a {beep} repeated {times}"), "a {padj} {beep} repeated {times}")
        XCTAssertEqual(ExactBeepFamily.withPitchAdjective("{count} {radj} {beeps}"), "{count} {radj} {padj} {beeps}")
        XCTAssertNil(ExactBeepFamily.withPitchAdjective("{beeping} {times} {radv}"))
    }

    func testRecipeFourStatesPitchInRepeatedCaptions() throws {
        let recipe = CorpusRecipe(seconds: 4, espeak: nil, version: 4, only: ["beeps"])
        try recipe.validate()
        XCTAssertEqual((recipe.families.first as? ExactBeepFamily)?.pitchInAnyCaption, true)
        XCTAssertEqual((CorpusRecipe(seconds: 4, espeak: nil, version: 3).families.first { $0 is ExactBeepFamily }
            as? ExactBeepFamily)?.pitchInAnyCaption, false)

        let four = try renders(ExactBeepFamily(seconds: 4, pitchInAnyCaption: true), seeds: 0..<300)
        let three = try renders(ExactBeepFamily(seconds: 4), seeds: 0..<300)
        let repeated = four.filter { $0.caption.contains("repeated") }
        let pitchedRepeats = repeated.filter { $0.params["pitch_stated"] != "none" }
        XCTAssertGreaterThan(pitchedRepeats.count, 10, "repeated captions naming a pitch")
        XCTAssertTrue(three.filter { $0.caption.contains("repeated") }.allSatisfy { $0.params["pitch_stated"] == "none" })
        let unstated = { (clips: [Clip]) in clips.filter { $0.params["pitch_stated"] == "none" }.count }
        XCTAssertLessThan(unstated(four), unstated(three) * 2 / 3, "recipe 4 should state more pitches")
        XCTAssertGreaterThan(unstated(four), 20, "an unstated pitch still occurs")
        for clip in four {
            let hz = Double(clip.params["pitch_hz"]!)!
            switch clip.params["pitch_stated"]! {
            case "none": XCTAssertEqual(hz, 1000, clip.caption)
            case "register": XCTAssertEqual(hz, clip.params["register"] == "high" ? 2000 : 600, clip.caption)
            default: XCTAssertTrue(mentionsPitch(clip), clip.caption)
            }
            XCTAssertEqual(Measure.dominantFrequency(clip.samples), hz, accuracy: hz * 0.03, clip.caption)
            XCTAssertTrue(mentionsCount(clip.caption, Int(clip.params["count"]!)!), clip.caption)
        }
    }

    func testRecipeFiveDrawsLowHertzNoteAndUnstatedPitchesAQuarterEach() throws {
        let recipe = CorpusRecipe(seconds: 4, espeak: nil, version: 5, only: ["beeps"])
        try recipe.validate()
        let family = try XCTUnwrap(recipe.families.first as? ExactBeepFamily)
        XCTAssertTrue(family.drawnPitch && family.pitchInAnyCaption)
        XCTAssertEqual((CorpusRecipe(seconds: 4, espeak: nil, version: 4).families.first { $0 is ExactBeepFamily }
            as? ExactBeepFamily)?.drawnPitch, false)

        let clips = try renders(ExactBeepFamily(seconds: 4, pitchInAnyCaption: true, drawnPitch: true), seeds: 0..<400)
        let forms = Dictionary(grouping: clips, by: { $0.params["pitch_stated"]! })
        for form in ["none", "register", "hz", "note"] {
            XCTAssertEqual(Double(forms[form]?.count ?? 0) / 400, 0.25, accuracy: 0.06, "\(form): \(forms.mapValues(\.count))")
        }
        let pitchWords = ["low", "deep", "mid", "medium", "middle", "high", "shrill", "hz", "hertz", "khz", "kilohertz"]
        for clip in clips {
            checkBasics(clip, seconds: 4)
            let hz = Double(clip.params["pitch_hz"]!)!
            let count = Int(clip.params["count"]!)!
            XCTAssertTrue((1...8).contains(count))
            XCTAssertTrue(mentionsCount(clip.caption, count), "count \(count) not stated: \(clip.caption)")
            XCTAssertTrue(mentionsPitch(clip), "\(clip.caption) \(clip.params)")
            XCTAssertEqual(Measure.dominantFrequency(clip.samples), hz, accuracy: hz * 0.03, clip.caption)
            switch clip.params["pitch_stated"]! {
            case "none":
                XCTAssertEqual(hz, 1000, clip.caption)
                XCTAssertFalse(pitchWords.contains { tokens(clip.caption).contains($0) }, clip.caption)
            case "register":
                let expected = ["low": 180.0, "mid": 600, "high": 2000][clip.params["register"]!]!
                XCTAssertEqual(hz, expected, clip.caption)
            case "hz":
                XCTAssertTrue((150...3000).contains(hz), clip.caption)
                XCTAssertEqual(hz, hz.rounded(), clip.caption)
                XCTAssertTrue(mentionsHz(clip.caption, hz), clip.caption)
            default:
                let note = try XCTUnwrap(clip.params["note"])
                XCTAssertTrue(clip.caption.contains(note), clip.caption)
                XCTAssertTrue((146.0...2094).contains(hz), "\(note) outside D3-C7") // D3 146.8 Hz, C7 2093 Hz
            }
        }
        // The low register is new: 180-Hz beeps said with a low word.
        let low = clips.filter { $0.params["pitch_stated"] == "register" && $0.params["register"] == "low" }
        XCTAssertGreaterThan(low.count, 15)
        for clip in low {
            XCTAssertEqual(clip.params["pitch_hz"], "180.00")
            XCTAssertTrue(["low", "deep"].contains { tokens(clip.caption).contains($0) }, clip.caption)
        }
        // Hertz-stated pitches are not only round ones, and span the range.
        let stated = forms["hz"]!.map { Double($0.params["pitch_hz"]!)! }
        XCTAssertGreaterThan(stated.filter { $0.truncatingRemainder(dividingBy: 10) != 0 }.count, stated.count * 3 / 4)
        XCTAssertLessThan(stated.min()!, 250)
        XCTAssertGreaterThan(stated.max()!, 1500)
        let counts = Dictionary(grouping: clips, by: { $0.params["count"]! }).mapValues(\.count)
        for n in 1...8 { XCTAssertGreaterThan(counts[String(n)] ?? 0, 25, "count \(n): \(counts)") }
        for clip in clips.prefix(60) {
            XCTAssertEqual(Measure.onsets(clip.samples), Int(clip.params["count"]!)!, clip.caption)
        }
    }
}
