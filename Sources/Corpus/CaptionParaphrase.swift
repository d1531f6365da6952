import Foundation
import Tensors

/// Held-out phrasings: caption templates the training corpus never uses, for probing whether a model trained on
/// the corpus follows prompts "phrased differently from the training captions".
///
/// Every held-out template contains at least one of `cues`, words and phrases that no training template,
/// synonym or spoken phrase contains; the tests check both sides, so the two template sets cannot drift together.
public enum CaptionParaphrase {
    /// Cue words of the held-out set (absent from every training caption).
    public static let cues = [
        "oscillator", "cycles per second", "whose frequency is", "alert", "pips", "timer", "noise generator",
        "-spectrum", "climbs", "plunges", "frequency ramp", "harmony", "sounding at once", "raps", "drum machine",
        "strokes", "groove", "being picked", "picked", "rainfall", "breezy", "windstorm", "shoreline", "vehicle",
        "logs", "pronouncing", "spoken aloud", "turned way up", "turned way down", "followed by", "and after that",
    ]

    /// How a held-out tone caption states its pitch: in hertz, as a note name, or as a register.
    public enum PitchForm: String, CaseIterable, Sendable { case hz, note, register }

    /// Held-out ways to join two parts in turn ("X, followed by Y"); the training captions say "then".
    public static let sequencePhrases = ["followed by", "and after that"]

    /// A held-out caption for the params of a single-family clip, or nil for mixtures and unknown families.
    public static func caption(for params: [String: String], rng: RandomGenerator) -> String? {
        let p = params
        func hz(_ key: String) -> String? { p[key].flatMap(Double.init).map { "\(Int($0.rounded())) hertz" } }
        let text: String?
        switch p["family"] {
        case "tone":
            return toneCaption(for: p, form: nil, rng: rng)
        case "beeps":
            let n = Int(p["count"] ?? "1") ?? 1
            let word = Words.word(n)
            text = rng.pick(n == 1 ? ["an alert sounding a single time", "one short electronic pip", "a timer that goes off once"]
                : ["an alert that sounds \(word) times", "\(word) short electronic pips", "a timer going off with \(word) tones",
                   "\(n) pips from an alert"])
        case "noise":
            let color = p["color"] ?? "white"
            let filter = p["filter"] ?? "none"
            let f = hz("cutoff_hz") ?? ""
            let shaped = ["lowpass": "with its treble removed past \(f)", "highpass": "with its bass removed under \(f)",
                          "bandpass": "narrowed to the region near \(f)"][filter]
            text = rng.pick(["a \(color)-spectrum noise generator", "a noise generator producing \(color) noise"])
                + (shaped.map { ", " + $0 } ?? "")
        case "sweep":
            let up = p["direction"] == "up"
            let from = hz("start_hz") ?? "", to = hz("end_hz") ?? ""
            let repeats = Int(p["repeats"] ?? "1") ?? 1
            text = rng.pick([up ? "a tone whose pitch climbs from \(from) to \(to)" : "a tone whose pitch plunges from \(from) to \(to)",
                             "a frequency ramp going \(up ? "up" : "down") between \(from) and \(to)"])
                + (repeats > 1 ? ", \(Words.word(repeats)) times over" : "")
        case "chord":
            let root = (p["root_note"] ?? "C4").filter { !$0.isNumber }
            let quality = (p["quality"] ?? "major").replacingOccurrences(of: "7", with: " seventh")
            text = rng.pick(["\(root) \(quality) harmony", "the notes \(p["notes"] ?? root) sounding at once",
                             "a \(quality) harmony with \(root) at the bottom"])
        case "percussion":
            let n = Int(p["count"] ?? "1") ?? 1
            let bpm = p["tempo_bpm"] ?? "120"
            switch (p["instrument"] ?? "kick", p["pattern"] ?? "single") {
            case (_, "backbeat"): text = "a groove alternating bass drum and snare at \(bpm) beats each minute"
            case (let inst, "beat"): text = "a \(drum(inst)) groove at \(bpm) beats each minute from a drum machine"
            case ("knock", _): text = n == 1 ? "someone raps once on a wooden surface" : "someone raps \(Words.word(n)) times on a wooden surface"
            case (let inst, _): text = n == 1 ? "one percussive \(drum(inst)) stroke from a drum machine"
                : "\(Words.word(n)) percussive \(drum(inst)) strokes from a drum machine"
            }
        case "pluck":
            let pitch = p["note"].map { "\($0) (\(hz("pitch_hz") ?? ""))" } ?? hz("pitch_hz") ?? ""
            let n = Int(p["count"] ?? "1") ?? 1
            switch p["pattern"] {
            case "run": text = "\(Words.word(n)) notes being picked on a string, beginning at \(pitch)"
            case "repeated": text = "a string being picked \(Words.word(n)) times at \(pitch)"
            default: text = rng.pick(["a single string being picked at \(pitch)", "a guitar note picked at \(pitch)"])
            }
        case "texture":
            let strong = ["heavy", "strong", "rough", "revving", "large"].contains(p["intensity"] ?? "")
            switch p["texture"] {
            case "rain": text = strong ? "intense rainfall" : "light rainfall"
            case "wind": text = strong ? "a windstorm" : "breezy weather"
            case "surf": text = strong ? "powerful waves pounding the shoreline" : "the sea washing softly against the shoreline"
            case "engine": text = strong ? "a vehicle's motor speeding up" : "a stationary vehicle's motor running"
            case "fire": text = strong ? "big logs burning fiercely" : "a few logs burning and snapping"
            default: text = nil
            }
        case "speech":
            let words = p["words"] ?? ""
            let who = p["gender"] == "female" ? "female" : "male"
            text = rng.pick(["a \(who) voice pronouncing \"\(words)\"", "\"\(words)\", spoken aloud by a \(who) speaker"])
        default:
            text = nil
        }
        return text.map { Words.fixArticles(Words.tidy($0)) }
    }

    /// A held-out caption for a tone clip's params stating its pitch in one `form` (drawn among hertz and, when the
    /// pitch is a tempered note, its name when nil); nil for a note caption of a pitch that is no note.
    public static func toneCaption(for p: [String: String], form: PitchForm?, rng: RandomGenerator) -> String? {
        let hz = p["pitch_hz"].flatMap(Double.init)
        let pitch = hz.map { "\(Int($0.rounded())) hertz" } ?? "an unknown pitch"
        let wave = p["waveform"] ?? "sine"
        let byHz = ["a \(wave) oscillator humming at \(pitch)", "an unbroken \(wave) pitch whose frequency is \(pitch)",
                    "\(pitch.replacingOccurrences(of: " hertz", with: "")) cycles per second, \(wave) oscillator"]
        let text: String
        switch form {
        case nil:
            text = rng.pick(byHz + (p["note"].map { ["the musical note \($0) from a \(wave) oscillator"] } ?? []))
        case .hz:
            text = rng.pick(byHz)
        case .note:
            guard let note = p["note"] else { return nil }
            text = rng.pick(["the musical note \(note) from a \(wave) oscillator", "a \(wave) oscillator tuned to the note \(note)"])
        case .register:
            guard let hz else { return nil }
            let band = ["low": "low", "mid": "middle", "high": "high"][PitchWords.register(hz: hz)]!
            text = rng.pick(["a \(wave) oscillator humming in a \(band) register", "a \(wave) oscillator set to a \(band) register"])
        }
        return Words.fixArticles(Words.tidy(text))
    }

    /// Two single-family clips in turn, as the corpus's "X then Y" mixtures are made (the second part at the first's
    /// RMS, 10 ms edges, the whole normalized), captioned with a held-out joining phrase ("X, followed by Y").
    public static func sequence(_ a: Clip, _ b: Clip, rng: RandomGenerator) -> Clip {
        var left = a.samples, right = b.samples
        MixtureFamily.matchRMS(&right, to: left)
        DSP.fadeEdges(&left)
        DSP.fadeEdges(&right)
        var samples = left + right
        DSP.normalize(&samples)
        let caption = "\(a.caption), \(rng.pick(sequencePhrases)) \(b.caption)"
        var params: [String: String] = ["family": "mixture", "mix": "then", "parts": "\(a.family)+\(b.family)"]
        for (k, v) in a.params { params["a." + k] = v }
        for (k, v) in b.params { params["b." + k] = v }
        return Clip(samples: samples, caption: caption, family: "mixture", params: params)
    }

    private static func drum(_ instrument: String) -> String {
        ["kick": "bass drum", "snare": "snare drum", "click": "click"][instrument] ?? instrument
    }

    /// A probe set: `count` clips from the standard families without effects or mixtures, each with its caption
    /// replaced by a held-out phrasing; the training-style caption stays in `params["training_caption"]`.
    public static func probes(count: Int, seed: UInt64, seconds: Double = 4, espeak: Espeak?) throws -> [Clip] {
        let families = SoundFamilies.standard(seconds: seconds, espeak: espeak)
        return try (0..<count).map { i in
            let rng = RandomGenerator(seed: CorpusRecipe.clipSeed(seed: seed, index: i))
            var clip = try families[i % families.count].render(rng: rng)
            clip.params["training_caption"] = clip.caption
            clip.caption = caption(for: clip.params, rng: rng) ?? clip.caption
            return clip
        }
    }
}
