import Foundation
import Tensors

/// Steady pure and harmonic tones: a pitch (hertz, note name or register) and a timbre (sine, sawtooth, ...).
public struct ToneFamily: SoundFamily {
    public let name = "tone"
    public var seconds: Double

    public init(seconds: Double = 4) { self.seconds = seconds }

    /// Round frequencies people type into a prompt ("a 1 kHz tone"); the other half of tones are tempered notes.
    static let roundHz: [Double] = [100, 120, 150, 200, 250, 300, 350, 400, 440, 500, 600, 700, 750, 800, 900,
                                    1000, 1200, 1500, 2000, 2500, 3000]

    static let templates = [
        "a {padj} {wave} {noun}",
        "a {wave} {noun} {ppred}",
        "{wave} {noun} {ppred}",
        "a steady {padj} {wave} {noun}",
        "a sustained {wave} {noun} {ppred}",
        "a {noun} {ppred} with a {wave} timbre",
        "a {padj} {wave} {noun} that stays constant",
        "a continuous {wave} {noun} {ppred}",
    ]

    public func render(rng: RandomGenerator) -> Clip {
        let n = sampleCount
        let pitch: PitchWords
        if rng.chance(0.5) {
            pitch = PitchWords(midi: rng.int(40...88)) // E2 (82 Hz) to E6 (1319 Hz)
        } else {
            pitch = PitchWords(hz: rng.pick(Self.roundHz), note: nil)
        }
        // Harmonic timbres only where their partials fit below the limit; high pitches get sine or organ.
        let waveform: Waveform = pitch.hz > 2000 ? .sine : rng.pick([.sine, .sine, .sawtooth, .square, .triangle, .organ])
        var x = DSP.oscillator(count: n, waveform: waveform, hz: pitch.hz)
        let attack = rng.uniform(0.005, 0.15), release = rng.uniform(0.02, 0.3)
        let env = DSP.gate(length: n, attack: Int(attack * DSP.rate), release: Int(release * DSP.rate))
        for i in 0..<n { x[i] *= env[i] }
        DSP.normalize(&x)

        let template = rng.pick(Self.templates)
        // Templates use one pitch slot; draw only the form they need so the rng stream stays short and stable.
        let stated = template.contains("{padj}") ? pitch.adjective(rng) : pitch.predicate(rng)
        let caption = Words.fill(template, [
            "padj": stated.text, "ppred": stated.text, "wave": rng.pick(waveform.adjectives),
            "noun": rng.pick(["tone", "tone", "note", "sound"]),
        ])
        var params = pitch.params(stated: stated.form)
        params["waveform"] = waveform.rawValue
        params["attack_s"] = String(format: "%.3f", attack)
        params["release_s"] = String(format: "%.3f", release)
        return Clip(samples: x, caption: caption, family: name, params: params)
    }
}
