import Foundation

/// The slope of a sound's long-term power spectrum in dB per octave: 0 for white noise, -3 for pink, -6 for
/// brown (red); what a probe measures to tell noise colors apart.
public struct SpectralSlope: Sendable {
    public var sampleRate: Int
    public var nFFT: Int
    public var fmin: Double
    public var fmax: Double

    public init(sampleRate: Int = 16_000, nFFT: Int = 2048, fmin: Double = 100, fmax: Double = 6_000) {
        self.sampleRate = sampleRate
        self.nFFT = nFFT
        self.fmin = fmin
        self.fmax = fmax
    }

    /// Least-squares slope of 10 log10(mean power) against log2(frequency) over [fmin, fmax], in octave-wide
    /// weighting (each bin weighted by 1/f) so the dense high bins do not outvote the low octaves.
    public func dBPerOctave(_ samples: [Float]) throws -> Double {
        guard fmin > 0, fmax > fmin, fmax <= Double(sampleRate) / 2 else {
            throw AudioError.invalidArgument("SpectralSlope", "expected 0 < fmin < fmax <= \(sampleRate / 2) Hz, got \(fmin)...\(fmax)")
        }
        guard samples.count >= nFFT else {
            throw AudioError.invalidArgument("samples", "expected at least \(nFFT) samples to measure a spectral slope, got \(samples.count)")
        }
        let stft = try STFT(STFTConfig(nFFT: nFFT, hopLength: nFFT / 4, center: false))
        let mag = try stft.magnitude(samples)
        var power = [Double](repeating: 0, count: mag.bins)
        for f in 0..<mag.frames { for b in 0..<mag.bins { let m = Double(mag[f, b]); power[b] += m * m } }
        let binHz = Double(sampleRate) / Double(nFFT)
        var sw = 0.0, sx = 0.0, sy = 0.0, sxx = 0.0, sxy = 0.0
        for b in 1..<mag.bins {
            let hz = Double(b) * binHz
            guard hz >= fmin, hz <= fmax, power[b] > 0 else { continue }
            let w = 1 / hz, x = log2(hz), y = 10 * log10(power[b] / Double(mag.frames))
            sw += w; sx += w * x; sy += w * y; sxx += w * x * x; sxy += w * x * y
        }
        let denom = sw * sxx - sx * sx
        guard denom > 0 else { throw AudioError.invalidArgument("samples", "silent: no spectrum to measure a slope on") }
        return (sw * sxy - sx * sy) / denom
    }
}
