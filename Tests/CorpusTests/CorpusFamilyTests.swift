import Foundation
import Tensors
import Corpus
import XCTest

/// Each family: right length, finite, peak ≤ 1, and the audio does what the caption says.
final class CorpusFamilyTests: XCTestCase {
    let seconds = 2.0

    func testEveryFamilyRendersValidClips() throws {
        for family in SoundFamilies.standard(seconds: seconds, espeak: nil) {
            for clip in try renders(family, seeds: 0..<6) {
                checkBasics(clip, seconds: seconds)
                XCTAssertEqual(clip.family, family.name)
            }
        }
    }

    func testFamiliesHonourOtherLengths() throws {
        for s in [1.0, 4.0, 5.0] {
            for family in SoundFamilies.standard(seconds: s, espeak: nil) {
                checkBasics(try family.render(rng: RandomGenerator(seed: 3)), seconds: s)
            }
        }
    }

    func testToneFrequencyMatchesPitchAndCaptionStatesIt() throws {
        for clip in try renders(ToneFamily(seconds: seconds), seeds: 0..<24) {
            let hz = Double(clip.params["pitch_hz"]!)!
            let measured = Measure.dominantFrequency(clip.samples)
            XCTAssertEqual(measured, hz, accuracy: 0.02 * hz, "\(clip.caption) [\(clip.params["waveform"]!)]")
            XCTAssertNotEqual(clip.params["pitch_stated"], "none", "tones always state their pitch")
            XCTAssertTrue(mentionsPitch(clip), "pitch not stated: \(clip.caption) \(clip.params)")
        }
    }

    func testBeepCountIsMeasurableAndStated() throws {
        let clips = try renders(BeepFamily(seconds: 4), seeds: 0..<30)
        XCTAssertGreaterThan(Set(clips.map { $0.params["rhythm"]! }).count, 3, "rhythms should vary")
        for clip in clips {
            let count = Int(clip.params["count"]!)!
            XCTAssertEqual(Measure.onsets(clip.samples), count, "\(clip.caption) \(clip.params["onsets_s"]!)")
            XCTAssertTrue(mentionsCount(clip.caption, count), "count \(count) not stated: \(clip.caption)")
            XCTAssertTrue(mentionsPitch(clip), "pitch not stated: \(clip.caption)")
        }
        // Short clips (the halves of "X then Y") still hold every stated beep.
        for clip in try renders(BeepFamily(seconds: 1), seeds: 0..<20) {
            XCTAssertEqual(Measure.onsets(clip.samples), Int(clip.params["count"]!)!, clip.caption)
        }
    }

    func testUniformBeepCountsAreBalancedAndKeepRhythmsAudible() throws {
        let counts = { (clips: [Clip]) in clips.map { Int($0.params["count"]!)! } }
        // Recipe 1's sampling: pairs and speeding up override the count, so three beeps are rare.
        let original = counts(try renders(BeepFamily(seconds: 4), seeds: 0..<400))
        XCTAssertLessThan(original.filter { $0 == 3 }.count, 30, "recipe 1 has few three-beep clips")
        let uniform = try renders(BeepFamily(seconds: 4, uniformCounts: true), seeds: 0..<400)
        let histogram = Dictionary(grouping: counts(uniform), by: { $0 }).mapValues(\.count)
        for n in 1...8 {
            // 50 expected per count; the fit to the clip may drop a beep or two from slow, long runs.
            XCTAssertGreaterThan(histogram[n] ?? 0, 30, "count \(n): \(histogram)")
            XCTAssertLessThan(histogram[n] ?? 0, 75, "count \(n): \(histogram)")
        }
        for clip in uniform {
            let count = Int(clip.params["count"]!)!
            switch clip.params["rhythm"]! {
            case "pairs": XCTAssertTrue(count >= 4 && count % 2 == 0, clip.caption)
            case "accelerating": XCTAssertGreaterThanOrEqual(count, 4, clip.caption)
            case "single": XCTAssertEqual(count, 1, clip.caption)
            default: break
            }
            XCTAssertTrue(mentionsCount(clip.caption, count), "count \(count) not stated: \(clip.caption)")
        }
        for clip in uniform.prefix(40) {
            XCTAssertEqual(Measure.onsets(clip.samples), Int(clip.params["count"]!)!, clip.caption)
        }
    }

    func testNoiseColorsOrderBySpectralSlope() throws {
        let plain = try renders(NoiseFamily(seconds: seconds), seeds: 0..<60) { $0["filter"] == "none" }
        var slopes: [String: Double] = [:]
        for clip in plain where slopes[clip.params["color"]!] == nil {
            slopes[clip.params["color"]!] = Measure.spectralSlope(clip.samples)
            XCTAssertTrue(mentionsColor(clip.caption, clip.params["color"]!), clip.caption)
        }
        let white = try XCTUnwrap(slopes["white"]), pink = try XCTUnwrap(slopes["pink"]), brown = try XCTUnwrap(slopes["brown"])
        XCTAssertGreaterThan(white, pink)
        XCTAssertGreaterThan(pink, brown)
        XCTAssertEqual(white, 0, accuracy: 0.2)
        XCTAssertEqual(pink, -1, accuracy: 0.25)
        XCTAssertEqual(brown, -2, accuracy: 0.3)
    }

    func testFilteredNoiseCaptionsNameTheFilter() throws {
        for clip in try renders(NoiseFamily(seconds: seconds), seeds: 0..<40, where: { $0["filter"] != "none" }) {
            XCTAssertTrue(mentionsColor(clip.caption, clip.params["color"]!), clip.caption)
            if clip.params["cutoff_stated"] == "yes" {
                XCTAssertTrue(mentionsHz(clip.caption, Double(clip.params["cutoff_hz"]!)!), clip.caption)
            }
        }
    }

    func testKarplusStrongPitchMatches() throws {
        let clips = try renders(PluckFamily(seconds: seconds), seeds: 0..<40) { $0["pattern"] != "run" }
        XCTAssertGreaterThan(clips.count, 10)
        for clip in clips {
            let hz = Double(clip.params["pitch_hz"]!)!
            // Plucks are rich in harmonics; look for the fundamental within half an octave of the target.
            let measured = Measure.dominantFrequency(clip.samples, in: (hz * 0.75)...(hz * 1.4))
            XCTAssertEqual(measured, hz, accuracy: 0.02 * hz, clip.caption)
            if clip.params["pattern"] == "repeated" {
                XCTAssertTrue(mentionsCount(clip.caption, Int(clip.params["count"]!)!), clip.caption)
            }
        }
    }

    func testSweepDirectionIsAudibleAndStated() throws {
        for clip in try renders(SweepFamily(seconds: seconds), seeds: 0..<16) where clip.params["repeats"] == "1" {
            let n = clip.samples.count
            let early = Measure.dominantFrequency(Array(clip.samples[(n / 10)..<(n / 10 + 2048)]))
            let late = Measure.dominantFrequency(Array(clip.samples[(n * 8 / 10)..<(n * 8 / 10 + 2048)]))
            let up = clip.params["direction"] == "up"
            XCTAssertEqual(late > early, up, "\(clip.caption): \(early) -> \(late)")
            let words = up ? ["rising", "upward", "ascending", "up"] : ["falling", "downward", "descending", "down"]
            XCTAssertTrue(words.contains { tokens(clip.caption).contains($0) }, clip.caption)
        }
    }

    func testPercussionCountsAndCaptions() throws {
        for clip in try renders(PercussionFamily(seconds: 4), seeds: 0..<30) {
            let p = clip.params
            switch p["pattern"]! {
            case "count":
                XCTAssertTrue(mentionsCount(clip.caption, Int(p["count"]!)!), clip.caption)
                if p["instrument"] != "kick" { XCTAssertEqual(Measure.onsets(clip.samples), Int(p["count"]!)!, clip.caption) }
            case "backbeat":
                XCTAssertTrue(clip.caption.contains("kick") || clip.caption.contains("backbeat"), clip.caption)
            default:
                break
            }
            if clip.caption.contains("BPM") || clip.caption.contains("beats per minute") {
                XCTAssertTrue(clip.caption.contains(p["tempo_bpm"] ?? "?"), clip.caption)
            }
        }
    }

    func testChordCaptionsNameRootAndQuality() throws {
        for clip in try renders(ChordFamily(seconds: seconds), seeds: 0..<20) {
            let root = clip.params["root_note"]!.filter { !$0.isNumber }
            XCTAssertTrue(clip.caption.contains(root) || clip.caption.contains(clip.params["notes"]!.components(separatedBy: " ")[0]),
                          clip.caption)
        }
    }

    func testTexturesCoverEveryKind() throws {
        let kinds = Set(try renders(TextureFamily(seconds: seconds), seeds: 0..<40).map { $0.params["texture"]! })
        XCTAssertEqual(kinds, ["rain", "wind", "surf", "engine", "fire"])
    }

    func testCaptionsVary() throws {
        for family in SoundFamilies.standard(seconds: 1, espeak: nil) {
            let captions = try renders(family, seeds: 0..<12).map(\.caption)
            XCTAssertGreaterThan(Set(captions).count, 8, "\(family.name): \(captions)")
        }
    }
}

// MARK: - Caption checks

func tokens(_ s: String) -> [String] {
    s.lowercased().components(separatedBy: CharacterSet.alphanumerics.union(CharacterSet(charactersIn: "#.")).inverted)
        .map { $0.trimmingCharacters(in: CharacterSet(charactersIn: ".")) }.filter { !$0.isEmpty }
}

func mentionsCount(_ caption: String, _ n: Int) -> Bool {
    let words = ["zero", "one", "two", "three", "four", "five", "six", "seven", "eight", "nine", "ten"]
    let t = tokens(caption)
    var forms = [String(n)]
    if n < words.count { forms.append(words[n]) }
    if n == 1 { forms += ["once", "single", "a", "an"] } // "a beep at 880 Hz", "an electronic beep"
    if n == 2 { forms.append("twice") }
    return forms.contains { t.contains($0) }
}

func mentionsHz(_ caption: String, _ hz: Double) -> Bool {
    let n = Int(hz.rounded())
    var forms = ["\(n) Hz", "\(n) hertz"]
    if n % 100 == 0 {
        let k = Double(n) / 1000
        let s = k == k.rounded() ? String(Int(k)) : String(format: "%.1f", k)
        forms += ["\(s) kHz", "\(s) kilohertz"]
    }
    return forms.contains { caption.contains($0) }
}

/// The caption states the pitch in the form the params say it used.
func mentionsPitch(_ clip: Clip) -> Bool {
    let p = clip.params
    switch p["pitch_stated"] {
    case "none": return true // a template without a pitch slot; the params say so
    case "hz": return mentionsHz(clip.caption, Double(p["pitch_hz"]!)!)
    case "note": return clip.caption.contains(p["note"]!)
    case "register":
        let words = ["low": ["low", "deep"], "mid": ["mid", "medium", "middle"], "high": ["high", "shrill"]][p["register"]!]!
        return words.contains { clip.caption.contains($0) }
    default: return false
    }
}

func mentionsColor(_ caption: String, _ color: String) -> Bool {
    let words = ["white": ["white"], "pink": ["pink", "1/f"], "brown": ["brown", "red"]][color]!
    return words.contains { caption.contains($0) }
}
