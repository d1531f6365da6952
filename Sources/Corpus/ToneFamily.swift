import Foundation
import Tensors

/// Steady pure and harmonic tones: a pitch (hertz, note name or register) and a timbre (sine, sawtooth, ...).
public struct ToneFamily: SoundFamily {
    public let name = "tone"
    public var seconds: Double
    /// Recipes 1-4 draw half their pitches from tempered notes E2-E6 and half from `roundHz`, so every pitch said in
    /// hertz is a round one (or a note's). Recipe 5 draws the stated form first (40% hertz, 30% note name, 30%
    /// register word) and then a pitch for it: hertz mostly from whole numbers log-uniform in `drawnHz`
    /// ("a 415 Hz tone"), note names from E2-E6, register words from any of the three sources.
    public var drawnPitch: Bool

    public init(seconds: Double = 4, drawnPitch: Bool = false) {
        self.seconds = seconds
        self.drawnPitch = drawnPitch
    }

    /// Recipe 5's log-uniform pitch range (whole hertz).
    static let drawnHz = 70.0...3200.0
    static let notes = 40...88 // E2 (82 Hz) to E6 (1319 Hz)

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
        var form: String? = nil // recipe 5 fixes the stated form before the pitch; earlier recipes draw it with the words
        if drawnPitch {
            let u = rng.nextUniform()
            form = u < 0.4 ? "hz" : u < 0.7 ? "note" : "register"
            pitch = Self.pitch(stated: form!, rng)
        } else if rng.chance(0.5) {
            pitch = PitchWords(midi: rng.int(Self.notes))
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
        let stated = template.contains("{padj}") ? pitch.adjective(rng, form: form) : pitch.predicate(rng, form: form)
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

    /// A recipe-5 pitch for a stated form: a note name needs a tempered note; hertz is 60% a whole number drawn
    /// log-uniformly in `drawnHz`, 25% a round value, 15% a tempered note; a register word a third from each.
    static func pitch(stated form: String, _ rng: RandomGenerator) -> PitchWords {
        let u: Double
        switch form {
        case "note": u = 1
        case "hz": u = Double(rng.nextUniform())
        default: u = rng.pick([0, 0.7, 1]) // a third from each source
        }
        if u < 0.6 {
            return PitchWords(hz: exp(rng.uniform(log(drawnHz.lowerBound), log(drawnHz.upperBound))).rounded(), note: nil)
        } else if u < 0.85 {
            return PitchWords(hz: rng.pick(roundHz), note: nil)
        }
        return PitchWords(midi: rng.int(notes))
    }
}
