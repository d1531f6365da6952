import Foundation
import Tensors

/// Beeps: a counted number of short tones with a rhythm (steady, quick, slow, in pairs, speeding up).
public struct BeepFamily: SoundFamily {
    public let name = "beeps"
    public var seconds: Double
    /// Draw the count first, uniformly over 1-8, then a rhythm that allows it (corpus recipe 2). Recipe 1 draws the
    /// count, then the rhythm, and lets "pairs" and "accelerating" override it, so only 3% of its beep clips have
    /// three beeps while 4, 6 and 8 are over-represented.
    public var uniformCounts: Bool

    public init(seconds: Double = 4, uniformCounts: Bool = false) {
        self.seconds = seconds
        self.uniformCounts = uniformCounts
    }

    struct Rhythm {
        let id: String
        let adjectives: [String]
        let adverbs: [String]
        let interval: ClosedRange<Double> // seconds between onsets before fitting to the clip
    }

    static let rhythms = [
        Rhythm(id: "regular", adjectives: ["evenly spaced", "regular", "steady"],
               adverbs: ["at a steady pace", "evenly spaced", "at regular intervals"], interval: 0.3...0.6),
        Rhythm(id: "fast", adjectives: ["quick", "rapid", "fast"],
               adverbs: ["in quick succession", "rapidly", "quickly"], interval: 0.14...0.2),
        Rhythm(id: "slow", adjectives: ["slow", "spaced-out", "unhurried"],
               adverbs: ["slowly", "with long pauses", "at a slow pace"], interval: 0.7...1.0),
        Rhythm(id: "pairs", adjectives: ["paired", "double"],
               adverbs: ["in pairs", "in groups of two"], interval: 0.5...0.7),
        Rhythm(id: "accelerating", adjectives: ["accelerating"],
               adverbs: ["speeding up", "getting faster", "accelerating"], interval: 0.5...0.7),
    ]

    /// The pitches a beep caption can state in hertz.
    static let pitchesHz = [400.0, 500, 600, 800, 880, 1000, 1200, 1500, 2000, 2500, 3000]

    static let manyTemplates = [
        "{count} {radj} {beeps}",
        "{count} {beeps} {radv}",
        "{beeping} {times} {radv}",
        "a {beep} repeated {times}, {radv}",
        "{count} {radj} {padj} {beeps}",
        "{count} {padj} {beeps} {radv}",
        "a {padj} {beep} sounding {times} {radv}",
        "a device {beeping} {times} {ppred}",
        "{count} {beeps} {ppred}, {radv}",
    ]
    static let singleTemplates = [
        "a single {padj} {beep}",
        "one {padj} {beep}",
        "a {beep} {ppred}",
        "a single short {beep} {ppred}",
        "{beeping} once {ppred}",
    ]

    /// Whether a rhythm is audible with `count` beeps: pairs need an even count of at least four, speeding up at least four.
    static func allows(_ rhythm: Rhythm, count: Int) -> Bool {
        switch rhythm.id {
        case "pairs": return count >= 4 && count % 2 == 0
        case "accelerating": return count >= 4
        default: return true
        }
    }

    public func render(rng: RandomGenerator) -> Clip {
        let n = sampleCount
        var count = rng.int(1...8)
        var rhythm: Rhythm
        if uniformCounts {
            rhythm = rng.pick(Self.rhythms.filter { Self.allows($0, count: count) })
        } else {
            rhythm = rng.pick(Self.rhythms)
            if rhythm.id == "pairs" { count = rng.pick([4, 6, 8]) }
            if rhythm.id == "accelerating" { count = max(count, 4) }
        }
        let pitch = rng.chance(0.3) ? PitchWords(midi: rng.int(67...96))
            : PitchWords(hz: rng.pick(Self.pitchesHz), note: nil)
        let waveform: Waveform = rng.pick([.sine, .sine, .square, .triangle])
        let base = rng.uniform(rhythm.interval.lowerBound, rhythm.interval.upperBound)
        // A beep never fills its slot: at least 70 ms of silence between beeps keeps them countable by ear (and by
        // an onset detector), whatever the rhythm.
        var beepLength = min(rng.uniform(0.06, 0.2), base - 0.07)
        let silence = 0.07

        // Onset gaps by rhythm: pairs alternate a short and a long gap, accelerating shrinks each gap by 20%.
        var gaps: [Double] = (0..<max(0, count - 1)).map { i in
            switch rhythm.id {
            case "pairs": return i % 2 == 0 ? beepLength + silence + 0.03 : base
            case "accelerating": return max(beepLength + silence, base * pow(0.8, Double(i)))
            default: return base
            }
        }
        // Fit to the clip: shrink all gaps alike while the silences allow, else shorten the beep, else drop beeps.
        // The stated count is always the rendered count.
        let lead = 0.15, tail = 0.15
        let available = Double(n) / DSP.rate - lead - tail
        while gaps.reduce(0, +) + beepLength > available {
            let total = gaps.reduce(0, +)
            let scale = (available - beepLength) / total
            if (gaps.min() ?? 0) * scale >= beepLength + silence {
                gaps = gaps.map { $0 * scale }
                break
            }
            if beepLength > 0.05 {
                beepLength = max(0.05, beepLength * 0.8)
            } else if !gaps.isEmpty {
                // Pairs lose a whole pair so the grouping stays intact.
                let drop = rhythm.id == "pairs" && gaps.count >= 2 ? 2 : 1
                count -= drop
                gaps.removeLast(drop)
            } else {
                break
            }
        }
        if count < 4 && (rhythm.id == "pairs" || rhythm.id == "accelerating") {
            // Too few beeps left for the pattern to be audible: space them evenly and call it regular.
            rhythm = Self.rhythms[0]
            if !gaps.isEmpty { gaps = Array(repeating: gaps.reduce(0, +) / Double(gaps.count), count: gaps.count) }
        }

        let (x, onsets) = Self.place(count: count, gaps: gaps, lead: lead, beepLength: beepLength, waveform: waveform, hz: pitch.hz, samples: n)

        let template = count == 1 ? rng.pick(Self.singleTemplates) : rng.pick(Self.manyTemplates)
        let stated = template.contains("{padj}") ? pitch.adjective(rng) : pitch.predicate(rng)
        let caption = Self.caption(template, count: count, rhythm: rhythm, pitch: stated.text, rng: rng)
        let params = Self.params(pitch, stated: PitchWords.hasSlot(in: template) ? stated.form : "none", count: count, rhythm: count == 1 ? "single" : rhythm.id,
                                 beepLength: beepLength, onsets: onsets, waveform: waveform)
        return Clip(samples: x, caption: caption, family: name, params: params)
    }

    /// `count` enveloped beeps of `beepLength` seconds placed from `lead` with `gaps` between onsets, normalized, and
    /// their onset times.
    static func place(count: Int, gaps: [Double], lead: Double, beepLength: Double, waveform: Waveform, hz: Double,
                      samples n: Int) -> ([Float], [Double]) {
        let length = Int(beepLength * DSP.rate)
        var beep = DSP.oscillator(count: length, waveform: waveform, hz: hz)
        let env = DSP.gate(length: length, attack: Int(0.005 * DSP.rate), release: Int(0.01 * DSP.rate))
        for i in 0..<length { beep[i] *= env[i] }
        var x = [Float](repeating: 0, count: n)
        var t = lead
        var onsets: [Double] = []
        for i in 0..<count {
            onsets.append(t)
            DSP.add(beep, into: &x, at: Int(t * DSP.rate))
            if i < gaps.count { t += gaps[i] }
        }
        DSP.normalize(&x)
        return (x, onsets)
    }

    /// `template` filled with a noun, the count and the rhythm's words (drawn in this order) and the pitch phrase.
    static func caption(_ template: String, count: Int, rhythm: Rhythm, pitch: String, rng: RandomGenerator) -> String {
        let noun = rng.pick([("beep", "beeps", "beeping"), ("beep", "beeps", "beeping"), ("bleep", "bleeps", "bleeping"),
                             ("electronic beep", "electronic beeps", "beeping")])
        return Words.fill(template, [
            "count": Words.count(count, rng), "times": Words.times(count, rng), "radj": rng.pick(rhythm.adjectives),
            "radv": rng.pick(rhythm.adverbs), "beep": noun.0, "beeps": noun.1, "beeping": noun.2,
            "padj": pitch, "ppred": pitch,
        ])
    }

    /// The manifest parameters every beep clip carries.
    static func params(_ pitch: PitchWords, stated: String, count: Int, rhythm: String, beepLength: Double,
                       onsets: [Double], waveform: Waveform) -> [String: String] {
        var params = pitch.params(stated: stated)
        params["count"] = String(count)
        params["rhythm"] = rhythm
        params["beep_ms"] = String(Int((beepLength * 1000).rounded()))
        params["onsets_s"] = onsets.map { String(format: "%.3f", $0) }.joined(separator: " ")
        params["waveform"] = waveform.rawValue
        return params
    }
}
