import Foundation
import Tensors

/// Chords: a root note and a quality (major, minor, ...), held together, arpeggiated or strummed.
public struct ChordFamily: SoundFamily {
    public let name = "chord"
    public var seconds: Double

    public init(seconds: Double = 4) { self.seconds = seconds }

    struct Quality {
        let id: String
        let intervals: [Int]
        let names: [String]   // said after the root: "C major"
        let symbol: String    // chord-symbol suffix: "Cm", "C7"
        let moods: [String]   // optional feel words; empty when none is conventional
    }

    static let qualities = [
        Quality(id: "major", intervals: [0, 4, 7], names: ["major"], symbol: "", moods: ["bright", "happy-sounding"]),
        Quality(id: "minor", intervals: [0, 3, 7], names: ["minor"], symbol: "m", moods: ["sad", "dark", "melancholy"]),
        Quality(id: "diminished", intervals: [0, 3, 6], names: ["diminished"], symbol: "dim", moods: ["tense"]),
        Quality(id: "augmented", intervals: [0, 4, 8], names: ["augmented"], symbol: "aug", moods: ["eerie"]),
        Quality(id: "dominant7", intervals: [0, 4, 7, 10], names: ["dominant seventh", "seventh"], symbol: "7", moods: []),
        Quality(id: "major7", intervals: [0, 4, 7, 11], names: ["major seventh"], symbol: "maj7", moods: ["dreamy"]),
        Quality(id: "minor7", intervals: [0, 3, 7, 10], names: ["minor seventh"], symbol: "m7", moods: ["mellow"]),
    ]

    /// Playing styles: phrases said after the chord, and adjectives said before it.
    static let styles: [(id: String, words: [String], adjectives: [String])] = [
        ("block", ["held", "sustained", "played together", "ringing out"], ["sustained", "held"]),
        ("arpeggio", ["arpeggiated", "played as an arpeggio", "broken into single notes"], ["arpeggiated", "broken"]),
        ("strum", ["strummed", "rolled quickly"], ["strummed"]),
    ]

    static let timbres: [(wave: Waveform, words: [String])] = [
        (.sine, ["warm synth", "sine-wave", "gentle electronic"]),
        (.triangle, ["mellow synth", "flute-like"]),
        (.organ, ["organ", "electric organ"]),
        (.sawtooth, ["buzzy synth", "bright synth"]),
    ]

    static let templates = [
        "a {timbre} {root} {quality} chord {style}",
        "a {root} {quality} chord on a {timbre}, {style}",
        "{root} {quality} chord, {style}",
        "a {styleadj} {symbol} chord",
        "a {mood} {root} {quality} chord",
        "a {timbre} chord of {notes}, {style}",
        "the notes {notes} {style}",
        "a {quality} chord rooted on {rootnote}, {style}",
    ]

    public func render(rng: RandomGenerator) -> Clip {
        let n = sampleCount
        let quality = rng.pick(Self.qualities)
        let root = rng.int(48...67) // C3 to G4
        let style = rng.pick(Self.styles)
        let timbre = rng.pick(Self.timbres)
        let midis = quality.intervals.map { root + $0 }

        var x = [Float](repeating: 0, count: n)
        switch style.id {
        case "arpeggio":
            // Up-and-down the chord at a steady rate, each note a short enveloped tone.
            let step = Int(rng.uniform(0.12, 0.3) * DSP.rate)
            let order = midis + midis.dropFirst().dropLast().reversed()
            var t = 0, i = 0
            while t < n {
                let len = min(step * 2, n - t)
                add(note: order[i % order.count], timbre.wave, length: len, into: &x, at: t, decay: 0.4)
                t += step; i += 1
            }
        default:
            let spread = style.id == "strum" ? Int(rng.uniform(0.03, 0.07) * DSP.rate) : 0
            for (k, m) in midis.enumerated() {
                let start = k * spread
                add(note: m, timbre.wave, length: n - start, into: &x, at: start, decay: style.id == "strum" ? 1.5 : 0)
            }
        }
        DSP.fadeEdges(&x)
        DSP.normalize(&x)

        let noteNames = midis.map(Notes.name)
        let hasMood = !quality.moods.isEmpty
        let templates = hasMood ? Self.templates : Self.templates.filter { !$0.contains("{mood}") }
        let caption = Words.fill(rng.pick(templates), [
            "timbre": rng.pick(timbre.words), "root": Notes.pitchClass(root), "quality": rng.pick(quality.names),
            "style": rng.pick(style.words), "styleadj": rng.pick(style.adjectives), "symbol": Notes.pitchClass(root) + quality.symbol,
            "mood": hasMood ? rng.pick(quality.moods) : "", "notes": Words.list(noteNames),
            "rootnote": Notes.name(root),
        ])
        return Clip(samples: x, caption: caption, family: name, params: [
            "root_note": Notes.name(root), "root_hz": String(format: "%.2f", Notes.hz(root)), "quality": quality.id,
            "style": style.id, "waveform": timbre.wave.rawValue, "notes": noteNames.joined(separator: " "),
        ])
    }

    /// One chord tone: attack, then either a hold (decay 0) or an exponential decay with time constant `decay` s.
    private func add(note: Int, _ wave: Waveform, length: Int, into x: inout [Float], at start: Int, decay: Double) {
        guard length > 0 else { return }
        var tone = DSP.oscillator(count: length, waveform: wave, hz: Notes.hz(note))
        let attack = Int(0.01 * DSP.rate)
        for i in 0..<length {
            var g = i < attack ? Float(i) / Float(attack) : 1
            if decay > 0 { g *= Float(exp(-Double(i) / (decay * DSP.rate))) }
            tone[i] *= g
        }
        DSP.fadeEdges(&tone, seconds: 0.005)
        DSP.add(tone, into: &x, at: start, gain: 0.5)
    }
}
