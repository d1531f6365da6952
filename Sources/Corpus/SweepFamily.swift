import Foundation
import Tensors

/// Pitch sweeps: a tone gliding up or down between two frequencies, once or repeated like a siren.
public struct SweepFamily: SoundFamily {
    public let name = "sweep"
    public var seconds: Double

    public init(seconds: Double = 4) { self.seconds = seconds }

    static let directionWords = [
        "up": (adj: ["rising", "upward", "ascending"], verb: ["sweeping up", "gliding upward", "rising"]),
        "down": (adj: ["falling", "downward", "descending"], verb: ["sweeping down", "gliding downward", "falling"]),
    ]

    static let singleTemplates = [
        "a {dir} {wave} sweep from {f0} to {f1}",
        "a {wave} tone {verb} from {f0} to {f1}",
        "a {dir} {noun}",
        "a {dir} {wave} {noun} from {f0} to {f1}",
        "a {noun} {motion} from {f0} to {f1}",
        "a tone {verb} in pitch",
        "a {dir} {noun} ending at {f1}",
    ]
    static let repeatedTemplates = [
        "{count} {dir} {nouns}",
        "a {dir} {noun} repeated {times}",
        "{count} {wave} {nouns} {verb} from {f0} to {f1}",
        "a siren-like tone {verb} {times}",
    ]

    public func render(rng: RandomGenerator) -> Clip {
        let n = sampleCount
        let up = rng.chance(0.5)
        let low = rng.pick([100.0, 150, 200, 250, 300, 400, 500])
        let high = rng.pick([1000.0, 1500, 2000, 2500, 3000, 4000])
        let (f0, f1) = up ? (low, high) : (high, low)
        let repeats = rng.chance(0.7) ? 1 : rng.int(2...4)
        let exponential = rng.chance(0.6)
        let waveform: Waveform = rng.pick([.sine, .sine, .triangle, .square, .sawtooth])

        // Each sweep fills its slot minus a short gap so repeats are heard as separate glides.
        let slot = n / repeats
        let gap = repeats > 1 ? Int(0.08 * DSP.rate) : 0
        let length = max(1, slot - gap)
        var x = [Float](repeating: 0, count: n)
        for r in 0..<repeats {
            var s = DSP.oscillator(count: length, amps: waveform.amplitudes) { i in
                let t = Double(i) / Double(length)
                return exponential ? f0 * pow(f1 / f0, t) : f0 + (f1 - f0) * t
            }
            DSP.fadeEdges(&s, seconds: 0.02)
            DSP.add(s, into: &x, at: r * slot)
        }
        DSP.normalize(&x)

        let words = Self.directionWords[up ? "up" : "down"]!
        let nouns = [("sweep", "sweeps"), ("chirp", "chirps"), ("glide", "glides"), ("frequency sweep", "frequency sweeps")]
        let noun = rng.pick(nouns)
        let template = rng.pick(repeats == 1 ? Self.singleTemplates : Self.repeatedTemplates)
        let caption = Words.fill(template, [
            "dir": rng.pick(words.adj), "verb": rng.pick(words.verb),
            "motion": up ? rng.pick(["going up", "moving upward", "rising"]) : rng.pick(["going down", "moving downward", "falling"]), "wave": rng.pick(waveform.adjectives),
            "noun": noun.0, "nouns": noun.1, "f0": Words.hz(f0, rng), "f1": Words.hz(f1, rng),
            "count": Words.count(repeats, rng), "times": Words.times(repeats, rng),
        ])
        return Clip(samples: x, caption: caption, family: name, params: [
            "direction": up ? "up" : "down", "start_hz": String(Int(f0)), "end_hz": String(Int(f1)),
            "repeats": String(repeats), "curve": exponential ? "exponential" : "linear", "waveform": waveform.rawValue,
            "sweep_seconds": String(format: "%.3f", Double(length) / DSP.rate),
        ])
    }
}
