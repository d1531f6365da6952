import Foundation
import Tensors
import Corpus
import XCTest

/// Effects, loudness levels and two-family mixtures.
final class CorpusEffectsTests: XCTestCase {
    func tone(_ seed: UInt64 = 1, seconds: Double = 2) -> Clip { ToneFamily(seconds: seconds).render(rng: RandomGenerator(seed: seed)) }

    func testEveryEffectIsAppliedNamedAndRecorded() {
        var seen = Set<String>()
        for seed in UInt64(0)..<40 {
            let base = tone(seed)
            let clip = Effects.decorate(base, rng: RandomGenerator(seed: seed), probability: 1)
            checkBasics(clip, seconds: 2)
            let effects = clip.params["effects"]!.components(separatedBy: ",")
            XCTAssertFalse(effects.isEmpty)
            XCTAssertTrue(clip.caption.hasPrefix(base.caption + ", "), clip.caption)
            XCTAssertNotEqual(clip.samples, base.samples)
            seen.formUnion(effects)
        }
        XCTAssertEqual(seen, Set(Effects.all))
        let plain = Effects.decorate(tone(), rng: RandomGenerator(seed: 1), probability: 0)
        XCTAssertEqual(plain.params["effects"], "none")
        XCTAssertEqual(plain.caption, tone().caption)
    }

    func testFadesReachSilenceAndReverbAddsATail() {
        for seed in UInt64(0)..<40 {
            let clip = Effects.decorate(tone(seed), rng: RandomGenerator(seed: seed), probability: 1)
            let effects = clip.params["effects"]!
            if effects.contains("fade_out") { XCTAssertLessThan(abs(clip.samples.last!), 0.01, clip.caption) }
            if effects.contains("fade_in") { XCTAssertLessThan(abs(clip.samples[0]), 0.01, clip.caption) }
        }
        // A click followed by silence: reverb must leave energy in the silence.
        var click = [Float](repeating: 0, count: 16_000)
        click[100] = 1
        var c = Clip(samples: click, caption: "a click", family: "test", params: [:])
        for seed in UInt64(0)..<60 {
            c = Effects.decorate(Clip(samples: click, caption: "a click", family: "test", params: [:]),
                                 rng: RandomGenerator(seed: seed), probability: 1)
            if c.params["effects"] == "reverb" { break }
        }
        XCTAssertEqual(c.params["effects"], "reverb")
        XCTAssertGreaterThan(Measure.rms(Array(c.samples[3000..<6000])), 1e-3)
    }

    func testQuietIsTwentyDecibelsUnderLoud() {
        var levels: [String: Double] = [:]
        for seed in UInt64(0)..<60 {
            let clip = LoudnessLevel.apply(to: tone(), rng: RandomGenerator(seed: seed), statedProbability: 1)
            checkBasics(clip, seconds: 2)
            levels[clip.params["loudness"]!] = Double(clip.params["loudness_db"]!)!
            let words = clip.params["loudness"] == "loud" ? ["loud", "booming", "high volume"]
                : ["quiet", "faint", "soft", "low volume", "barely"]
            XCTAssertTrue(words.contains { clip.caption.contains($0) }, clip.caption)
        }
        let loud = try! XCTUnwrap(levels["loud"]), quiet = try! XCTUnwrap(levels["quiet"])
        XCTAssertEqual(loud - quiet, 20, accuracy: 0.2)
        let normal = LoudnessLevel.apply(to: tone(), rng: RandomGenerator(seed: 0), statedProbability: 0)
        XCTAssertEqual(normal.params["loudness"], "normal")
        XCTAssertEqual(normal.caption, tone().caption)
    }

    func testMixturesSayWhileOrThenAndKeepBothParts() throws {
        let mixture = MixtureFamily(parts: SoundFamilies.standard(seconds: 2, espeak: nil), seconds: 2)
        var modes = Set<String>()
        for seed in UInt64(0)..<16 {
            let clip = try mixture.render(rng: RandomGenerator(seed: seed))
            checkBasics(clip, seconds: 2)
            let mode = clip.params["mix"]!
            modes.insert(mode)
            XCTAssertTrue(tokens(clip.caption).contains(mode), clip.caption)
            let parts = clip.params["parts"]!.components(separatedBy: "+")
            XCTAssertEqual(parts.count, 2)
            XCTAssertNotEqual(parts[0], parts[1])
            XCTAssertEqual(clip.params["a.family"], parts[0])
            if mode == "then" {
                // Each half is audible on its own.
                let half = clip.samples.count / 2
                XCTAssertGreaterThan(Measure.rms(Array(clip.samples[..<half])), 1e-3, clip.caption)
                XCTAssertGreaterThan(Measure.rms(Array(clip.samples[half...])), 1e-3, clip.caption)
            }
        }
        XCTAssertEqual(modes, ["while", "then"])
    }

    func testRecipeFiveLoudnessWordsVaryAndQuietStaysAudible() throws {
        var phrases: [String: Set<String>] = [:]
        var loudness: [String: [Double]] = [:]
        for seed in UInt64(0)..<200 {
            let clip = LoudnessLevel.apply(to: tone(), rng: RandomGenerator(seed: seed), statedProbability: 1, variedPhrasing: true)
            checkBasics(clip, seconds: 2)
            let level = clip.params["loudness"]!
            phrases[level, default: []].insert(clip.caption) // one base caption, so each distinct caption is a phrasing
            loudness[level, default: []].append(Double(clip.params["loudness_db"]!)!)
            let words = level == "loud" ? ["loud", "booming", "blaring", "full volume", "high volume"]
                : ["quiet", "faint", "soft", "gentle", "low volume", "barely audible"]
            XCTAssertTrue(words.contains { clip.caption.contains($0) }, clip.caption)
            for cue in CaptionParaphrase.cues { XCTAssertFalse(clip.caption.contains(cue), clip.caption) }
            XCTAssertFalse(clip.caption.contains("turned way"), clip.caption)
        }
        // Recipes 1-4 have at most 6 loud and 8 quiet phrasings of a caption.
        XCTAssertGreaterThanOrEqual(phrases["loud"]!.count, 6, "\(phrases["loud"]!)")
        XCTAssertGreaterThanOrEqual(phrases["quiet"]!.count, 6, "\(phrases["quiet"]!)")
        // A steady tone: loud is the -14 dBFS RMS reference, quiet 20 dB under it (clearly audible, not near silence).
        for db in loudness["loud"]! { XCTAssertEqual(db, -14, accuracy: 0.2) }
        for db in loudness["quiet"]! { XCTAssertEqual(db, -34, accuracy: 0.2) }
        XCTAssertEqual(LoudnessLevel.allCases.map(\.relativeDecibels), [0, -8, -20])
    }

    /// Recipe 5's quiet floor: four clicks at the plain quiet gain sit near -50 dBFS RMS; with the floor they are -40 dBFS,
    /// still 10 dB or more under the same click at the loud level. A steady tone is untouched by the floor.
    /// The level a prompt states: recipe 5's caption words and the probes' cues read back, whole words only ("software" is not
    /// "soft"), and quiet wins over a "loud" it negates.
    func testStatedLevelReadsTheCorpusWords() {
        for word in ["quiet", "soft", "faint", "gentle", "very quiet", "barely audible", "played quietly", "at a low volume",
                     "heard faintly", "soft and gentle", "turned way down"] {
            XCTAssertEqual(LoudnessLevel.stated(in: "a beep, " + word), .quiet, word)
        }
        for word in ["loud", "very loud", "blaring", "booming", "played loudly", "at full volume", "at high volume",
                     "loud and blaring", "booming loudly", "turned way up"] {
            XCTAssertEqual(LoudnessLevel.stated(in: "a beep, " + word), .loud, word)
        }
        XCTAssertEqual(LoudnessLevel.stated(in: "A Very Quiet, soft beep"), .quiet)
        XCTAssertEqual(LoudnessLevel.stated(in: "a hum, not loud but faint"), .quiet)
        XCTAssertNil(LoudnessLevel.stated(in: "software fan noise"))
        XCTAssertNil(LoudnessLevel.stated(in: "a dog barking"))
    }

    func testRecipeFiveQuietFloorKeepsSparseSoundsAudible() {
        var click = [Float](repeating: 0, count: 32000)
        for onset in [4000, 12000, 20000, 28000] {
            for i in 0..<80 { click[onset + i] = Float(sin(Double(i) * 0.9)) * Float(1 - Double(i) / 80) }
        }
        let db = { (x: [Float]) in 10 * log10(Double(x.map { $0 * $0 }.reduce(0, +)) / Double(x.count)) }
        let loud = db(LoudnessLevel.loud.leveledWithQuietFloor(click))
        let plainQuiet = db(LoudnessLevel.quiet.leveled(click)), quiet = db(LoudnessLevel.quiet.leveledWithQuietFloor(click))
        XCTAssertLessThan(plainQuiet, -45)
        XCTAssertEqual(quiet, LoudnessLevel.quietFloorDBFS, accuracy: 0.01)
        XCTAssertLessThanOrEqual(quiet, loud - LoudnessLevel.quietMarginDB + 0.01)
        let steady = tone().samples
        XCTAssertEqual(LoudnessLevel.quiet.leveledWithQuietFloor(steady), LoudnessLevel.quiet.leveled(steady))
    }
}
