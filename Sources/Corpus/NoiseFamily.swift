import Foundation
import Tensors

/// Colored noise (white, pink, brown), plain or through a low-, high- or band-pass filter.
public struct NoiseFamily: SoundFamily {
    public let name = "noise"
    public var seconds: Double

    public init(seconds: Double = 4) { self.seconds = seconds }

    static let colors: [(id: String, words: [String], nouns: [String])] = [
        ("white", ["white"], ["noise", "noise", "static", "hiss"]),
        ("pink", ["pink", "1/f"], ["noise", "noise", "hiss"]),
        ("brown", ["brown", "brownian", "red"], ["noise", "noise", "rumble"]),
    ]

    /// Filter phrases said after the noise; `{f}` is the cutoff or center frequency.
    static let filterWords = [
        "lowpass": ["low-pass filtered at {f}", "through a low-pass filter at {f}", "with everything above {f} cut",
                    "with the highs rolled off above {f}"],
        "highpass": ["high-pass filtered at {f}", "through a high-pass filter at {f}", "with the lows cut below {f}",
                     "with everything below {f} removed"],
        "bandpass": ["band-pass filtered around {f}", "filtered to a narrow band around {f}", "band-limited around {f}",
                     "through a band-pass filter centered at {f}"],
    ]
    /// Filter adjectives said before the noise, no frequency.
    static let filterAdjectives = ["lowpass": ["muffled", "low-passed", "dull"], "highpass": ["thin", "high-passed", "tinny"],
                                   "bandpass": ["band-passed", "narrowband"]]

    static let plainTemplates = ["{color} {noun}", "steady {color} {noun}", "a constant hiss of {color} noise",
                                 "{color} noise playing steadily", "the sound of {color} {noun}"]
    static let filteredTemplates = ["{color} {noun} {filter}", "{color} noise, {filter}", "a {fadj} {color} {noun}",
                                    "steady {color} noise {filter}", "{fadj} {color} noise"]

    public func render(rng: RandomGenerator) -> Clip {
        let n = sampleCount
        let color = rng.pick(Self.colors)
        var x: [Float]
        switch color.id {
        case "white": x = DSP.white(n, rng)
        case "pink": x = DSP.pink(n, rng)
        default: x = DSP.brown(n, rng)
        }
        let filter = rng.pick(["none", "none", "lowpass", "highpass", "bandpass"])
        var cutoff = 0.0
        if filter != "none" {
            cutoff = rng.pick([200.0, 300, 500, 800, 1000, 1500, 2000, 3000, 4000])
            // Two cascaded sections (12 dB/octave each) so the filter is clearly audible.
            let kind: Biquad.Kind = filter == "lowpass" ? .lowpass : filter == "highpass" ? .highpass : .bandpass
            let q = kind == .bandpass ? 2.0 : 0.7071
            var a = Biquad(kind, hz: cutoff, q: q), b = Biquad(kind, hz: cutoff, q: q)
            a.process(&x)
            b.process(&x)
        }
        DSP.fadeEdges(&x, seconds: 0.02)
        DSP.normalize(&x)

        let template = rng.pick(filter == "none" ? Self.plainTemplates : Self.filteredTemplates)
        let filterPhrase = filter == "none" ? "" : rng.pick(Self.filterWords[filter]!)
        let caption = Words.fill(template, [
            "color": rng.pick(color.words), "noun": rng.pick(color.nouns),
            "filter": filterPhrase.replacingOccurrences(of: "{f}", with: Words.hz(cutoff, rng)),
            "fadj": filter == "none" ? "" : rng.pick(Self.filterAdjectives[filter]!),
        ])
        var params = ["color": color.id, "filter": filter]
        if filter != "none" {
            params["cutoff_hz"] = String(Int(cutoff))
            params["cutoff_stated"] = template.contains("{filter}") ? "yes" : "no"
        }
        return Clip(samples: x, caption: caption, family: name, params: params)
    }
}
