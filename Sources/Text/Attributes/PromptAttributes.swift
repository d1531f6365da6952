import Foundation

/// The numbers a prompt states that a sentence encoder reads poorly: pitches (hertz, kilohertz, note names) and a
/// count of events, read lexically into a fixed feature vector a model conditions on beside the text, as Stable
/// Audio conditions on seconds given as numbers rather than words.
///
/// MiniLM splits "415" into word pieces whose embeddings say little about magnitude, so a UNet that only cross-attends
/// to them cannot place a tone within a semitone; a pitch read here reaches it as Fourier features of log-frequency.
/// Words that carry meaning rather than magnitude ("high", "loud", "pink", "then") stay with the text encoder.
public struct PromptAttributes: Equatable, Sendable {
    /// Stated frequencies in Hz, in the prompt's order (at most `pitchSlots`): "440 Hz", "1.5 kHz", "the note F#4".
    public var pitchesHz: [Double]
    /// A stated number of events: "three beeps", "5 knocks", "twice", "a click repeated 4 times".
    public var count: Int?

    /// Pitches kept (a sweep's start and end; a mixture's first two).
    public static let pitchSlots = 2
    /// Counts above this are fed as this.
    public static let maxCount = 12
    /// Periods (octaves) of the log-frequency Fourier features: 8 octaves down to 3 semitones.
    static let periods: [Double] = [8, 4, 2, 1, 0.5, 0.25]
    static let pitchBlock = 2 + 2 * periods.count
    /// Length of `features`: per pitch slot a presence flag, log2(f / 1 kHz) / 4 and its Fourier features; then a
    /// count presence flag and a one-hot count.
    public static let featureSize = pitchSlots * pitchBlock + 1 + maxCount

    public init(pitchesHz: [Double] = [], count: Int? = nil) {
        self.pitchesHz = pitchesHz
        self.count = count
    }

    /// The feature row: all zeros for a prompt that states nothing (the empty, unconditional prompt included).
    public var features: [Float] {
        var f = [Float](repeating: 0, count: Self.featureSize)
        for (slot, hz) in pitchesHz.prefix(Self.pitchSlots).enumerated() where hz > 0 {
            let base = slot * Self.pitchBlock
            let octaves = log2(hz / 1000)
            f[base] = 1
            f[base + 1] = Float(octaves / 4)
            for (k, period) in Self.periods.enumerated() {
                let phase = 2 * Double.pi * octaves / period
                f[base + 2 + 2 * k] = Float(sin(phase))
                f[base + 3 + 2 * k] = Float(cos(phase))
            }
        }
        if let count, count > 0 {
            let base = Self.pitchSlots * Self.pitchBlock
            f[base] = 1
            f[base + min(count, Self.maxCount)] = 1
        }
        return f
    }

    /// Reads a prompt. Quoted words (a voice saying "one two three") are what is said, not what is asked, and are skipped.
    public init(parsing prompt: String) {
        var text = " " + prompt.lowercased()
            .replacingOccurrences(of: "♯", with: "#").replacingOccurrences(of: "♭", with: "b")
            .replacingOccurrences(of: "\u{2019}", with: "'") + " "
        text = Self.replace(#"[\"“][^\"”]*[\"”]"#, in: text)
        text = Self.replace(#"(\d),(\d{3})"#, in: text, with: "$1$2")
        var found: [(at: Int, hz: Double)] = []
        // Frequencies: a number (digits or a small number word) and a unit.
        let unit = #"\s*-?\s*(khz|kilohertz|hz|hertz|cycles per second|cycles a second|cycles each second)\b"#
        for m in Self.take(#"(\d+(?:\.\d+)?|"# + Self.numberWordPattern + ")" + unit, from: &text) {
            guard let n = Self.number(m.groups[0]) else { continue }
            let k = m.groups[1].hasPrefix("k") ? 1000.0 : 1
            found.append((m.range.location, n * k))
        }
        // Note names with an octave: "A4", "F#3", "Bb2", "C sharp 5" is not read (no octave digit right after).
        for m in Self.take(#"\b([a-g])(#|b|-sharp| sharp|-flat| flat)?([0-8])\b"#, from: &text) {
            found.append((m.range.location, Self.noteHz(letter: m.groups[0], accidental: m.groups[1], octave: Int(m.groups[2]) ?? 4)))
        }
        pitchesHz = Array(found.sorted { $0.at < $1.at }.map(\.hz).prefix(Self.pitchSlots))

        // Numbers that measure something else are not counts.
        let measure = #"(\d+(?:\.\d+)?|"# + Self.numberWordPattern + #")\s*-?\s*(bpm|beats? (per|a|each) (minute|second)|ms|milliseconds?|seconds?|secs?|s|minutes?|db|decibels?|percent|%)(?=\W)"#
        _ = Self.take(measure, from: &text)
        _ = Self.take(#"\bat once\b"#, from: &text)
        let countPattern = #"\b(\d{1,3}|"# + Self.numberWordPattern + #"|once|twice|thrice|single|pair)\b"#
        count = Self.matches(countPattern, in: text).lazy.compactMap { m -> Int? in
            switch m.groups[0] {
            case "once", "single": return 1
            case "twice", "pair": return 2
            case "thrice": return 3
            default: return Self.number(m.groups[0]).map { Int($0) }.flatMap { $0 > 0 ? $0 : nil }
            }
        }.first
    }

    static let numberWords = ["one", "two", "three", "four", "five", "six", "seven", "eight", "nine", "ten", "eleven", "twelve"]
    static let numberWordPattern = numberWords.joined(separator: "|")

    static func number(_ s: String) -> Double? {
        if let i = numberWords.firstIndex(of: s) { return Double(i + 1) }
        return Double(s)
    }

    /// Equal temperament, A4 = 440 Hz.
    static func noteHz(letter: String, accidental: String, octave: Int) -> Double {
        let classes: [String: Int] = ["c": 0, "d": 2, "e": 4, "f": 5, "g": 7, "a": 9, "b": 11]
        var pc = classes[letter] ?? 9
        if accidental.contains("#") || accidental.contains("sharp") { pc += 1 }
        if accidental == "b" || accidental.contains("flat") { pc -= 1 }
        let midi = 12 * (octave + 1) + pc
        return 440 * pow(2, Double(midi - 69) / 12)
    }

    struct Match { var range: NSRange; var groups: [String] }

    static func matches(_ pattern: String, in text: String) -> [Match] {
        guard let re = try? NSRegularExpression(pattern: pattern) else { return [] }
        let ns = text as NSString
        return re.matches(in: text, range: NSRange(location: 0, length: ns.length)).map { m in
            Match(range: m.range, groups: (1..<m.numberOfRanges).map { i in
                let r = m.range(at: i)
                return r.location == NSNotFound ? "" : ns.substring(with: r)
            })
        }
    }

    /// The matches of `pattern` in `text`, each then replaced there by as many spaces, so positions found later still
    /// order against these and nothing is read twice.
    static func take(_ pattern: String, from text: inout String) -> [Match] {
        let found = matches(pattern, in: text)
        var chars = Array(text.utf16)
        for m in found {
            for i in m.range.location..<(m.range.location + m.range.length) { chars[i] = 32 }
        }
        text = String(decoding: chars, as: UTF16.self)
        return found
    }

    static func replace(_ pattern: String, in text: String, with template: String = " ") -> String {
        guard let re = try? NSRegularExpression(pattern: pattern) else { return text }
        return re.stringByReplacingMatches(in: text, range: NSRange(location: 0, length: (text as NSString).length), withTemplate: template)
    }
}
