import Foundation
import Tensors

/// Synthetic speech from espeak-ng: a few voices (gender, accent) saying short phrases quoted in the caption.
public struct SpeechFamily: SoundFamily {
    public let name = "speech"
    public var seconds: Double
    /// The espeak-ng to run; nil means "look it up on first use" (render throws if it is not installed).
    public var espeak: Espeak?

    public init(seconds: Double = 4, espeak: Espeak? = nil) {
        self.seconds = seconds
        self.espeak = espeak
    }

    struct Voice {
        let id: String      // espeak-ng voice (language plus optional +variant)
        let gender: String
        let accent: String
        var speakers: [String] { gender == "female" ? ["a woman", "a female voice", "a woman's voice"]
            : ["a man", "a male voice", "a man's voice"] }
    }

    static let voices = [
        Voice(id: "en-us", gender: "male", accent: "American"),
        Voice(id: "en-us+f3", gender: "female", accent: "American"),
        Voice(id: "en-gb", gender: "male", accent: "British"),
        Voice(id: "en-gb+f2", gender: "female", accent: "British"),
        Voice(id: "en-gb-scotland", gender: "male", accent: "Scottish"),
    ]

    /// Short phrases, longest first within nothing in particular; words are plain so espeak-ng says them clearly.
    static let phrases = [
        "hello", "hello there", "good morning", "good night", "thank you", "yes", "no", "maybe later", "stop",
        "go", "wait here", "come back", "turn left", "turn right", "open the door", "close the window",
        "one two three", "four five six", "seven eight nine", "ten", "red", "green", "blue", "yellow", "orange",
        "the quick brown fox", "it is raining", "the train is late", "welcome home", "see you soon",
        "please sit down", "watch out", "over here", "all done", "let us go", "time for dinner",
        "the cat is asleep", "a dog is barking", "call me later", "where are you", "I am here", "happy birthday",
        "good luck", "how are you", "nice to meet you", "the sun is hot", "it is cold outside", "listen carefully",
        "left", "right", "up", "down", "north", "south", "coffee", "music", "water", "apple", "banana",
    ]

    static let templates = [
        "{speaker} says \"{words}\"",
        "{speaker} saying \"{words}\"",
        "{speaker} says \"{words}\" {pace}",
        "{speaker} {adverb} says \"{words}\"",
        "{speaker} with {accent} accent says \"{words}\"",
        "{speaker} speaking the words \"{words}\"",
        "the words \"{words}\" spoken by {speaker}",
        "speech: \"{words}\"",
        "someone saying \"{words}\" in {accent} accent",
        "a synthetic voice saying \"{words}\"",
    ]

    public func render(rng: RandomGenerator) throws -> Clip {
        guard let espeak = espeak ?? Espeak.locate() else {
            throw CorpusError.invalidArgument("speech", "espeak-ng is not installed (run scripts/setup)")
        }
        let n = sampleCount
        let voice = rng.pick(Self.voices)
        let speed = rng.int(120...200)
        let lead = rng.uniform(0.05, 0.3)
        let room = n - Int(lead * DSP.rate) - Int(0.05 * DSP.rate)
        // Draw a phrase; if it does not fit, fall back to ever shorter ones (then speak faster) rather than cut
        // words off, since the caption quotes every word.
        var words = rng.pick(Self.phrases)
        var wpm = speed
        var speech = try espeak.speak(words, voice: voice.id, wordsPerMinute: wpm)
        let byLength = Self.phrases.sorted { ($0.count, $0) < ($1.count, $1) }
        while true {
            let spoken = trimmed(speech).count
            if spoken <= room { break }
            // Jump straight to the longest phrase that should fit, judging by characters per sample so far.
            let target = Int(Double(words.count) * Double(room) / Double(spoken) * 0.9)
            if let next = byLength.last(where: { $0.count <= target && $0.count < words.count }) {
                words = next
            } else if words != byLength[0] {
                words = byLength[0]
            } else if wpm < 320 {
                wpm += 40
            } else {
                break
            }
            speech = try espeak.speak(words, voice: voice.id, wordsPerMinute: wpm)
        }
        speech = Array(trimmed(speech).prefix(room))
        var x = [Float](repeating: 0, count: n)
        DSP.add(speech, into: &x, at: Int(lead * DSP.rate))
        DSP.fadeEdges(&x, seconds: 0.005)
        DSP.normalize(&x)

        // Pace after the quote may be any phrase; before the verb it must be a plain adverb ("a woman quickly says").
        let pace = wpm < 145 ? rng.pick(["slowly", "slowly and clearly"]) : wpm > 180 ? rng.pick(["quickly", "fast"])
            : rng.pick(["calmly", "clearly"])
        let adverb = wpm < 145 ? "slowly" : wpm > 180 ? "quickly" : rng.pick(["calmly", "clearly"])
        let caption = Words.tidy(Words.fill(rng.pick(Self.templates), [
            "speaker": rng.pick(voice.speakers), "words": words, "pace": pace, "adverb": adverb,
            "accent": Self.accentPhrase(voice.accent),
        ]))
        return Clip(samples: x, caption: caption, family: name, params: [
            "words": words, "voice": voice.id, "gender": voice.gender, "accent": voice.accent, "speed_wpm": String(wpm),
            "speech_seconds": String(format: "%.2f", Double(speech.count) / DSP.rate),
        ])
    }

    /// "an American", "a British": the article is part of the slot since templates read "with {accent} accent".
    static func accentPhrase(_ accent: String) -> String {
        (Words.startsWithVowelSound(accent) ? "an " : "a ") + accent
    }

    /// espeak-ng pads its output with silence; trimming it lets the clip place the words where it wants.
    private func trimmed(_ x: [Float]) -> ArraySlice<Float> {
        let threshold: Float = 0.002
        guard let first = x.firstIndex(where: { abs($0) > threshold }),
              let last = x.lastIndex(where: { abs($0) > threshold }) else { return x[0..<0] }
        return x[first...last]
    }
}
