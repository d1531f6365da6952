import Audio
import Foundation

/// VGGish's front end (torchvggish vggish_input / mel_features): 16 kHz audio to 96 x 64 log-mel patches.
///
/// 25 ms periodic-hann frames every 10 ms, |rfft| at 512 points, 64 HTK-mel triangles over
/// 125-7500 Hz built on the mel axis (not librosa's), the DC bin dropped, ln(mel + 0.01);
/// consecutive non-overlapping 96-frame (0.96 s) patches, the remainder dropped.
public struct VGGishInput: Sendable {
    public static let sampleRate = 16000
    public static let windowLength = 400, hopLength = 160, fftLength = 512
    public static let melBands = 64, patchFrames = 96
    public static let logOffset: Float = 0.01

    let stft: STFT
    /// melBands x bins row-major weights.
    let weights: [Float]

    public init() throws {
        // A 400-sample window centred in 512 zeros; `frames` pads the signal by the same 56 samples
        // so each FFT sees exactly mel_features' frame (only the magnitude is used, so the
        // position of the window inside the FFT buffer does not matter).
        stft = try STFT(STFTConfig(nFFT: Self.fftLength, hopLength: Self.hopLength, winLength: Self.windowLength,
                                   window: .hann, center: false))
        let bins = Self.fftLength / 2 + 1
        func mel(_ hz: Double) -> Double { 1127 * log(1 + hz / 700) }
        let lo = mel(125), hi = mel(7500)
        let edges = (0..<(Self.melBands + 2)).map { lo + (hi - lo) * Double($0) / Double(Self.melBands + 1) }
        var w = [Float](repeating: 0, count: Self.melBands * bins)
        for m in 0..<Self.melBands {
            for b in 1..<bins {  // bin 0 (DC) is zeroed, as mel_features does
                let f = mel(Double(Self.sampleRate) / 2 * Double(b) / Double(bins - 1))
                let up = (f - edges[m]) / (edges[m + 1] - edges[m]), down = (edges[m + 2] - f) / (edges[m + 2] - edges[m + 1])
                w[m * bins + b] = Float(max(0, min(up, down)))
            }
        }
        weights = w
    }

    /// ln(mel + 0.01), frames x 64, for a 16 kHz clip (frames = 1 + (samples - 400) / 160).
    public func logMel(_ samples: [Float]) throws -> Spectrogram {
        guard samples.count >= Self.windowLength else {
            throw MetricsError.invalidArgument("samples", "VGGish needs at least \(Self.windowLength) samples (25 ms at 16 kHz), got \(samples.count)")
        }
        let pad = (Self.fftLength - Self.windowLength) / 2
        let padded = [Float](repeating: 0, count: pad) + samples + [Float](repeating: 0, count: pad)
        let mag = try stft.magnitude(padded)
        let bins = mag.bins
        var out = [Float](repeating: 0, count: mag.frames * Self.melBands)
        for f in 0..<mag.frames {
            for m in 0..<Self.melBands {
                var s: Float = 0
                for b in 0..<bins { s += weights[m * bins + b] * mag.values[f * bins + b] }
                out[f * Self.melBands + m] = log(s + Self.logOffset)
            }
        }
        return try Spectrogram(frames: mag.frames, bins: Self.melBands, values: out)
    }

    /// The clip's patches as [patches, 1, 96, 64] values (empty if shorter than 0.96 s).
    public func patches(_ samples: [Float]) throws -> (count: Int, values: [Float]) {
        let spec = try logMel(samples)
        let n = spec.frames / Self.patchFrames
        return (n, Array(spec.values.prefix(n * Self.patchFrames * Self.melBands)))
    }
}
