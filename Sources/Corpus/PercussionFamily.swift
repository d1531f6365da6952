import Foundation
import Tensors

/// Percussive hits (kick, snare-like, click, knock) alone, counted, as a steady beat, or as a kick-snare backbeat.
/// Recipe 5 (`countedHits`) makes counted hits of one instrument the commonest pattern, with the count uniform over
/// what a steady beat fits (1-8 in 4 s) and each hit ringing out before the next, so the count is audible.
public struct PercussionFamily: SoundFamily {
    public let name = "percussion"
    public var seconds: Double
    /// Recipes 1-4 count 2-6 hits at a gap that can be shorter than a kick's ring, so counted kicks blur together.
    public var countedHits: Bool

    public init(seconds: Double = 4, countedHits: Bool = false) {
        self.seconds = seconds
        self.countedHits = countedHits
    }

    struct Instrument {
        let id: String
        let nouns: [(sg: String, pl: String)]
        let repeated: [String] // said before "{times}": "knocking three times"
        let beat: [String]     // said before "beat": "a steady kick drum beat"
    }

    static let instruments = [
        Instrument(id: "kick", nouns: [("kick drum hit", "kick drum hits"), ("bass drum thump", "bass drum thumps"),
                                       ("kick", "kicks")],
                   repeated: ["a kick drum hit", "a bass drum struck", "a kick drum thumping"],
                   beat: ["kick drum", "bass drum", "four-on-the-floor kick"]),
        Instrument(id: "snare", nouns: [("snare hit", "snare hits"), ("snare drum crack", "snare drum cracks"),
                                        ("snare-like hit", "snare-like hits")],
                   repeated: ["a snare drum hit", "a snare struck"], beat: ["snare", "snare drum"]),
        Instrument(id: "click", nouns: [("click", "clicks"), ("tick", "ticks"), ("sharp click", "sharp clicks")],
                   repeated: ["clicking", "a click repeated", "ticking"], beat: ["click track", "metronome click", "ticking"]),
        Instrument(id: "knock", nouns: [("knock", "knocks"), ("knock on a door", "knocks on a door"),
                                        ("wooden knock", "wooden knocks")],
                   repeated: ["knocking", "someone knocking", "a knock on wood repeated"], beat: []),
    ]

    static let singleTemplates = ["a single {sg}", "one {sg}", "a {sg}", "just one {sg}"]
    static let countTemplates = ["{count} {pl}", "{count} {spacing} {pl}", "{repeated} {times}", "{repeated} {times}, {pace}",
                                 "{pl}, {count} of them"]
    /// Recipe 5's extra counted phrasings ("a click repeated 5 times", "three knocks on a door in a row").
    static let countedTemplates = countTemplates + ["a {sg} repeated {times}", "{count} {pl} in a row", "exactly {count} {pl}",
                                                    "{count} {spacing} {pl}, one after another"]
    /// Recipe 5's shortest gap between hits of each instrument: at least the hit's length (`hitLength`) plus 50 ms,
    /// so every hit has rung out before the next one starts.
    static let shortestGap = ["kick": 0.45, "snare": 0.35, "click": 0.15, "knock": 0.2]
    static let hitLength = ["kick": 0.4, "snare": 0.3, "click": 0.02, "knock": 0.15]
    static let countedStart = 0.1

    /// The most hits (at most 8) of `id` a steady beat at the shortest gap fits in `duration` seconds.
    static func mostHits(_ id: String, duration: Double) -> Int {
        (1...8).last { countedStart + Double($0 - 1) * shortestGap[id]! + hitLength[id]! + 0.05 <= duration } ?? 1
    }

    static let beatTemplates = ["a steady {beat} beat at {bpm}", "a {tempo} {beat} beat", "{beat} pulsing at {bpm}",
                                "{pl} at {bpm}, steady", "a {tempo} {beat} beat at {bpm}"]
    static let backbeatTemplates = ["kick and snare alternating at {bpm}", "a simple drum beat with kick and snare at {bpm}",
                                    "a {tempo} kick-and-snare rock beat", "a basic backbeat at {bpm}: kick, snare, kick, snare",
                                    "a {tempo} drum pattern of kick and snare"]

    public func render(rng: RandomGenerator) -> Clip {
        let n = sampleCount
        let duration = Double(n) / DSP.rate
        let pattern = rng.pick(countedHits ? ["single", "count", "count", "count", "count", "beat", "backbeat"]
                                           : ["single", "count", "count", "beat", "backbeat"])
        var instrument = rng.pick(Self.instruments)
        if pattern == "beat" && instrument.beat.isEmpty { instrument = Self.instruments[0] }
        if pattern == "backbeat" { instrument = Self.instruments[0] }
        let hit = Self.synthesize(instrument.id, rng)
        let snare = pattern == "backbeat" ? Self.synthesize("snare", rng) : []

        var onsets: [Double] = []
        var bpm = 0
        var interval = 0.0
        switch pattern {
        case "single":
            onsets = [rng.uniform(0.1, min(0.5, duration / 3))]
        case "count" where countedHits:
            let count = rng.int(1...Self.mostHits(instrument.id, duration: duration))
            let shortest = Self.shortestGap[instrument.id]!
            interval = rng.uniform(shortest, max(shortest, instrument.id == "kick" ? 0.7 : 0.6))
            // Slower beats shrink to fit the clip, never below the shortest gap (the count was drawn to fit it).
            let room = duration - Self.countedStart - Self.hitLength[instrument.id]! - 0.05
            if count > 1 && Double(count - 1) * interval > room { interval = max(shortest, room / Double(count - 1)) }
            onsets = (0..<count).map { Self.countedStart + Double($0) * interval }
        case "count":
            var count = rng.int(2...6)
            interval = instrument.id == "knock" ? rng.uniform(0.15, 0.35) : rng.uniform(0.2, 0.6)
            let start = 0.1
            // Fewer hits when they do not fit; the caption states what was rendered.
            while count > 2 && start + Double(count - 1) * interval + 0.2 > duration { count -= 1 }
            if start + Double(count - 1) * interval + 0.2 > duration { interval = (duration - 0.3) / Double(count - 1) }
            onsets = (0..<count).map { start + Double($0) * interval }
        default:
            bpm = rng.pick([60, 70, 80, 90, 100, 110, 120, 128, 140, 160])
            interval = 60 / Double(bpm)
            var t = 0.05
            while t < duration - 0.05 { onsets.append(t); t += interval }
        }
        var x = [Float](repeating: 0, count: n)
        for (i, t) in onsets.enumerated() {
            let sound = pattern == "backbeat" && i % 2 == 1 ? snare : hit
            DSP.add(sound, into: &x, at: Int(t * DSP.rate))
        }
        DSP.fadeEdges(&x, seconds: 0.003)
        DSP.normalize(&x)

        let noun = rng.pick(instrument.nouns)
        let tempoWord = bpm < 90 ? rng.pick(["slow", "relaxed"]) : bpm <= 130 ? rng.pick(["moderate", "medium-tempo"])
            : rng.pick(["fast", "driving", "quick"])
        let counted = onsets.count == 1 ? Self.singleTemplates : countedHits ? Self.countedTemplates : Self.countTemplates
        let templates = ["single": Self.singleTemplates, "count": counted, "beat": Self.beatTemplates,
                         "backbeat": Self.backbeatTemplates][pattern]!
        let caption = Words.fill(rng.pick(templates), [
            "sg": noun.sg, "pl": noun.pl, "count": Words.count(onsets.count, rng), "times": Words.times(onsets.count, rng),
            "repeated": rng.pick(instrument.repeated), "beat": instrument.beat.isEmpty ? "" : rng.pick(instrument.beat),
            "bpm": rng.chance(0.6) ? "\(bpm) BPM" : "\(bpm) beats per minute", "tempo": tempoWord,
            "spacing": interval < 0.3 ? rng.pick(["quick", "rapid"]) : rng.pick(["evenly spaced", "steady", "regular"]),
            "pace": interval < 0.3 ? rng.pick(["quickly", "in quick succession"]) : rng.pick(["evenly spaced", "steadily"]),
        ])
        var params = ["instrument": pattern == "backbeat" ? "kick+snare" : instrument.id, "pattern": pattern,
                      "count": String(onsets.count)]
        if bpm > 0 { params["tempo_bpm"] = String(bpm) }
        if interval > 0 { params["interval_ms"] = String(Int((interval * 1000).rounded())) }
        return Clip(samples: x, caption: caption, family: name, params: params)
    }

    /// One hit of the instrument, with a little random variation in tuning and decay.
    static func synthesize(_ id: String, _ rng: RandomGenerator) -> [Float] {
        switch id {
        case "kick":
            // A sine whose pitch drops fast from ~150 to ~50 Hz, plus a short noise click for the beater.
            let len = Int(0.4 * DSP.rate)
            let f0 = rng.uniform(110, 180), f1 = rng.uniform(40, 60), tau = rng.uniform(0.1, 0.25)
            var x = DSP.oscillator(count: len, amps: [1]) { i in f1 + (f0 - f1) * exp(-Double(i) / (0.04 * DSP.rate)) }
            let noise = DSP.white(Int(0.004 * DSP.rate), rng)
            for i in 0..<len { x[i] *= Float(exp(-Double(i) / (tau * DSP.rate))) }
            DSP.add(noise, into: &x, at: 0, gain: 0.15)
            DSP.fadeEdges(&x, seconds: 0.002)
            return x
        case "snare":
            // High-passed noise for the wires and a ~200 Hz body tone, each decaying exponentially.
            let len = Int(0.3 * DSP.rate)
            let tauN = rng.uniform(0.05, 0.12), body = rng.uniform(170, 240)
            var x = Biquad.apply(.highpass, hz: rng.uniform(800, 2000), to: DSP.white(len, rng))
            let tone = DSP.oscillator(count: len, waveform: .sine, hz: body)
            for i in 0..<len {
                let t = Double(i) / DSP.rate
                x[i] = 0.3 * x[i] * Float(exp(-t / tauN)) + 0.8 * tone[i] * Float(exp(-t / 0.04))
            }
            DSP.fadeEdges(&x, seconds: 0.001)
            return x
        case "click":
            // A couple of milliseconds of high-passed noise or a tiny 2-3 kHz blip, like a metronome.
            let len = Int(0.02 * DSP.rate)
            var x = rng.chance(0.5) ? Biquad.apply(.highpass, hz: 2000, to: DSP.white(len, rng))
                : DSP.oscillator(count: len, waveform: .sine, hz: rng.uniform(2000, 3000))
            for i in 0..<len { x[i] *= Float(exp(-Double(i) / (0.002 * DSP.rate))) }
            return x
        default:
            // Knock: two damped modes of a wooden panel plus a soft low-passed transient.
            let len = Int(0.15 * DSP.rate)
            let m1 = rng.uniform(180, 450), m2 = m1 * rng.uniform(1.5, 2.7), tau = rng.uniform(0.015, 0.04)
            let a = DSP.oscillator(count: len, waveform: .sine, hz: m1)
            let b = DSP.oscillator(count: len, waveform: .sine, hz: m2)
            var x = Biquad.apply(.lowpass, hz: 2000, to: DSP.white(len, rng))
            for i in 0..<len {
                let t = Double(i) / DSP.rate
                x[i] = 0.4 * x[i] * Float(exp(-t / 0.003)) + (a[i] + 0.5 * b[i]) * Float(exp(-t / tau))
            }
            DSP.fadeEdges(&x, seconds: 0.001)
            return x
        }
    }
}
