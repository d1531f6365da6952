import Foundation

/// The Hz <-> mel mapping: HTK's log formula or Slaney's (Auditory Toolbox) linear-then-log one.
public enum MelScale: String, Codable, Sendable {
    case htk, slaney

    /// Hz to mels, as librosa.hz_to_mel.
    public func mel(hz: Double) -> Double {
        switch self {
        case .htk: return 2595 * log10(1 + hz / 700)
        case .slaney:
            // Linear (200/3 Hz per mel) below 1 kHz, logarithmic above.
            let fsp = 200.0 / 3, minLogHz = 1000.0, minLogMel = minLogHz / fsp, logStep = log(6.4) / 27
            return hz >= minLogHz ? minLogMel + log(hz / minLogHz) / logStep : hz / fsp
        }
    }

    /// Mels to Hz, as librosa.mel_to_hz.
    public func hz(mel: Double) -> Double {
        switch self {
        case .htk: return 700 * (pow(10, mel / 2595) - 1)
        case .slaney:
            let fsp = 200.0 / 3, minLogHz = 1000.0, minLogMel = minLogHz / fsp, logStep = log(6.4) / 27
            return mel >= minLogMel ? minLogHz * exp(logStep * (mel - minLogMel)) : fsp * mel
        }
    }
}

/// Triangular mel filters as librosa.filters.mel, stored sparsely (each filter touches few FFT bins).
public struct MelFilterbank: Sendable {
    /// Filter weighting: "slaney" divides each triangle by its width in Hz (constant energy per band).
    public enum Norm: String, Sendable { case slaney, none }

    public let sampleRate: Int
    public let nFFT: Int
    public let nMels: Int
    public let fMin: Double
    public let fMax: Double
    public let scale: MelScale
    public let norm: Norm
    /// Dense nMels x (nFFT/2 + 1) row-major weights (librosa's layout).
    public let weights: [Float]
    /// First and one-past-last nonzero bin of each filter, so products skip the zeros.
    let ranges: [Range<Int>]

    public var bins: Int { nFFT / 2 + 1 }

    /// - Parameter fMax: defaults to sampleRate / 2.
    public init(sampleRate: Int, nFFT: Int, nMels: Int = 128, fMin: Double = 0, fMax: Double? = nil,
                scale: MelScale = .slaney, norm: Norm = .slaney) throws {
        let fMax = fMax ?? Double(sampleRate) / 2
        guard sampleRate > 0 else { throw AudioError.invalidArgument("sampleRate", "expected > 0 Hz, got \(sampleRate)") }
        guard nFFT >= 2 else { throw AudioError.invalidArgument("nFFT", "expected >= 2, got \(nFFT)") }
        guard nMels > 0 else { throw AudioError.invalidArgument("nMels", "expected > 0, got \(nMels)") }
        guard fMin >= 0, fMin < fMax else {
            throw AudioError.invalidArgument("fMin", "expected 0 <= fMin < fMax (\(fMax) Hz), got \(fMin)")
        }
        guard fMax <= Double(sampleRate) / 2 else {
            throw AudioError.invalidArgument("fMax", "expected <= Nyquist (\(sampleRate / 2) Hz), got \(fMax)")
        }
        self.sampleRate = sampleRate
        self.nFFT = nFFT
        self.nMels = nMels
        self.fMin = fMin
        self.fMax = fMax
        self.scale = scale
        self.norm = norm
        let bins = nFFT / 2 + 1
        // librosa works in float64 and stores float32; so do we, to match it to the last bit or two.
        let fftFreqs = (0..<bins).map { Double($0) * Double(sampleRate) / Double(nFFT) }
        let lo = scale.mel(hz: fMin), hi = scale.mel(hz: fMax)
        let melF = (0..<(nMels + 2)).map { scale.hz(mel: lo + (hi - lo) * Double($0) / Double(nMels + 1)) }
        var w = [Float](repeating: 0, count: nMels * bins)
        var ranges: [Range<Int>] = []
        for m in 0..<nMels {
            let lower = melF[m], center = melF[m + 1], upper = melF[m + 2]
            let enorm = norm == .slaney ? 2 / (upper - lower) : 1
            var first = bins, last = 0
            for b in 0..<bins {
                let up = (fftFreqs[b] - lower) / (center - lower)
                let down = (upper - fftFreqs[b]) / (upper - center)
                let v = max(0, min(up, down))
                if v > 0 {
                    // librosa stores the triangle as float32, then scales it by the float64 enorm.
                    w[m * bins + b] = Float(Double(Float(v)) * enorm)
                    first = min(first, b)
                    last = b + 1
                }
            }
            ranges.append(first < last ? first..<last : 0..<0)
        }
        weights = w
        self.ranges = ranges
    }

    /// Mel energies of one spectrum frame (`bins` values) into `out` (`nMels` values).
    @inline(__always)
    func apply(_ frame: UnsafePointer<Float>, _ out: UnsafeMutablePointer<Float>) {
        weights.withUnsafeBufferPointer { w in
            for m in 0..<nMels {
                var s: Float = 0
                let row = m * bins
                for b in ranges[m] { s += w[row + b] * frame[b] }
                out[m] = s
            }
        }
    }

    /// Applies the filterbank to each frame of a linear spectrogram: frames x bins -> frames x nMels.
    public func apply(_ spec: Spectrogram) throws -> Spectrogram {
        guard spec.bins == bins else {
            throw AudioError.invalidArgument("spec", "expected \(bins) bins (n_fft \(nFFT)), got \(spec.bins)")
        }
        var out = [Float](repeating: 0, count: spec.frames * nMels)
        spec.values.withUnsafeBufferPointer { x in
            out.withUnsafeMutableBufferPointer { o in
                for f in 0..<spec.frames { apply(x.baseAddress! + f * bins, o.baseAddress! + f * nMels) }
            }
        }
        return Spectrogram(unchecked: out, frames: spec.frames, bins: nMels)
    }

    /// y = W^T x for one frame: mel energies back onto FFT bins (the adjoint of `apply`).
    @inline(__always)
    func applyTransposed(_ mel: UnsafePointer<Float>, _ out: UnsafeMutablePointer<Float>) {
        for b in 0..<bins { out[b] = 0 }
        weights.withUnsafeBufferPointer { w in
            for m in 0..<nMels {
                let row = m * bins, v = mel[m]
                for b in ranges[m] { out[b] += w[row + b] * v }
            }
        }
    }
}

/// AudioLDM's log-mel front end and its settings.
public struct LogMel: Sendable {
    public let stft: STFT
    public let filterbank: MelFilterbank
    /// Magnitudes are clamped to this before the log, so silence maps to ln(1e-5) instead of -inf.
    public let floor: Float

    /// Defaults are AudioLDM's 16 kHz setup: n_fft 1024, hop 160, win 1024, hann, centred reflect
    /// padding, 64 slaney/slaney mels over 0-8000 Hz.
    public init(sampleRate: Int = 16000, nFFT: Int = 1024, hopLength: Int = 160, winLength: Int? = nil, window: Window = .hann,
                nMels: Int = 64, fMin: Double = 0, fMax: Double? = 8000, melScale: MelScale = .slaney, floor: Float = 1e-5) throws {
        stft = try STFT(STFTConfig(nFFT: nFFT, hopLength: hopLength, winLength: winLength, window: window))
        filterbank = try MelFilterbank(sampleRate: sampleRate, nFFT: nFFT, nMels: nMels, fMin: fMin, fMax: fMax, scale: melScale)
        self.floor = floor
    }

    /// ln(max(mel(|STFT(x)|), floor)), frames x mels (AudioLDM's "log_mel_spec", transposed to time-major).
    public func callAsFunction(_ signal: [Float]) throws -> Spectrogram {
        let mel = try filterbank.apply(stft.magnitude(signal))
        let floor = floor
        return mel.map { log(max($0, floor)) }
    }
}
