import Foundation
import Tensors

/// The multi-resolution STFT loss of waveform autoencoders (auraloss' MultiResolutionSTFTLoss, which Stable Audio's
/// Oobleck trains with): at each FFT size, spectral convergence ||S - Ŝ||_F / ||S||_F (per clip) plus the mean absolute
/// difference of log magnitudes, averaged over the resolutions. The STFT is a strided Conv1d with the windowed DFT
/// basis as its weights, so the loss is differentiable through the engine's own convolution.
public struct MultiResolutionSTFTLoss {
    /// One resolution: its FFT size and the [2 x bins, 1, nFFT] Hann-windowed cosine and sine basis.
    struct Resolution {
        let nFFT: Int, hop: Int
        let basis: Tensor
    }

    let resolutions: [Resolution]
    /// auraloss' floor under the squared magnitude, so log and sqrt stay finite on silence.
    static let eps: Float = 1e-8

    /// - Parameter ffts: FFT sizes; each hop is a quarter of its size.
    public init(ffts: [Int]) {
        resolutions = ffts.map { n in
            let bins = n / 2 + 1
            var w = [Float](repeating: 0, count: 2 * bins * n)
            for k in 0..<bins {
                for t in 0..<n {
                    // Periodic Hann, torch.hann_window's default.
                    let win = 0.5 - 0.5 * cos(2 * Double.pi * Double(t) / Double(n))
                    let phase = 2 * Double.pi * Double(k * t % n) / Double(n)
                    w[k * n + t] = Float(win * cos(phase))
                    w[(bins + k) * n + t] = Float(-win * sin(phase))
                }
            }
            return Resolution(nFFT: n, hop: max(1, n / 4), basis: Tensor(shape: [2 * bins, 1, n], data: w))
        }
    }

    /// Magnitudes [B x C, bins, frames] of x [B, C, L] (centred frames: zero padding of nFFT / 2 at both ends).
    func magnitude(_ x: Tensor, _ r: Resolution) throws -> Tensor {
        let mono = try x.reshape([x.shape[0] * x.shape[1], 1, x.shape[2]])
        let spec = try Tensor.conv1d(mono, weight: r.basis, stride: r.hop, padding: r.nFFT / 2)
        let bins = r.nFFT / 2 + 1
        let re = try spec.slice(axis: 1, start: 0, end: bins), im = try spec.slice(axis: 1, start: bins, end: 2 * bins)
        return try (re * re + im * im + MultiResolutionSTFTLoss.eps).sqrt()
    }

    /// The loss of `estimate` against `target`, both [B, C, L], with its two terms summed over resolutions.
    public func callAsFunction(_ estimate: Tensor, _ target: Tensor) throws -> (loss: Tensor, convergence: Double, logMagnitude: Double) {
        guard estimate.shape == target.shape, estimate.rank == 3 else {
            throw TrainingError.invalidArgument("stft loss", "expected two [batch, channels, samples] tensors of one shape, got \(estimate.shape) and \(target.shape)")
        }
        var total: Tensor?
        var sc = 0.0, lm = 0.0
        for r in resolutions {
            let y = try GradMode.noGrad { try magnitude(target, r) }
            let yHat = try magnitude(estimate, r)
            let d = try yHat - y
            // Per clip, then averaged (auraloss takes one norm over the batch): the loss is then a mean over clips, so
            // a batch split across mpirun's ranks trains exactly as the whole batch in one process.
            let convergence = try ((d * d).sum(axes: [1, 2]).sqrt() / (try (y * y).sum(axes: [1, 2]).sqrt() + MultiResolutionSTFTLoss.eps)).mean()
            let logMag = try (yHat.log() - y.log()).abs().mean()
            let term = try convergence + logMag
            total = try total.map { try $0 + term } ?? term
            sc += Double(convergence.item)
            lm += Double(logMag.item)
        }
        let n = Float(resolutions.count)
        return (try total! / Tensor(scalar: n), sc / Double(n), lm / Double(n))
    }
}
