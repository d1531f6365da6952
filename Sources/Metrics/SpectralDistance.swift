import Audio
import Foundation

/// Distances between paired clips' spectra: log-spectral distance (LSD) and mel-cepstral distance (MCD).
///
/// Both compare frame by frame, so the clips must be time-aligned (a resynthesis or a
/// super-resolution output against its source); a longer clip is cut to the shorter one's length.
public enum SpectralDistance {
    /// LSD's STFT, as the audio super-resolution papers (NU-Wave, AudioSR) use: n_fft 2048, hop 512, hann.
    public static let lsdSTFT = STFTConfig(nFFT: 2048, hopLength: 512)
    /// Power below this (silence) is raised to it so the log stays finite.
    public static let powerFloor: Float = 1e-10

    /// mean over frames of sqrt(mean over bins of (log10 P₁ − log10 P₂)²), P the STFT power.
    public static func logSpectralDistance(_ x: [Float], _ y: [Float], stft config: STFTConfig = lsdSTFT) throws -> Double {
        let stft = try STFT(config)
        return try chunked(x, y) { a, b in try logSpectralSum(a, b, stft: stft) }
    }

    /// Clips longer than this many samples (60 s at 16 kHz; a multiple of both hops) are measured a chunk at a time,
    /// the distance the frame-weighted mean of the chunks' (a tail under a quarter chunk joins the chunk before it),
    /// so the spectra in memory stay one chunk's however long the clip: a 10-minute pair used to take 0.9 GB. Up to
    /// 1.25 chunks the clip is one chunk and the result is the whole-clip distance exactly.
    public static let chunkSamples = 960_000

    /// Aligns the clips (the longer cut to the shorter) and sums `measure`'s per-frame totals over the chunks.
    static func chunked(_ x: [Float], _ y: [Float], _ measure: ([Float], [Float]) throws -> (total: Double, frames: Int)) throws -> Double {
        guard !x.isEmpty else { throw MetricsError.invalidArgument("x", "expected a non-empty clip, got 0 samples") }
        guard !y.isEmpty else { throw MetricsError.invalidArgument("y", "expected a non-empty clip, got 0 samples") }
        let n = min(x.count, y.count)
        var total = 0.0, frames = 0, start = 0
        while start < n {
            var end = min(n, start + chunkSamples)
            if n - end < chunkSamples / 4 { end = n }
            let r = try measure(Array(x[start..<end]), Array(y[start..<end]))
            total += r.total
            frames += r.frames
            start = end
        }
        return total / Double(frames)
    }

    static func logSpectralSum(_ a: [Float], _ b: [Float], stft: STFT) throws -> (total: Double, frames: Int) {
        let px = try stft.forward(a), py = try stft.forward(b)
        let floor = powerFloor
        func log10Power(_ s: ComplexSpectrogram, _ i: Int) -> Double {
            Double(log10(max(s.real[i] * s.real[i] + s.imag[i] * s.imag[i], floor)))
        }
        var total = 0.0
        for f in 0..<px.frames {
            var sum = 0.0
            for k in 0..<px.bins {
                let d = log10Power(px, f * px.bins + k) - log10Power(py, f * px.bins + k)
                sum += d * d
            }
            total += (sum / Double(px.bins)).squareRoot()
        }
        return (total, px.frames)
    }

    /// Settings of the mel-cepstral distance.
    public struct MCDConfig: Sendable, Equatable {
        public var nFFT = 1024
        public var hopLength = 256
        public var nMels = 80
        /// Cepstral coefficients compared: 1...coefficients (c0, the overall level, is left out).
        public var coefficients = 13
        public init() {}
    }

    /// mean over frames of (10 / ln 10) √(2 Σ_{k=1..K} (c₁ₖ − c₂ₖ)²) in dB, c the orthonormal DCT-II of
    /// the natural-log mel magnitude spectrum (slaney mels over 0...rate/2, floored at 1e-5).
    public static func melCepstralDistance(_ x: [Float], _ y: [Float], sampleRate: Int, config: MCDConfig = MCDConfig()) throws -> Double {
        guard config.coefficients >= 1, config.coefficients < config.nMels else {
            throw MetricsError.invalidArgument("coefficients", "expected 1...\(config.nMels - 1) (fewer than the mel bands), got \(config.coefficients)")
        }
        let logMel = try LogMel(sampleRate: sampleRate, nFFT: config.nFFT, hopLength: config.hopLength, nMels: config.nMels,
                                fMin: 0, fMax: Double(sampleRate) / 2)
        let dct = DCT(size: config.nMels, coefficients: config.coefficients)
        let scale = 10 / log(10.0)
        return try chunked(x, y) { a, b in
            let ma = try logMel(a), mb = try logMel(b)
            var total = 0.0
            for f in 0..<ma.frames {
                let ca = dct.apply(ma.values, offset: f * ma.bins), cb = dct.apply(mb.values, offset: f * mb.bins)
                var sum = 0.0
                for k in 0..<config.coefficients { sum += (ca[k] - cb[k]) * (ca[k] - cb[k]) }
                total += scale * (2 * sum).squareRoot()
            }
            return (total, ma.frames)
        }
    }
}

/// Orthonormal DCT-II rows 1...coefficients (scipy.fft.dct(type=2, norm="ortho")), as a small table.
struct DCT {
    let size: Int, coefficients: Int
    let table: [Double]

    init(size: Int, coefficients: Int) {
        self.size = size
        self.coefficients = coefficients
        let norm = (2 / Double(size)).squareRoot()
        var t = [Double](repeating: 0, count: coefficients * size)
        for k in 1...coefficients {
            for n in 0..<size { t[(k - 1) * size + n] = norm * cos(Double.pi * Double(k) * Double(2 * n + 1) / Double(2 * size)) }
        }
        table = t
    }

    /// Coefficients 1...K of `values[offset ..< offset + size]`.
    func apply(_ values: [Float], offset: Int) -> [Double] {
        (0..<coefficients).map { k in
            var s = 0.0
            for n in 0..<size { s += table[k * size + n] * Double(values[offset + n]) }
            return s
        }
    }
}
