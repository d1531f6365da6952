import Foundation
import Tensors

/// Beeps whose caption leaves almost nothing open (corpus recipe 3): each rhythm word means one interval, a caption
/// without one means a steady beat, every beep is a 100-ms sine, "high" means 2 kHz and an unstated pitch 1 kHz.
/// Recipes 1 and 2 draw the gap, the beep length, the pitch within a register and the waveform freely, so at the
/// noisiest steps the best guess a denoiser can make from "three high beeps" is their average: a broadband smear.
/// Recipe 4 (`pitchInAnyCaption`) also lets a pitch word join captions whose template has no pitch slot.
/// Recipe 5 (`drawnPitch`) draws the pitch's form first, a quarter each: unstated (1 kHz), a register word (low
/// 180 Hz, mid 600 Hz, high 2 kHz), hertz (any whole number log-uniform in 150-3000 Hz) or a note name (D3-C7).
public struct ExactBeepFamily: SoundFamily {
    public let name = "beeps"
    public var seconds: Double
    /// Recipe 3 states a pitch only where the template has a slot for it, so no counted-and-repeated caption ("a
    /// beep repeated three times") ever names one, and a model trained on it learns that such beeps are 1 kHz
    /// whatever pitch word is added. Recipe 4 puts a pitch adjective before the noun of most slot-less templates.
    public var pitchInAnyCaption: Bool
    /// Recipe 4 states hertz only from `BeepFamily.pitchesHz` (all round), notes only from G4 up and registers only
    /// mid or high, so "a low beep" or "a 415 Hz beep" is never seen. Recipe 5 draws the stated form first (a
    /// quarter each: none, register, hertz, note), then a pitch for it, and puts the pitch in any caption that
    /// states one (after the verb when the template names the beep only as a verb).
    public var drawnPitch: Bool

    public init(seconds: Double = 4, pitchInAnyCaption: Bool = false, drawnPitch: Bool = false) {
        self.seconds = seconds
        self.pitchInAnyCaption = pitchInAnyCaption
        self.drawnPitch = drawnPitch
    }

    /// `template` with "{padj} " before its first "{beep}" or "{beeps}"; nil when it names the beep only as a verb.
    static func withPitchAdjective(_ template: String) -> String? {
        let nouns = ["{beep}", "{beeps}"].compactMap { template.range(of: $0) }
        guard let first = nouns.min(by: { $0.lowerBound < $1.lowerBound }) else { return nil }
        return template.replacingCharacters(in: first.lowerBound..<first.lowerBound, with: "{padj} ")
    }

    static let beepLength = 0.1
    static let lead = 0.15
    /// Seconds between onsets for each rhythm id; pairs alternate `pairGap` and the interval.
    static let intervals = ["regular": 0.4, "fast": 0.17, "slow": 0.8, "pairs": 0.6, "accelerating": 0.6]
    static let pairGap = 0.2
    /// Pitches a register word stands for, and the pitch of a beep whose caption names none.
    static let registerHz = ["high": 2000.0, "mid": 600.0, "low": 180.0]
    static let unstatedHz = 1000.0
    /// Recipe 5's range for pitches stated in hertz (log-uniform, whole hertz) and for note names (MIDI D3-C7).
    static let drawnHz = 150.0...3000.0
    static let drawnNotes = 50...96

    /// Counted beeps with no rhythm word: the steady beat.
    static let steadyTemplates = [
        "{count} {padj} {beeps}",
        "{count} {beeps}",
        "a {beep} repeated {times}",
        "{count} {beeps} {ppred}",
        "{beeping} {times}",
        "a device {beeping} {times} {ppred}",
        "a {padj} {beep} sounding {times}",
    ]
    /// Recipe 1's counted templates that name a rhythm.
    static let rhythmTemplates = BeepFamily.manyTemplates.filter { $0.contains("{radj}") || $0.contains("{radv}") }

    /// Whether `count` beeps in `rhythm` are audible as that rhythm and fit the clip at the longest jitter.
    func fits(_ rhythm: String, count: Int) -> Bool {
        if rhythm == "pairs" && (count < 4 || count % 2 != 0) { return false }
        if rhythm == "accelerating" && count < 4 { return false }
        return Self.lead + Self.gaps(rhythm, count: count, scale: 1.03).reduce(0, +) + Self.beepLength + 0.15 <= seconds
    }

    /// The onset gaps of `count` beeps in `rhythm`, every interval multiplied by `scale` (the clip's jitter).
    static func gaps(_ rhythm: String, count: Int, scale: Double) -> [Double] {
        let base = (intervals[rhythm] ?? intervals["regular"]!) * scale
        return (0..<max(0, count - 1)).map { i in
            switch rhythm {
            case "pairs": return i % 2 == 0 ? pairGap : base
            case "accelerating": return max(intervals["fast"]!, base * pow(0.8, Double(i)))
            default: return base
            }
        }
    }

    public func render(rng: RandomGenerator) -> Clip {
        // Counts a steady beat fits (all eight in 4 s; fewer in the 2-s halves of "then" mixtures).
        let count = rng.int(1...max(1, (1...8).last { fits("regular", count: $0) } ?? 1))
        let others = BeepFamily.rhythms.map(\.id).filter { $0 != "regular" && fits($0, count: count) }
        let rhythmID = count == 1 || others.isEmpty || rng.chance(0.4) ? "regular" : rng.pick(others)
        let rhythm = BeepFamily.rhythms.first { $0.id == rhythmID }!
        var template: String
        if count == 1 {
            template = rng.pick(BeepFamily.singleTemplates)
        } else if rhythmID == "regular" && rng.chance(0.5) {
            template = rng.pick(Self.steadyTemplates)
        } else {
            template = rng.pick(Self.rhythmTemplates)
        }
        if drawnPitch { return renderDrawnPitch(count: count, rhythmID: rhythmID, rhythm: rhythm, template: template, rng: rng) }
        // Left unstated in a third of slot-less captions, so "a beep" without a pitch word still means 1 kHz.
        if pitchInAnyCaption && !PitchWords.hasSlot(in: template) && rng.chance(2.0 / 3),
           let pitched = Self.withPitchAdjective(template) {
            template = pitched
        }

        // The pitch's form is chosen before the pitch, since a register word fixes the pitch.
        var form = "none"
        var pitch = PitchWords(hz: Self.unstatedHz, note: nil)
        if PitchWords.hasSlot(in: template) {
            let u = rng.nextUniform()
            if u < 0.45 {
                form = "hz"
                pitch = PitchWords(hz: rng.pick(BeepFamily.pitchesHz), note: nil)
            } else if u < 0.65 {
                form = "note"
                pitch = PitchWords(midi: rng.int(67...96))
            } else {
                form = "register"
                pitch = PitchWords(hz: rng.chance(0.75) ? Self.registerHz["high"]! : Self.registerHz["mid"]!, note: nil)
            }
        }
        // Drawn even when the template has no pitch slot: skipping the draw would change every recipe-3 corpus made
        // so far (stage 2g's among them).
        let stated = template.contains("{padj}") ? pitch.adjective(rng, form: form) : pitch.predicate(rng, form: form)

        let gaps = Self.gaps(rhythmID, count: count, scale: rng.uniform(0.97, 1.03))
        let (x, onsets) = BeepFamily.place(count: count, gaps: gaps, lead: Self.lead, beepLength: Self.beepLength, waveform: .sine,
                                           hz: pitch.hz, samples: sampleCount)
        let caption = BeepFamily.caption(template, count: count, rhythm: rhythm, pitch: stated.text, rng: rng)
        let params = BeepFamily.params(pitch, stated: form, count: count, rhythm: count == 1 ? "single" : rhythmID,
                                       beepLength: Self.beepLength, onsets: onsets, waveform: .sine)
        return Clip(samples: x, caption: caption, family: name, params: params)
    }

    /// Recipe 5's pitch: the form first (a quarter each), then a pitch for it, then the caption; the beat as recipe 4.
    func renderDrawnPitch(count: Int, rhythmID: String, rhythm: BeepFamily.Rhythm, template drawn: String,
                          rng: RandomGenerator) -> Clip {
        var template = drawn
        let u = rng.nextUniform()
        let form = u < 0.25 ? "none" : u < 0.5 ? "register" : u < 0.75 ? "hz" : "note"
        let pitch: PitchWords
        switch form {
        case "register": pitch = PitchWords(hz: Self.registerHz[rng.pick(["low", "mid", "high"])]!, note: nil)
        case "hz":
            let hz = exp(rng.uniform(log(Self.drawnHz.lowerBound), log(Self.drawnHz.upperBound))).rounded()
            pitch = PitchWords(hz: hz, note: nil)
        case "note": pitch = PitchWords(midi: rng.int(Self.drawnNotes))
        default: pitch = PitchWords(hz: Self.unstatedHz, note: nil)
        }
        let stated: String
        if form == "none" {
            stated = "" // an empty slot; Words.fill tidies the spaces and commas around it
        } else {
            if !PitchWords.hasSlot(in: template) { template = Self.withPitchAdjective(template) ?? template + " {ppred}" }
            stated = template.contains("{padj}") ? pitch.adjective(rng, form: form).text : pitch.predicate(rng, form: form).text
        }
        let gaps = Self.gaps(rhythmID, count: count, scale: rng.uniform(0.97, 1.03))
        let (x, onsets) = BeepFamily.place(count: count, gaps: gaps, lead: Self.lead, beepLength: Self.beepLength, waveform: .sine,
                                           hz: pitch.hz, samples: sampleCount)
        let caption = BeepFamily.caption(template, count: count, rhythm: rhythm, pitch: stated, rng: rng)
        let params = BeepFamily.params(pitch, stated: form, count: count, rhythm: count == 1 ? "single" : rhythmID,
                                       beepLength: Self.beepLength, onsets: onsets, waveform: .sine)
        return Clip(samples: x, caption: caption, family: name, params: params)
    }
}
