import Foundation
import Tensors

/// Recovers a linear magnitude spectrogram from mel energies: the nonnegative least-squares fit
/// min ||W x - m||^2 subject to x >= 0, per frame (what librosa.feature.inverse.mel_to_stft solves).
///
/// Chosen over a clamped pseudo-inverse because the pseudo-inverse's minimum-norm answer rings
/// negative between filter centres and clamping those to 0 throws energy away; the nonnegative fit
/// keeps the mel energies (W x ~ m) while staying a valid magnitude. librosa solves it with
/// L-BFGS-B; here it is accelerated projected gradient (FISTA), started from the clamped
/// pseudo-inverse, which converges to the same minimiser and needs only products with the sparse W.
public struct MelInverse: Sendable {
    public let filterbank: MelFilterbank
    /// Projected-gradient steps per frame; 0 returns the clamped pseudo-inverse.
    public var iterations: Int
    /// (W W^T)^-1, nMels x nMels, for the pseudo-inverse start.
    let gramInverse: [Double]
    /// 1 / the largest eigenvalue of W^T W: the step that keeps projected gradient monotone.
    let step: Float

    public init(filterbank: MelFilterbank, iterations: Int = 200) throws {
        guard iterations >= 0 else { throw AudioError.invalidArgument("iterations", "expected >= 0, got \(iterations)") }
        self.filterbank = filterbank
        self.iterations = iterations
        let m = filterbank.nMels, bins = filterbank.bins, w = filterbank.weights
        var gram = [Double](repeating: 0, count: m * m)
        for i in 0..<m {
            for j in i..<m {
                let r = filterbank.ranges[i].clamped(to: filterbank.ranges[j])
                var s = 0.0
                for b in r { s += Double(w[i * bins + b]) * Double(w[j * bins + b]) }
                gram[i * m + j] = s
                gram[j * m + i] = s
            }
        }
        gramInverse = Self.invertSPD(gram, m)
        step = Float(1 / (Self.largestEigenvalue(gram, m) * 1.01))
    }

    /// Linear magnitudes (frames x bins) whose mel projection best matches `mel` (frames x nMels, not log).
    public func callAsFunction(_ mel: Spectrogram) throws -> Spectrogram {
        let fb = filterbank, m = fb.nMels, bins = fb.bins
        guard mel.bins == m else { throw AudioError.invalidArgument("mel", "expected \(m) mel bins, got \(mel.bins)") }
        var out = [Float](repeating: 0, count: mel.frames * bins)
        let iterations = iterations, step = step, gi = gramInverse
        mel.values.withUnsafeBufferPointer { y in
            out.withUnsafeMutableBufferPointer { o in
                Runtime.parallelRanges(mel.frames, minChunk: 4) { lo, hi in
                    var coef = [Float](repeating: 0, count: m)
                    var x = [Float](repeating: 0, count: bins), z = x, grad = x, prev = x
                    var resid = [Float](repeating: 0, count: m)
                    for f in lo..<hi {
                        let yf = y.baseAddress! + f * m
                        // Start: x = max(0, W^T (W W^T)^-1 y).
                        for i in 0..<m {
                            var s = 0.0
                            for j in 0..<m { s += gi[i * m + j] * Double(yf[j]) }
                            coef[i] = Float(s)
                        }
                        fb.applyTransposed(coef, &x)
                        for b in 0..<bins { x[b] = max(0, x[b]) }
                        z = x
                        var t: Float = 1
                        for _ in 0..<iterations {
                            fb.apply(z, &resid)
                            for i in 0..<m { resid[i] -= yf[i] }
                            fb.applyTransposed(resid, &grad)
                            prev = x
                            for b in 0..<bins { x[b] = max(0, z[b] - step * grad[b]) }
                            let tNext = (1 + (1 + 4 * t * t).squareRoot()) / 2
                            let beta = (t - 1) / tNext
                            for b in 0..<bins { z[b] = x[b] + beta * (x[b] - prev[b]) }
                            t = tNext
                        }
                        for b in 0..<bins { o[f * bins + b] = x[b] }
                    }
                }
            }
        }
        return Spectrogram(unchecked: out, frames: mel.frames, bins: bins)
    }

    /// Inverse of a symmetric positive (semi)definite matrix by Cholesky, with a tiny ridge so an
    /// empty filter (a zero row, possible with many mels and a short n_fft) cannot make it singular.
    static func invertSPD(_ a: [Double], _ n: Int) -> [Double] {
        let trace = (0..<n).reduce(0.0) { $0 + a[$1 * n + $1] }
        let ridge = max(trace / Double(n), 1e-30) * 1e-10
        var l = [Double](repeating: 0, count: n * n)
        for i in 0..<n {
            for j in 0...i {
                var s = a[i * n + j] + (i == j ? ridge : 0)
                for k in 0..<j { s -= l[i * n + k] * l[j * n + k] }
                l[i * n + j] = i == j ? max(s, ridge).squareRoot() : s / l[j * n + j]
            }
        }
        // Solve L L^T X = I column by column.
        var inv = [Double](repeating: 0, count: n * n)
        var col = [Double](repeating: 0, count: n)
        for c in 0..<n {
            for i in 0..<n {
                var s = i == c ? 1.0 : 0
                for k in 0..<i { s -= l[i * n + k] * col[k] }
                col[i] = s / l[i * n + i]
            }
            for i in stride(from: n - 1, through: 0, by: -1) {
                var s = col[i]
                for k in (i + 1)..<n { s -= l[k * n + i] * inv[k * n + c] }
                inv[i * n + c] = s / l[i * n + i]
            }
        }
        return inv
    }

    /// Power iteration on a symmetric nonnegative matrix (the Gram matrix of nonnegative filters).
    static func largestEigenvalue(_ a: [Double], _ n: Int) -> Double {
        var v = [Double](repeating: 1 / Double(n).squareRoot(), count: n)
        var lambda = 0.0
        for _ in 0..<200 {
            var w = [Double](repeating: 0, count: n)
            for i in 0..<n { for j in 0..<n { w[i] += a[i * n + j] * v[j] } }
            let norm = w.reduce(0) { $0 + $1 * $1 }.squareRoot()
            if norm == 0 { return 1 }
            lambda = norm
            v = w.map { $0 / norm }
        }
        return lambda
    }
}
