import Tensors
import Foundation

/// Phase reconstruction from a magnitude spectrogram by fast Griffin-Lim (Perraudin et al. 2013),
/// the accelerated update librosa.griffinlim and torchaudio.functional.griffinlim use.
public struct GriffinLim: Sendable {
    public let stft: STFT
    public var iterations: Int
    /// The fast-GL momentum alpha; the update subtracts alpha / (1 + alpha) of the previous rebuild
    /// (0.99 as librosa and torchaudio; 0 is plain Griffin-Lim).
    public var momentum: Float
    /// Seeds the random initial phases; the same seed gives the same waveform.
    public var seed: UInt64
    /// Start from uniformly random phases (true) or from zero phase (false).
    public var randomInit: Bool

    public init(stft: STFT, iterations: Int = 32, momentum: Float = 0.99, seed: UInt64 = 0,
                randomInit: Bool = true) throws {
        guard iterations >= 0 else { throw AudioError.invalidArgument("iterations", "expected >= 0, got \(iterations)") }
        guard momentum >= 0, momentum < 1 else {
            throw AudioError.invalidArgument("momentum", "expected 0 <= momentum < 1, got \(momentum)")
        }
        self.stft = stft
        self.iterations = iterations
        self.momentum = momentum
        self.seed = seed
        self.randomInit = randomInit
    }

    /// A waveform whose STFT magnitude approximates `magnitude` (frames x bins, linear, not power).
    /// - Parameter length: output samples; by default the length the STFT's frame count implies.
    public func callAsFunction(_ magnitude: Spectrogram, length: Int? = nil) throws -> [Float] {
        let bins = stft.config.bins, count = magnitude.values.count
        guard magnitude.bins == bins else {
            throw AudioError.invalidArgument("magnitude", "expected \(bins) bins (n_fft \(stft.config.nFFT)), got \(magnitude.bins)")
        }
        guard magnitude.frames > 0 else { throw AudioError.invalidArgument("magnitude", "expected at least 1 frame, got 0") }
        if let bad = magnitude.values.firstIndex(where: { !$0.isFinite || $0 < 0 }) {
            throw AudioError.invalidArgument("magnitude", "expected finite values >= 0, got \(magnitude.values[bad]) at \(bad)")
        }
        let s = magnitude.values
        // Unit phasors, one per bin.
        var ar = [Float](repeating: 1, count: count), ai = [Float](repeating: 0, count: count)
        if randomInit {
            let rng = RandomGenerator(seed: seed)
            for i in 0..<count {
                let phi = 2 * Double.pi * Double(rng.nextUniform())
                ar[i] = Float(cos(phi))
                ai[i] = Float(sin(phi))
            }
        }
        // The signal length is pinned so every rebuild has exactly the input's frame count.
        let inner = stft.config.hopLength * (magnitude.frames - 1)
        var prevR = [Float](repeating: 0, count: count), prevI = prevR
        let beta = momentum / (1 + momentum)
        for _ in 0..<iterations {
            let y = try stft.inverse(applying(s, ar, ai, magnitude), length: inner)
            let rebuilt = try stft.forward(y)
            for i in 0..<count {
                let r = rebuilt.real[i] - beta * prevR[i], im = rebuilt.imag[i] - beta * prevI[i]
                // librosa adds tiny(float32) so a zero bin gets phase 0 instead of NaN.
                let norm = (r * r + im * im).squareRoot() + Float.leastNormalMagnitude
                ar[i] = r / norm
                ai[i] = im / norm
            }
            prevR = rebuilt.real
            prevI = rebuilt.imag
        }
        return try stft.inverse(applying(s, ar, ai, magnitude), length: length ?? inner)
    }

    /// magnitude * phasor as a complex spectrogram.
    private func applying(_ s: [Float], _ ar: [Float], _ ai: [Float], _ shape: Spectrogram) -> ComplexSpectrogram {
        var re = [Float](repeating: 0, count: s.count), im = re
        for i in 0..<s.count {
            re[i] = s[i] * ar[i]
            im[i] = s[i] * ai[i]
        }
        return ComplexSpectrogram(unchecked: re, imag: im, frames: shape.frames, bins: shape.bins)
    }

    /// Vocodes a log-mel spectrogram made by `frontEnd` (frames x mels, natural log): exp, the
    /// nonnegative mel inversion (`MelInverse`), then Griffin-Lim on the same STFT.
    public static func fromLogMel(_ logMel: Spectrogram, frontEnd: LogMel, iterations: Int = 32,
                                  momentum: Float = 0.99, seed: UInt64 = 0, melIterations: Int = 200,
                                  length: Int? = nil) throws -> [Float] {
        let mel = logMel.map { exp($0) }
        let linear = try MelInverse(filterbank: frontEnd.filterbank, iterations: melIterations)(mel)
        let gl = try GriffinLim(stft: frontEnd.stft, iterations: iterations, momentum: momentum, seed: seed)
        return try gl(linear, length: length)
    }
}
