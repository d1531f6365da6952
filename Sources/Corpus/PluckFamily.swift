import Foundation
import Tensors

/// Plucked strings by Karplus-Strong: one note, a note repeated, or a short rising or falling run.
public struct PluckFamily: SoundFamily {
    public let name = "pluck"
    public var seconds: Double

    public init(seconds: Double = 4) { self.seconds = seconds }

    static let nouns = [("plucked string", "plucked strings"), ("guitar-like pluck", "guitar-like plucks"),
                        ("harp-like pluck", "harp-like plucks"), ("plucked note", "plucked notes"),
                        ("plucked guitar string", "plucked guitar strings")]
    static let brightness = ["bright": ["bright", "twangy", "crisp"], "mellow": ["mellow", "gentle", "warm"]]

    static let singleTemplates = ["a {tone} {sg} {ppred}", "a {padj} {sg}", "a {sg} {ppred}, {decay}",
                                  "a single {tone} {sg} {ppred}", "a string plucked once {ppred}", "one {padj} {sg}, {decay}"]
    static let repeatedTemplates = ["{count} {tone} {pl} {ppred}", "a string plucked {times} {ppred}",
                                    "{count} {padj} {pl}", "a {sg} repeated {times} {ppred}"]
    static let runTemplates = ["a plucked string playing a {dir} run starting on {first}",
                               "a {dir} {tone} plucked melody of {count} notes",
                               "{count} {pl} going {updown}, from {first} to {last}",
                               "a {tone} {dir} scale on a plucked string", "plucked notes {notes}, one after another"]

    public func render(rng: RandomGenerator) -> Clip {
        let n = sampleCount
        let pattern = rng.pick(["single", "single", "repeated", "run"])
        let root = rng.int(40...76) // E2 (82 Hz) to E5 (659 Hz): long enough delay lines for accurate tuning
        let bright = rng.chance(0.5)
        let t60 = rng.uniform(0.6, 3.0)
        var midis: [Int]
        var up = true
        switch pattern {
        case "single": midis = [root]
        case "repeated": midis = Array(repeating: root, count: rng.int(2...5))
        default:
            // A major-scale run up or down from the root.
            let steps = [0, 2, 4, 5, 7, 9, 11, 12]
            up = rng.chance(0.5)
            let length = rng.int(3...5)
            midis = steps.prefix(length).map { up ? root + $0 : root - $0 }.filter { $0 >= 36 }
        }
        let duration = Double(n) / DSP.rate
        let interval = pattern == "single" ? 0 : min(rng.uniform(0.25, 0.6), (duration - 0.6) / Double(midis.count))
        var x = [Float](repeating: 0, count: n)
        for (i, m) in midis.enumerated() {
            let start = Int((0.05 + Double(i) * interval) * DSP.rate)
            guard start < n else { break }
            let note = Self.karplusStrong(hz: Notes.hz(m), count: n - start, t60: t60, bright: bright, rng)
            DSP.add(note, into: &x, at: start)
        }
        DSP.fadeEdges(&x, seconds: 0.005)
        DSP.normalize(&x)

        let pitch = PitchWords(midi: root)
        let templates = ["single": Self.singleTemplates, "repeated": Self.repeatedTemplates, "run": Self.runTemplates][pattern]!
        let template = rng.pick(templates)
        let stated = template.contains("{padj}") ? pitch.adjective(rng) : pitch.predicate(rng)
        let noun = rng.pick(Self.nouns)
        let names = midis.map(Notes.name)
        let caption = Words.fill(template, [
            "sg": noun.0, "pl": noun.1, "tone": rng.pick(Self.brightness[bright ? "bright" : "mellow"]!),
            "padj": stated.text, "ppred": stated.text,
            "decay": t60 > 1.8 ? rng.pick(["ringing out", "sustaining long"]) : rng.pick(["fading quickly", "quickly damped"]),
            "count": Words.count(midis.count, rng), "times": Words.times(midis.count, rng),
            "dir": up ? rng.pick(["rising", "ascending", "upward"]) : rng.pick(["falling", "descending", "downward"]),
            "updown": up ? "up" : "down", "first": names.first!, "last": names.last!, "notes": Words.list(names),
        ])
        // Runs name notes (or nothing); the rest say the pitch in the drawn form when their template has a slot.
        let saysPitch = PitchWords.hasSlot(in: template)
        let form = pattern == "run" ? (template.contains("{first}") || template.contains("{notes}") ? "note" : "none")
            : saysPitch ? stated.form : "none"
        var params = pitch.params(stated: form)
        params["pattern"] = pattern
        params["count"] = String(midis.count)
        params["notes"] = names.joined(separator: " ")
        params["tone"] = bright ? "bright" : "mellow"
        params["t60_s"] = String(format: "%.2f", t60)
        if interval > 0 { params["interval_ms"] = String(Int((interval * 1000).rounded())) }
        return Clip(samples: x, caption: caption, family: name, params: params)
    }

    /// Karplus-Strong: a noise burst circulating in a delay line through a two-point average (the string's damping)
    /// and a first-order allpass that supplies the fractional part of the period, so the pitch is exact rather than
    /// rounded to a whole-sample delay (Jaffe & Smith 1983). `t60` sets the loop gain: 60 dB of decay in t60 seconds.
    static func karplusStrong(hz: Double, count: Int, t60: Double, bright: Bool, _ rng: RandomGenerator) -> [Float] {
        let period = DSP.rate / hz
        // Loop delay = N (buffer) + 0.5 (average) + d (allpass); keep d in [0.1, 1.1) where the allpass is well behaved.
        var delay = Int((period - 0.5).rounded(.down))
        var d = period - 0.5 - Double(delay)
        if d < 0.1 { delay -= 1; d += 1 }
        let c = (1 - d) / (1 + d)
        let loss = pow(10, -3 / (t60 * hz))
        var buffer = DSP.white(delay, rng)
        if !bright {
            // A darker excitation: one-pole low-pass of the initial noise.
            var y: Float = 0
            for i in buffer.indices { y = 0.5 * y + 0.5 * buffer[i]; buffer[i] = y }
        }
        DSP.removeDC(&buffer)
        var out = [Float](repeating: 0, count: count)
        var index = 0
        var previous = 0.0, apIn = 0.0, apOut = 0.0
        for n in 0..<count {
            let current = Double(buffer[index])
            out[n] = Float(current)
            let average = 0.5 * (current + previous)
            let allpass = c * average + apIn - c * apOut
            apIn = average
            apOut = allpass
            previous = current
            buffer[index] = Float(loss * allpass)
            index += 1
            if index == delay { index = 0 }
        }
        return out
    }
}
