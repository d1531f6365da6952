import Foundation
import Tensors

/// Post-effects on a finished clip (reverb, echo, tremolo, fades), each named in the caption and kept in params.
public enum Effects {
    /// The effect names, in the order they are applied (fades last so a fade-out really ends in silence).
    public static let all = ["tremolo", "echo", "reverb", "fade_in", "fade_out"]

    /// With probability `probability` applies one effect (a third of those times, two), appending the phrases to
    /// the caption and `effects` plus per-effect settings to the params. Untouched clips get `effects=none`.
    public static func decorate(_ clip: Clip, rng: RandomGenerator, probability: Double = 0.35) -> Clip {
        var c = clip
        guard rng.chance(probability) else {
            c.params["effects"] = "none"
            return c
        }
        var chosen = [rng.pick(all)]
        if rng.chance(0.33) {
            let rest = all.filter { $0 != chosen[0] }
            chosen.append(rng.pick(rest))
        }
        chosen.sort { all.firstIndex(of: $0)! < all.firstIndex(of: $1)! }
        var phrases: [String] = []
        for effect in chosen { phrases.append(apply(effect, to: &c, rng: rng)) }
        if chosen == ["fade_in", "fade_out"] && rng.chance(0.5) { phrases = ["fading in and out"] }
        c.caption = Words.tidy(c.caption + ", " + Words.list(phrases))
        c.params["effects"] = chosen.joined(separator: ",")
        DSP.normalize(&c.samples)
        return c
    }

    /// Applies one named effect with random settings; returns the caption phrase for it.
    static func apply(_ effect: String, to c: inout Clip, rng: RandomGenerator) -> String {
        let n = c.samples.count
        switch effect {
        case "reverb":
            let large = rng.chance(0.5)
            let reverb = Reverb(roomSize: large ? rng.uniform(0.88, 0.95) : rng.uniform(0.7, 0.82),
                                damping: rng.uniform(0.2, 0.5), wet: Float(rng.uniform(0.3, 0.6)))
            c.samples = reverb.process(c.samples)
            c.params["reverb_size"] = large ? "large" : "small"
            c.params["reverb_t60_s"] = String(format: "%.2f", reverb.t60)
            c.params["reverb_wet"] = String(format: "%.2f", reverb.wet)
            return large ? rng.pick(["with lots of reverb", "in a large hall", "with a long reverb tail",
                                     "reverberating in a big hall", "with heavy reverb"])
                : rng.pick(["with reverb", "in a small room", "with a short reverb", "in a small reverberant room"])
        case "echo":
            // A feedback delay with a gentle low-pass in the loop, so each repeat is darker than the last.
            let ms = rng.pick([150, 200, 250, 300, 400, 500])
            let feedback = Float(rng.uniform(0.3, 0.6))
            let delay = ms * Clip.sampleRate / 1000
            var y = c.samples
            var lp: Float = 0
            for i in delay..<max(delay, n) {
                lp = 0.7 * y[i - delay] + 0.3 * lp
                y[i] += feedback * lp
            }
            c.samples = y
            c.params["echo_delay_ms"] = String(ms)
            c.params["echo_feedback"] = String(format: "%.2f", feedback)
            return rng.pick(["with echo", "with an echo", "with a \(ms) ms echo", "echoing", "with repeating echoes"])
        case "tremolo":
            let hz = Double(rng.int(3...10))
            let depth = rng.uniform(0.5, 0.9)
            for i in 0..<n {
                let t = Double(i) / DSP.rate
                c.samples[i] *= Float(1 - depth * (0.5 - 0.5 * cos(2 * .pi * hz * t)))
            }
            c.params["tremolo_hz"] = String(Int(hz))
            c.params["tremolo_depth"] = String(format: "%.2f", depth)
            let speed = hz >= 7 ? "fast" : hz <= 4 ? "slow" : "steady"
            return rng.pick(["with tremolo", "with a \(Int(hz)) Hz tremolo", "wobbling in volume", "pulsing in volume",
                             "with a \(speed) tremolo"])
        case "fade_in":
            let fraction = rng.uniform(0.3, 0.6)
            let len = max(1, Int(fraction * Double(n)))
            for i in 0..<min(len, n) { c.samples[i] *= Float(Double(i) / Double(len)) }
            c.params["fade_in_s"] = String(format: "%.2f", Double(len) / DSP.rate)
            return rng.pick(["fading in", "fading in slowly", "slowly fading in", "growing louder from silence"])
        default: // fade_out
            let fraction = rng.uniform(0.3, 0.6)
            let len = max(1, Int(fraction * Double(n)))
            for k in 0..<min(len, n) { c.samples[n - 1 - k] *= Float(Double(k) / Double(len)) }
            c.params["fade_out_s"] = String(format: "%.2f", Double(len) / DSP.rate)
            return rng.pick(["fading out", "fading away", "slowly fading out", "dying away to silence"])
        }
    }
}

/// Loudness labels: "loud" is the reference level, "normal" 8 dB under it, "quiet" 20 dB under it.
public enum LoudnessLevel: String, CaseIterable {
    case loud, normal, quiet

    /// Gain relative to the loud reference.
    public var relativeDecibels: Double {
        switch self {
        case .loud: return 0
        case .normal: return -8
        case .quiet: return -20
        }
    }

    /// The reference: RMS at -14 dBFS, reduced as needed so the peak stays at or under 0.9.
    static func referenceGain(_ x: [Float]) -> Float {
        let rms = DSP.rms(x), peak = DSP.peak(x)
        guard rms > 1e-9, peak > 1e-9 else { return 1 }
        return min(Float(pow(10, -14.0 / 20)) / rms, 0.9 / peak)
    }

    /// `x` at this level: the reference gain, then `relativeDecibels` (what the corpus applies; probes reuse it).
    public func leveled(_ x: [Float]) -> [Float] {
        var y = x
        DSP.scale(&y, LoudnessLevel.referenceGain(x) * Float(pow(10, relativeDecibels / 20)))
        return y
    }

    /// Recipe 5's quiet floor: RMS at least this, so a quiet sparse sound (one click, whose loud level the peak cap
    /// already holds near -30 dBFS) is faint but audible rather than 20 dB further down at -50 or -60.
    public static let quietFloorDBFS = -40.0
    /// Quiet stays at least this far under loud, whatever the floor.
    public static let quietMarginDB = 10.0

    /// Recipe 5's levels: as `leveled`, but a quiet clip is raised to `quietFloorDBFS` RMS when the plain gain leaves it
    /// under that, never to within `quietMarginDB` of its loud level.
    public func leveledWithQuietFloor(_ x: [Float]) -> [Float] {
        guard self == .quiet else { return leveled(x) }
        let reference = LoudnessLevel.referenceGain(x), rms = DSP.rms(x)
        var gain = reference * Float(pow(10, relativeDecibels / 20))
        if rms > 1e-9 {
            let floor = min(Float(pow(10, Self.quietFloorDBFS / 20)) / rms, reference * Float(pow(10, -Self.quietMarginDB / 20)))
            gain = max(gain, floor)
        }
        var y = x
        DSP.scale(&y, gain)
        return y
    }

    /// Sets a clip's level: mostly normal (unstated), sometimes loud or quiet, said in the caption either as an
    /// adjective after a leading article ("a quiet 440 Hz tone") or as a trailing phrase. Records `loudness` and
    /// the resulting RMS in dBFS as `loudness_db`.
    /// `variedPhrasing` (recipe 5) draws from `variedAdjectives` and `variedTrailing` instead of recipe 1-4's words, and
    /// levels quiet clips with `leveledWithQuietFloor`.
    public static func apply(to clip: Clip, rng: RandomGenerator, statedProbability: Double = 0.25,
                             variedPhrasing: Bool = false) -> Clip {
        var c = clip
        let level: LoudnessLevel = rng.chance(statedProbability) ? (rng.chance(0.5) ? .loud : .quiet) : .normal
        c.samples = variedPhrasing ? level.leveledWithQuietFloor(c.samples) : level.leveled(c.samples)
        c.params["loudness"] = level.rawValue
        c.params["loudness_db"] = String(format: "%.1f", DSP.decibels(DSP.rms(c.samples)))
        guard level != .normal else { return c }
        let adjectives = variedPhrasing ? variedAdjectives[level]!
            : level == .loud ? ["loud", "very loud", "booming"] : ["quiet", "faint", "soft", "very quiet"]
        let trailing = variedPhrasing ? variedTrailing[level]!
            : level == .loud ? ["played loudly", "at high volume", "very loud"]
            : ["played quietly", "at low volume", "barely audible", "heard faintly"]
        let words = c.caption.split(separator: " ", maxSplits: 1).map(String.init)
        // Adjectives go on sounds, not speakers ("a quiet man" means something else), so speech gets the phrase.
        let speechFirst = c.family == "speech" || c.params["a.family"] == "speech"
        if words.count == 2 && (words[0] == "a" || words[0] == "an") && !speechFirst && rng.chance(0.6) {
            c.caption = Words.fixArticles("a \(rng.pick(adjectives)) \(words[1])")
        } else {
            c.caption = c.caption + ", " + rng.pick(trailing)
        }
        return c
    }

    /// The level a prompt asks for in words ("a faint click", "rain, turned way down"), nil when it states none; quiet
    /// wins when both appear, since "loud" also sits inside phrases like "not loud".
    public static func stated(in prompt: String) -> LoudnessLevel? {
        let text = " " + String(prompt.lowercased().map { $0.isLetter ? $0 : " " }) + " "
        func says(_ words: [String]) -> Bool { words.contains { text.contains(" \($0) ") } }
        if says(["quiet", "quietly", "faint", "faintly", "soft", "softly", "gentle", "barely audible", "low volume", "turned way down"]) {
            return .quiet
        }
        if says(["loud", "loudly", "blaring", "booming", "full volume", "high volume", "turned way up"]) { return .loud }
        return nil
    }

    /// Recipe 5's words for a level before the noun ("a blaring beep", "a gentle 415 Hz tone"). None is a held-out
    /// cue (`CaptionParaphrase.cues`: "turned way up" and "turned way down" stay for evaluation only).
    static let variedAdjectives: [LoudnessLevel: [String]] = [
        .loud: ["loud", "very loud", "blaring", "booming"],
        .quiet: ["quiet", "soft", "faint", "gentle", "very quiet", "barely audible"],
    ]
    /// Recipe 5's trailing phrases (", at full volume").
    static let variedTrailing: [LoudnessLevel: [String]] = [
        .loud: ["played loudly", "at full volume", "very loud", "at high volume", "loud and blaring", "booming loudly"],
        .quiet: ["played quietly", "at a low volume", "barely audible", "heard faintly", "soft and gentle", "very quiet"],
    ]
}
