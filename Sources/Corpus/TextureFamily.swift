import Foundation
import Tensors

/// Noise-built environmental textures: rain, wind, surf, engine rumble and crackling fire, each at two intensities.
public struct TextureFamily: SoundFamily {
    public let name = "texture"
    public var seconds: Double

    public init(seconds: Double = 4) { self.seconds = seconds }

    struct Kind {
        let id: String
        let intensities: [(id: String, phrases: [String])]
        let frames: [String] // "{x}" is the phrase
    }

    static let kinds = [
        Kind(id: "rain", intensities: [
            ("light", ["light rain", "a gentle drizzle", "soft rain pattering", "light rain falling"]),
            ("heavy", ["heavy rain", "a downpour", "rain pouring hard", "a heavy rainstorm"]),
        ], frames: ["{x}", "the sound of {x}", "{x} on a rooftop", "{x} outside a window"]),
        Kind(id: "wind", intensities: [
            ("gentle", ["a gentle breeze", "soft wind", "light wind blowing", "a calm breeze"]),
            ("strong", ["strong wind howling", "gusty wind", "a howling gale", "strong gusts of wind"]),
        ], frames: ["{x}", "the sound of {x}", "{x} outdoors"]),
        Kind(id: "surf", intensities: [
            ("calm", ["gentle waves lapping", "calm surf", "small waves washing ashore", "quiet ocean waves"]),
            ("rough", ["waves crashing on the shore", "rough surf", "ocean waves breaking", "big waves crashing"]),
        ], frames: ["{x}", "the sound of {x}", "{x} at the beach"]),
        Kind(id: "engine", intensities: [
            ("idle", ["an engine idling", "a low engine rumble", "an idling motor", "a car engine idling"]),
            ("revving", ["an engine revving up", "a motor accelerating", "engine rumble rising in pitch", "a car engine revving"]),
        ], frames: ["{x}", "the sound of {x}", "{x} nearby"]),
        Kind(id: "fire", intensities: [
            ("small", ["a small crackling fire", "a campfire crackling", "fire crackling softly", "crackling embers"]),
            ("large", ["a roaring fire", "a large fire crackling and popping", "a big blaze crackling"]),
        ], frames: ["{x}", "the sound of {x}", "{x} in a fireplace"]),
    ]

    public func render(rng: RandomGenerator) -> Clip {
        let n = sampleCount
        let kind = rng.pick(Self.kinds)
        let level = rng.nextInt(2) // 0: the milder intensity, 1: the stronger
        var params: [String: String] = ["texture": kind.id, "intensity": kind.intensities[level].id]
        var x: [Float]
        switch kind.id {
        case "rain": x = rain(n, heavy: level == 1, rng, &params)
        case "wind": x = wind(n, strong: level == 1, rng, &params)
        case "surf": x = surf(n, rough: level == 1, rng, &params)
        case "engine": x = engine(n, revving: level == 1, rng, &params)
        default: x = fire(n, large: level == 1, rng, &params)
        }
        DSP.removeDC(&x)
        DSP.fadeEdges(&x, seconds: 0.05)
        DSP.normalize(&x)
        let frame = rng.pick(kind.frames)
        let caption = Words.fill(frame, ["x": rng.pick(kind.intensities[level].phrases)])
        return Clip(samples: x, caption: caption, family: name, params: params)
    }

    /// Poisson event times at `perSecond`, as sample offsets (exponential gaps).
    private func events(_ n: Int, perSecond: Double, _ rng: RandomGenerator) -> [Int] {
        var out: [Int] = []
        var t = 0.0
        while true {
            t += -log(max(Double(rng.nextUniform()), 1e-9)) / perSecond
            let i = Int(t * DSP.rate)
            if i >= n { return out }
            out.append(i)
        }
    }

    /// Rain: a band-limited hiss bed plus a Poisson stream of drop impacts, band-passed to the patter range;
    /// light rain adds audible "plinks" (short decaying sines) for individual drops.
    private func rain(_ n: Int, heavy: Bool, _ rng: RandomGenerator, _ p: inout [String: String]) -> [Float] {
        let rate = heavy ? rng.uniform(300, 700) : rng.uniform(20, 60)
        var impacts = [Float](repeating: 0, count: n)
        for i in events(n, perSecond: rate, rng) { impacts[i] += (rng.nextUniform() * 2 - 1) * (0.3 + rng.nextUniform()) }
        var drops = Biquad.apply(.bandpass, hz: rng.uniform(2500, 5000), q: 0.8, to: impacts)
        drops = Biquad.apply(.lowpass, hz: 7000, to: drops)
        var bed = Biquad.apply(.highpass, hz: 500, to: DSP.pink(n, rng))
        bed = Biquad.apply(.lowpass, hz: 6000, to: bed)
        DSP.normalize(&drops, peak: 1)
        DSP.normalize(&bed, peak: heavy ? 0.6 : 0.12)
        var x = zip(drops, bed).map { $0 + $1 }
        if !heavy {
            for i in events(n, perSecond: rate * 0.2, rng) {
                let len = Int(0.03 * DSP.rate)
                var plink = DSP.oscillator(count: len, waveform: .sine, hz: rng.uniform(1500, 4000))
                for k in 0..<len { plink[k] *= Float(exp(-Double(k) / (0.006 * DSP.rate))) }
                DSP.add(plink, into: &x, at: i, gain: 0.4 * rng.nextUniform())
            }
        }
        p["drops_per_s"] = String(Int(rate))
        return x
    }

    /// Wind: pink noise through a resonant band-pass whose center wanders (the whistle) with gusting loudness;
    /// strong wind has a narrower, higher-Q resonance that howls.
    private func wind(_ n: Int, strong: Bool, _ rng: RandomGenerator, _ p: inout [String: String]) -> [Float] {
        let source = DSP.pink(n, rng)
        let center = strong ? rng.uniform(400, 900) : rng.uniform(250, 600)
        let q = strong ? rng.uniform(4, 8) : rng.uniform(0.8, 1.5)
        let gustRate = strong ? rng.uniform(0.8, 1.6) : rng.uniform(0.3, 0.7)
        let wander = DSP.smoothRandom(count: n, rateHz: gustRate, rng)
        let gust = DSP.smoothRandom(count: n, rateHz: gustRate * 0.7, rng)
        var filter = Biquad(.bandpass, hz: center, q: q)
        var x = [Float](repeating: 0, count: n)
        for i in 0..<n {
            // Coefficients every 32 samples: smooth enough for a control signal this slow, and cheap.
            if i % 32 == 0 { filter.set(.bandpass, hz: center * pow(2, Double(wander[i]) * 0.8), q: q) }
            let amp = strong ? 0.45 + 0.55 * gust[i] : 0.6 + 0.3 * gust[i]
            x[i] = filter.tick(source[i]) * amp
        }
        p["gust_hz"] = String(format: "%.2f", gustRate)
        p["center_hz"] = String(Int(center))
        return x
    }

    /// Surf: low-passed noise swelling with each wave (slow rise, crash, long wash), the low-pass opening as it crashes.
    private func surf(_ n: Int, rough: Bool, _ rng: RandomGenerator, _ p: inout [String: String]) -> [Float] {
        let period = rough ? rng.uniform(2.5, 4.5) : rng.uniform(3.5, 6)
        let phase = rng.uniform(0, period)
        let noise = zip(DSP.pink(n, rng), DSP.brown(n, rng)).map { $0 + 0.05 * $1 }
        var filter = Biquad(.lowpass, hz: 800)
        var x = [Float](repeating: 0, count: n)
        for i in 0..<n {
            let t = (Double(i) / DSP.rate + phase).truncatingRemainder(dividingBy: period) / period
            // Rise over the first 40% of the cycle, crash, then an exponential wash back, shifted and scaled to
            // reach exactly 0 at the cycle's end so consecutive waves join without a step (which would click).
            let k = rough ? 5.0 : 7.0, floor = exp(-0.6 * k)
            let env = t < 0.4 ? pow(t / 0.4, 2) : (exp(-(t - 0.4) * k) - floor) / (1 - floor)
            let level = 0.15 + 0.85 * env
            if i % 32 == 0 { filter.set(.lowpass, hz: 300 + (rough ? 3500 : 2000) * env, q: 0.7071) }
            x[i] = filter.tick(noise[i]) * Float(level)
        }
        p["wave_period_s"] = String(format: "%.2f", period)
        return x
    }

    /// Engine: a low pulse train (harmonic series at the firing rate) plus rumble noise, low-passed; idling wobbles
    /// around a steady rate, revving glides the rate up.
    private func engine(_ n: Int, revving: Bool, _ rng: RandomGenerator, _ p: inout [String: String]) -> [Float] {
        let f0 = rng.uniform(25, 45)
        let f1 = revving ? f0 * rng.uniform(1.8, 3) : f0
        let wobble = DSP.smoothRandom(count: n, rateHz: 3, rng)
        let amps = (1...16).map { k in pow(0.8, Double(k - 1)) * (k % 2 == 0 ? 0.7 : 1) }
        let pulses = DSP.oscillator(count: n, amps: amps) { i in
            let t = Double(i) / Double(n)
            let s = t * t * (3 - 2 * t) // smoothstep: the rev starts and ends gently
            return (f0 + (f1 - f0) * s) * (1 + 0.02 * Double(wobble[i]))
        }
        var rumble = Biquad.apply(.lowpass, hz: 200, to: DSP.brown(n, rng))
        DSP.normalize(&rumble, peak: 0.5)
        var x = zip(pulses, rumble).map { $0 / 3 + $1 }
        x = Biquad.apply(.lowpass, hz: revving ? 1500 : 900, to: x)
        p["firing_hz_start"] = String(format: "%.1f", f0)
        p["firing_hz_end"] = String(format: "%.1f", f1)
        return x
    }

    /// Fire: a low roar of brown noise plus crackles (sub-millisecond high-passed bursts with heavy-tailed loudness)
    /// and a few pops (longer, lower bursts).
    private func fire(_ n: Int, large: Bool, _ rng: RandomGenerator, _ p: inout [String: String]) -> [Float] {
        var roar = Biquad.apply(.lowpass, hz: large ? 600 : 300, to: DSP.brown(n, rng))
        DSP.normalize(&roar, peak: large ? 0.5 : 0.15)
        var x = roar
        let rate = large ? rng.uniform(20, 50) : rng.uniform(8, 20)
        for i in events(n, perSecond: rate, rng) {
            let pop = rng.chance(0.1)
            let len = Int((pop ? rng.uniform(0.005, 0.015) : rng.uniform(0.0005, 0.003)) * DSP.rate) + 1
            var burst = Biquad.apply(pop ? .bandpass : .highpass, hz: pop ? rng.uniform(600, 1500) : 2500,
                                     to: DSP.white(len, rng))
            for k in 0..<len { burst[k] *= Float(exp(-Double(k) / Double(len) * 4)) }
            let u = rng.nextUniform()
            DSP.add(burst, into: &x, at: i, gain: 0.2 + 1.5 * u * u * u)
        }
        p["crackles_per_s"] = String(format: "%.1f", rate)
        return x
    }
}
