import Foundation
import Tensors

/// Synthesis building blocks shared by the families: oscillators, noises, filters, envelopes, levels.
enum DSP {
    static let rate = Double(Clip.sampleRate)
    /// Partials above this are dropped so nothing aliases (0.45 of the rate leaves room for the fade-out band).
    static let partialLimit = 0.45 * rate

    static func count(_ seconds: Double) -> Int { max(1, Int((seconds * rate).rounded())) }

    // MARK: Oscillators

    /// A band-limited additive oscillator whose frequency may change every sample (sweeps, kicks).
    /// Harmonic k has amplitude `amps[k-1]`; sin(k·φ) comes from the Chebyshev recurrence, so one sin/cos
    /// per sample serves every partial, and partials fade out as they near the limit instead of popping.
    static func oscillator(count: Int, amps: [Double], startPhase: Double = 0, freq: (Int) -> Double) -> [Float] {
        var out = [Float](repeating: 0, count: count)
        var phase = startPhase
        let fadeBand = 0.05 * rate
        for n in 0..<count {
            let f = freq(n)
            let s1 = sin(phase), c1 = cos(phase)
            var acc = amps[0] * s1
            var sPrev = 0.0, sCur = s1
            var k = 2
            while k <= amps.count {
                let fk = Double(k) * f
                if fk >= partialLimit { break }
                let sNext = 2 * c1 * sCur - sPrev
                sPrev = sCur
                sCur = sNext
                let w = min(1, (partialLimit - fk) / fadeBand)
                acc += amps[k - 1] * w * sCur
                k += 1
            }
            out[n] = Float(acc)
            phase += 2 * .pi * f / rate
            if phase > 2 * .pi { phase -= 2 * .pi }
        }
        return out
    }

    static func oscillator(count: Int, waveform: Waveform, hz: Double) -> [Float] {
        oscillator(count: count, amps: waveform.amplitudes) { _ in hz }
    }

    // MARK: Noise

    static func white(_ count: Int, _ rng: RandomGenerator) -> [Float] {
        (0..<count).map { _ in rng.nextNormal() }
    }

    /// Pink (1/f) noise by Paul Kellet's refined three-pole filter of white noise (within 0.05 dB above 9 Hz at 44.1 kHz,
    /// close enough at 16 kHz for a spectral-slope check).
    static func pink(_ count: Int, _ rng: RandomGenerator) -> [Float] {
        var b0 = 0.0, b1 = 0.0, b2 = 0.0, b3 = 0.0, b4 = 0.0, b5 = 0.0, b6 = 0.0
        var out = [Float](repeating: 0, count: count)
        for n in 0..<count {
            let w = Double(rng.nextNormal())
            b0 = 0.99886 * b0 + w * 0.0555179
            b1 = 0.99332 * b1 + w * 0.0750759
            b2 = 0.96900 * b2 + w * 0.1538520
            b3 = 0.86650 * b3 + w * 0.3104856
            b4 = 0.55000 * b4 + w * 0.5329522
            b5 = -0.7616 * b5 - w * 0.0168980
            out[n] = Float(b0 + b1 + b2 + b3 + b4 + b5 + b6 + w * 0.5362)
            b6 = w * 0.115926
        }
        return out
    }

    /// Brown (1/f²) noise: leaky integration of white noise; the leak keeps it from drifting off, which only
    /// flattens the spectrum below a few hertz.
    static func brown(_ count: Int, _ rng: RandomGenerator) -> [Float] {
        var y = 0.0
        var out = [Float](repeating: 0, count: count)
        for n in 0..<count {
            y = 0.998 * y + Double(rng.nextNormal())
            out[n] = Float(y)
        }
        removeDC(&out)
        return out
    }

    // MARK: Levels and envelopes

    static func peak(_ x: [Float]) -> Float { x.reduce(0) { max($0, abs($1)) } }

    static func rms(_ x: [Float]) -> Float {
        guard !x.isEmpty else { return 0 }
        var s = 0.0
        for v in x { s += Double(v) * Double(v) }
        return Float((s / Double(x.count)).squareRoot())
    }

    static func decibels(_ x: Float) -> Double { 20 * log10(max(Double(x), 1e-10)) }

    /// Scales so the peak is `target` (0.9 leaves headroom for 16-bit rounding and later gain changes).
    static func normalize(_ x: inout [Float], peak target: Float = 0.9) {
        let p = peak(x)
        guard p > 1e-9 else { return }
        scale(&x, target / p)
    }

    static func scale(_ x: inout [Float], _ g: Float) {
        for i in x.indices { x[i] *= g }
    }

    static func removeDC(_ x: inout [Float]) {
        guard !x.isEmpty else { return }
        let mean = x.reduce(0.0) { $0 + Double($1) } / Double(x.count)
        for i in x.indices { x[i] -= Float(mean) }
    }

    /// Short raised-cosine ramps at both ends so no clip starts or stops with a click.
    static func fadeEdges(_ x: inout [Float], seconds: Double = 0.01) {
        let n = min(x.count / 2, Int(seconds * rate))
        guard n > 0 else { return }
        for i in 0..<n {
            let g = Float(0.5 - 0.5 * cos(Double.pi * Double(i) / Double(n)))
            x[i] *= g
            x[x.count - 1 - i] *= g
        }
    }

    /// An attack-hold-release gate: linear-in-cosine attack and release of the given lengths, 1 in between.
    static func gate(length: Int, attack: Int, release: Int) -> [Float] {
        var env = [Float](repeating: 1, count: length)
        let a = min(attack, length / 2), r = min(release, length / 2)
        for i in 0..<a { env[i] = Float(0.5 - 0.5 * cos(Double.pi * Double(i) / Double(a))) }
        for i in 0..<r { env[length - 1 - i] = Float(0.5 - 0.5 * cos(Double.pi * Double(i) / Double(r))) }
        return env
    }

    /// Adds `src` scaled by `gain` into `dst` starting at `offset`, clipping whatever falls past the end.
    static func add(_ src: [Float], into dst: inout [Float], at offset: Int, gain: Float = 1) {
        guard offset < dst.count else { return }
        let start = max(0, offset)
        let end = min(dst.count, offset + src.count)
        guard start < end else { return }
        for i in start..<end { dst[i] += gain * src[i - offset] }
    }

    /// Slowly varying random control signal in [-1, 1]: noise points every `1/rateHz` seconds, cosine-interpolated
    /// (wind gusts, surf swells, engine wobble).
    static func smoothRandom(count: Int, rateHz: Double, _ rng: RandomGenerator) -> [Float] {
        let step = max(1, Int(rate / rateHz))
        let points = (0...(count / step + 1)).map { _ in Double(rng.nextUniform()) * 2 - 1 }
        var out = [Float](repeating: 0, count: count)
        for n in 0..<count {
            let i = n / step
            let t = Double(n % step) / Double(step)
            let w = 0.5 - 0.5 * cos(Double.pi * t)
            out[n] = Float(points[i] * (1 - w) + points[i + 1] * w)
        }
        return out
    }
}

/// An oscillator timbre: the harmonic amplitudes of a band-limited waveform.
enum Waveform: String, CaseIterable {
    case sine, sawtooth, square, triangle, organ

    var amplitudes: [Double] {
        switch self {
        case .sine: return [1]
        case .sawtooth: return (1...40).map { 1 / Double($0) }
        case .square: return (1...40).map { $0 % 2 == 1 ? 1 / Double($0) : 0 }
        case .triangle:
            // Odd harmonics at 1/k² with alternating signs.
            return (1...20).map { (k: Int) -> Double in
                guard k % 2 == 1 else { return 0 }
                let sign: Double = k % 4 == 1 ? 1 : -1
                return sign / Double(k * k)
            }
        case .organ: return [1, 0.5, 0.35, 0.25, 0, 0.15, 0, 0.1]
        }
    }

    /// Adjectives a caption may use for this timbre.
    var adjectives: [String] {
        switch self {
        case .sine: return ["sine", "pure", "sinusoidal", "clean sine-wave"]
        case .sawtooth: return ["sawtooth", "buzzy sawtooth", "bright buzzy"]
        case .square: return ["square-wave", "square", "hollow square-wave"]
        case .triangle: return ["triangle-wave", "smooth triangle", "mellow triangle-wave"]
        case .organ: return ["organ-like", "reedy organ", "harmonic-rich organ"]
        }
    }
}

/// A second-order IIR section (RBJ audio-EQ cookbook), direct form I in double precision.
struct Biquad {
    var b0 = 1.0, b1 = 0.0, b2 = 0.0, a1 = 0.0, a2 = 0.0
    private var x1 = 0.0, x2 = 0.0, y1 = 0.0, y2 = 0.0

    enum Kind { case lowpass, highpass, bandpass }

    init(_ kind: Kind, hz: Double, q: Double = 0.7071) { set(kind, hz: hz, q: q) }

    /// Recomputes the coefficients in place, keeping the state, so a filter can sweep without clicks.
    mutating func set(_ kind: Kind, hz: Double, q: Double) {
        let w0 = 2 * Double.pi * min(max(hz, 10), 0.49 * DSP.rate) / DSP.rate
        let alpha = sin(w0) / (2 * q), c = cos(w0)
        let a0 = 1 + alpha
        switch kind {
        case .lowpass:
            b0 = (1 - c) / 2; b1 = 1 - c; b2 = (1 - c) / 2
        case .highpass:
            b0 = (1 + c) / 2; b1 = -(1 + c); b2 = (1 + c) / 2
        case .bandpass: // constant 0 dB peak gain
            b0 = alpha; b1 = 0; b2 = -alpha
        }
        a1 = -2 * c
        a2 = 1 - alpha
        b0 /= a0; b1 /= a0; b2 /= a0; a1 /= a0; a2 /= a0
    }

    mutating func tick(_ x: Float) -> Float {
        let xd = Double(x)
        let y = b0 * xd + b1 * x1 + b2 * x2 - a1 * y1 - a2 * y2
        x2 = x1; x1 = xd; y2 = y1; y1 = y
        return Float(y)
    }

    mutating func process(_ x: inout [Float]) {
        for i in x.indices { x[i] = tick(x[i]) }
    }

    /// Filters a copy with a fresh section of this kind.
    static func apply(_ kind: Kind, hz: Double, q: Double = 0.7071, to x: [Float]) -> [Float] {
        var f = Biquad(kind, hz: hz, q: q)
        var y = x
        f.process(&y)
        return y
    }
}
