import Foundation
import Tensors

// Caption-building helpers: random choices, numbers, hertz, notes, articles. Every family draws its words
// through these so synonyms and number forms vary the same way everywhere.

extension RandomGenerator {
    func pick<T>(_ options: [T]) -> T { options[nextInt(options.count)] }
    func uniform(_ lo: Double, _ hi: Double) -> Double { lo + (hi - lo) * Double(nextUniform()) }
    func int(_ range: ClosedRange<Int>) -> Int { range.lowerBound + nextInt(range.count) }
    func chance(_ p: Double) -> Bool { Double(nextUniform()) < p }
}

/// Words for numbers, frequencies and counts, and the template filler.
enum Words {
    static let numbers = ["zero", "one", "two", "three", "four", "five", "six", "seven", "eight", "nine", "ten",
                          "eleven", "twelve"]

    /// "three" or "3": captions state counts both ways so the model links the digit and the word.
    static func count(_ n: Int, _ rng: RandomGenerator) -> String {
        n < numbers.count && rng.chance(0.6) ? numbers[n] : String(n)
    }

    static func word(_ n: Int) -> String { n < numbers.count ? numbers[n] : String(n) }

    /// "once", "twice", "three times" / "3 times".
    static func times(_ n: Int, _ rng: RandomGenerator) -> String {
        switch n {
        case 1: return "once"
        case 2: return rng.chance(0.7) ? "twice" : "two times"
        default: return "\(count(n, rng)) times"
        }
    }

    /// A frequency in one of its spoken forms: "440 Hz", "440 hertz", "1.5 kHz", "2 kilohertz".
    static func hz(_ f: Double, _ rng: RandomGenerator) -> String {
        let n = Int(f.rounded())
        if n >= 1000 && n % 100 == 0 && rng.chance(0.5) {
            let k = Double(n) / 1000
            let s = k == k.rounded() ? String(Int(k)) : String(format: "%.1f", k)
            return rng.chance(0.7) ? "\(s) kHz" : "\(s) kilohertz"
        }
        return rng.chance(0.7) ? "\(n) Hz" : "\(n) hertz"
    }

    /// Joins "a", "b", "c" as "a, b and c".
    static func list(_ items: [String]) -> String {
        guard items.count > 1 else { return items.first ?? "" }
        return items.dropLast().joined(separator: ", ") + " and " + items.last!
    }

    /// Fills `{slot}` placeholders, then tidies spaces and fixes every "a"/"an" for the word that follows.
    static func fill(_ template: String, _ slots: [String: String]) -> String {
        var s = template
        for (k, v) in slots { s = s.replacingOccurrences(of: "{\(k)}", with: v) }
        return fixArticles(tidy(s))
    }

    static func tidy(_ s: String) -> String {
        var t = s
        while t.contains("  ") { t = t.replacingOccurrences(of: "  ", with: " ") }
        t = t.replacingOccurrences(of: " ,", with: ",")
        return spellOutCountBeforeNumber(t.trimmingCharacters(in: .whitespaces))
    }

    /// "2 294 Hz plucks" reads as one number; a small count right before another number is spelled out.
    static func spellOutCountBeforeNumber(_ s: String) -> String {
        var words = s.components(separatedBy: " ")
        guard words.count > 1 else { return s }
        for i in 0..<(words.count - 1) {
            if let n = Int(words[i]), n < numbers.count, words[i + 1].first?.isNumber == true { words[i] = numbers[n] }
        }
        return words.joined(separator: " ")
    }

    /// Rewrites each lowercase article "a"/"an" to match the next word's sound ("an A4 tone", "an 800 Hz beep").
    /// Templates write "a" everywhere and leave the choice to this, since slot values are only known at fill time.
    static func fixArticles(_ s: String) -> String {
        var words = s.components(separatedBy: " ")
        guard words.count > 1 else { return s }
        for i in 0..<(words.count - 1) where words[i] == "a" || words[i] == "an" {
            words[i] = startsWithVowelSound(words[i + 1]) ? "an" : "a"
        }
        return words.joined(separator: " ")
    }

    static func startsWithVowelSound(_ word: String) -> Bool {
        let w = word.trimmingCharacters(in: CharacterSet(charactersIn: "\"'(“"))
        guard let first = w.first else { return false }
        if first.isNumber {
            let digits = String(w.prefix { $0.isNumber })
            if digits.hasPrefix("8") { return true }
            // eleven, eighteen; eleven/eighteen thousand
            return (digits.count == 2 || digits.count == 5) && (digits.hasPrefix("11") || digits.hasPrefix("18"))
        }
        if first.isUppercase {
            // A letter said on its own: note names (A4, F#3) and abbreviations.
            let second = w.dropFirst().first
            if second == nil || !(second!.isLetter && second!.isLowercase) { return "AEFHILMNORSX".contains(first) }
        }
        let lower = w.lowercased()
        for exception in ["uni", "use", "one", "eu", "ur"] where lower.hasPrefix(exception) { return false }
        if lower.hasPrefix("hour") || lower.hasPrefix("honest") { return true }
        return "aeiou".contains(lower.first!)
    }
}

/// Equal-tempered note names and frequencies (A4 = 440 Hz, MIDI numbering, sharps only).
enum Notes {
    static let classes = ["C", "C#", "D", "D#", "E", "F", "F#", "G", "G#", "A", "A#", "B"]
    static func hz(_ midi: Int) -> Double { 440 * pow(2, Double(midi - 69) / 12) }
    static func name(_ midi: Int) -> String { classes[midi % 12] + String(midi / 12 - 1) }
    static func pitchClass(_ midi: Int) -> String { classes[midi % 12] }
    static func nearest(_ hz: Double) -> Int { Int((69 + 12 * log2(hz / 440)).rounded()) }
}

/// Ways to say a pitch: as hertz, as a note name (only when the pitch is a tempered note), or as a register.
public struct PitchWords {
    let hz: Double
    let note: String?

    init(hz: Double, note: String?) { self.hz = hz; self.note = note }
    init(midi: Int) { self.init(hz: Notes.hz(midi), note: Notes.name(midi)) }

    var register: String { Self.register(hz: hz) }

    /// The register band a pitch falls in ("low" under 250 Hz, "mid" under 700, "high" above): the words captions use
    /// and the band the register probes score a detected fundamental with.
    public static func register(hz: Double) -> String { hz < 250 ? "low" : hz < 700 ? "mid" : "high" }

    /// The pitch said before a noun ("a 440 Hz tone", "an A4 tone", "a high-pitched tone") and which form was used.
    /// `forced` ("hz", "note" or "register") fixes the form instead of drawing it.
    func adjective(_ rng: RandomGenerator, form forced: String? = nil) -> (text: String, form: String) {
        switch forced ?? form(rng) {
        case "hz": return (Words.hz(hz, rng), "hz")
        case "note": return (note!, "note")
        default:
            let options = ["low": ["low", "low-pitched", "deep"], "mid": ["mid-range", "medium-pitched", "middle"],
                           "high": ["high", "high-pitched", "shrill"]][register]!
            return (rng.pick(options), "register")
        }
    }

    /// Whether a caption template has a slot for the pitch phrase ("{padj}" before the noun or "{ppred}" after it).
    static func hasSlot(in template: String) -> Bool { template.contains("{padj}") || template.contains("{ppred}") }

    /// The pitch said after a noun ("at 440 Hz", "on the note A4", "pitched high").
    func predicate(_ rng: RandomGenerator, form forced: String? = nil) -> (text: String, form: String) {
        switch forced ?? form(rng) {
        case "hz": return (rng.pick(["at", "at", "pitched at"]) + " " + Words.hz(hz, rng), "hz")
        case "note": return (rng.pick(["at \(note!)", "on the note \(note!)", "playing \(note!)", "pitched at \(note!)"]), "note")
        default:
            let options = ["low": ["pitched low", "in a low register", "low in pitch"],
                           "mid": ["in a middle register", "at a medium pitch"],
                           "high": ["pitched high", "in a high register", "high in pitch"]][register]!
            return (rng.pick(options), "register")
        }
    }

    /// Hertz most often (it is the most checkable), note names when known, registers least.
    private func form(_ rng: RandomGenerator) -> String {
        let u = rng.nextUniform()
        if note != nil { return u < 0.45 ? "hz" : u < 0.8 ? "note" : "register" }
        return u < 0.75 ? "hz" : "register"
    }

    /// The manifest parameters every pitched clip carries.
    func params(stated form: String) -> [String: String] {
        var p = ["pitch_hz": String(format: "%.2f", hz), "register": register, "pitch_stated": form]
        // A non-note pitch keeps its nearest note apart, so nobody mistakes it for one the caption could have named.
        if let note { p["note"] = note } else { p["nearest_note"] = Notes.name(Notes.nearest(hz)) }
        return p
    }
}
