import Audio
import Foundation
import Tensors

/// A fixed, weight-free stand-in embedder: statistics of the log-mel spectrogram (`melstats`).
///
/// Until Foley ships a trained audio classifier, FAD needs embeddings that require no download.
/// This one is fully specified: 16 kHz mono, AudioLDM's log-mel (n_fft 1024, hop 160, 64 slaney
/// mels over 0-8000 Hz, ln(max(mel, 1e-5))); the embedding (256-d) is, per band, the mean and the
/// standard deviation over frames of the log-mel, then of its first difference along time (the
/// delta, x[t+1] - x[t]). It sees timbre and level statistics, not semantics, so its FAD is
/// comparable only with other `melstats` FADs, never with published VGGish or PANNs numbers.
public final class MelStatsEmbedder: AudioEmbedder {
    public let name = "melstats"
    public let sampleRate = 16000
    public static let bands = 64
    public let embeddingSize = 4 * MelStatsEmbedder.bands
    let logMel: LogMel

    public init() throws { logMel = try LogMel(sampleRate: 16000) }

    /// One row: [mean(64), std(64), mean of delta(64), std of delta(64)] (std with ddof 0).
    public func embed(_ samples: [Float]) throws -> Tensor {
        guard samples.count >= 2 * 160 else {
            throw MetricsError.invalidArgument("samples", "melstats needs at least 320 samples (2 frames at 16 kHz), got \(samples.count)")
        }
        let spec = try logMel(samples)
        let b = Self.bands, t = spec.frames
        var out = [Float](repeating: 0, count: embeddingSize)
        for k in 0..<b {
            let band = (0..<t).map { Double(spec.values[$0 * b + k]) }
            let delta = (0..<(t - 1)).map { band[$0 + 1] - band[$0] }
            let (m, s) = Self.meanStd(band), (dm, ds) = Self.meanStd(delta)
            out[k] = Float(m)
            out[b + k] = Float(s)
            out[2 * b + k] = Float(dm)
            out[3 * b + k] = Float(ds)
        }
        return Tensor(shape: [1, embeddingSize], data: out)
    }

    static func meanStd(_ x: [Double]) -> (Double, Double) {
        let m = x.reduce(0, +) / Double(x.count)
        let v = x.reduce(0) { $0 + ($1 - m) * ($1 - m) } / Double(x.count)
        return (m, v.squareRoot())
    }
}
