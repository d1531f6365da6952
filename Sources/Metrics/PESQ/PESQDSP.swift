import Foundation

// The reference code's own float DSP (dsp.c): a radix-2 complex FFT, real transforms built on it,
// FFT cross-correlation and cascaded biquads. Ported operation for operation in Float, because PESQ
// takes maxima of correlations and thresholds of levels: another FFT's rounding can move a delay by
// a sample or flip a frame between speech and silence, and the score with it.

/// The float FFT of the PESQ reference code, with its twiddle tables kept for the last size used.
final class PESQFFT {
    /// dsp.c's float TWOPI (pesq.h's double one is not visible there).
    private static let twoPi: Float = 6.283185307179586
    private var size = 0
    private var butterfly: [Int] = []
    private var twiddle: [Float] = []

    private func prepare(_ n: Int) {
        if n == size { return }
        size = n
        butterfly = [Int](repeating: 0, count: n >> 1)
        twiddle = [Float](repeating: 0, count: 2 * (n >> 1))
        for c in 0..<(n >> 1) {
            let theta = (Self.twoPi * Float(c)) / Float(n)
            twiddle[2 * c] = Float(cos(Double(theta)))
            twiddle[2 * c + 1] = Float(sin(Double(theta)))
        }
        var l = 1, k = n >> 2
        while k >= 1 {
            for c in 0..<l { butterfly[c + l] = butterfly[c] + k }
            l <<= 1
            k >>= 1
        }
    }

    /// In-place complex FFT of `n` interleaved (re, im) values; the inverse divides by `n`.
    private func complex(_ x: UnsafeMutablePointer<Float>, _ n: Int, inverse: Bool) {
        guard n > 1 else { return }
        prepare(n)
        var step = n >> 1, cycle = 1
        while cycle < n {
            var k1 = 0, k2 = step << 1
            for c in 0..<cycle {
                let nc = butterfly[c] << 1
                let re = twiddle[nc], im = twiddle[nc + 1]
                for _ in 0..<step {
                    let r1 = x[k1], i1 = x[k1 + 1], r2 = x[k2], i2 = x[k2 + 1]
                    if inverse {
                        x[k1] = r1 + re * r2 - im * i2
                        x[k1 + 1] = i1 + im * r2 + re * i2
                        x[k2] = r1 - re * r2 + im * i2
                        x[k2 + 1] = i1 - im * r2 - re * i2
                    } else {
                        x[k1] = r1 + re * r2 + im * i2
                        x[k1 + 1] = i1 - im * r2 + re * i2
                        x[k2] = r1 - re * r2 - im * i2
                        x[k2 + 1] = i1 + im * r2 - re * i2
                    }
                    k1 += 2
                    k2 += 2
                }
                k1 = k2
                k2 = k1 + (step << 1)
            }
            cycle <<= 1
            step >>= 1
        }
        let half = n >> 1
        var swap = [Int](repeating: 0, count: n)
        for c in 0..<half {
            swap[c] = butterfly[c] << 1
            swap[c + half] = 1 + swap[c]
        }
        for c in 0..<n {
            let s = swap[c]
            if s != c {
                swap[s] = s
                let a = c << 1, b = s << 1
                (x[a], x[b]) = (x[b], x[a])
                (x[a + 1], x[b + 1]) = (x[b + 1], x[a + 1])
            }
        }
        if inverse {
            let fn = Float(n)
            for c in 0..<(2 * n) { x[c] /= fn }
        }
    }

    /// RealFFT: `n` real samples in, n/2 + 1 complex bins out (so `x` holds n + 2 values).
    func real(_ x: UnsafeMutablePointer<Float>, _ n: Int) {
        var y = [Float](repeating: 0, count: 2 * n)
        for i in 0..<n { y[2 * i] = x[i] }
        y.withUnsafeMutableBufferPointer { complex($0.baseAddress!, n, inverse: false) }
        for i in 0...(n / 2) {
            x[2 * i] = y[2 * i]
            x[2 * i + 1] = y[2 * i + 1]
        }
    }

    /// RealIFFT: n/2 + 1 complex bins in, `n` real samples out.
    func realInverse(_ x: UnsafeMutablePointer<Float>, _ n: Int) {
        var y = [Float](repeating: 0, count: 2 * n)
        for i in 0...(n / 2) {
            y[2 * i] = x[2 * i]
            y[2 * i + 1] = x[2 * i + 1]
        }
        if n / 2 + 1 < n {
            for i in (n / 2 + 1)..<n {
                let j = n - i
                y[2 * i] = x[2 * j]
                y[2 * i + 1] = -x[2 * j + 1]
            }
        }
        y.withUnsafeMutableBufferPointer { complex($0.baseAddress!, n, inverse: true) }
        for i in 0..<n { x[i] = y[2 * i] }
    }

    func real(_ x: inout [Float], _ n: Int) { x.withUnsafeMutableBufferPointer { real($0.baseAddress!, n) } }
    func realInverse(_ x: inout [Float], _ n: Int) { x.withUnsafeMutableBufferPointer { realInverse($0.baseAddress!, n) } }

    /// FFTNXCorr: the full cross-correlation of x1 (n1 values) and x2 (n2 values) into y (n1 + n2 - 1 values).
    func crossCorrelation(_ x1: UnsafePointer<Float>, _ n1: Int, _ x2: UnsafePointer<Float>, _ n2: Int,
                          into y: UnsafeMutablePointer<Float>) {
        let nx = PESQDSP.nextPowerOfTwo(max(n1, n2))
        var t1 = [Float](repeating: 0, count: 2 * nx + 2), t2 = [Float](repeating: 0, count: 2 * nx + 2)
        for c in 0..<n1 { t1[n1 - 1 - c] = x1[c] }
        real(&t1, 2 * nx)
        for c in 0..<n2 { t2[c] = x2[c] }
        real(&t2, 2 * nx)
        for c in 0...nx {
            let d = c << 1, r1 = t1[d], i1 = t1[d + 1]
            t1[d] = r1 * t2[d] - i1 * t2[d + 1]
            t1[d + 1] = r1 * t2[d + 1] + i1 * t2[d]
        }
        realInverse(&t1, 2 * nx)
        for c in 0..<(n1 + n2 - 1) { y[c] = t1[c] }
    }
}

/// Integer helpers and the biquad cascade of dsp.c.
enum PESQDSP {
    /// nextpow2: the smallest power of two >= x (1 for x <= 1).
    static func nextPowerOfTwo(_ x: Int) -> Int {
        var c = 1
        while c < x { c <<= 1 }
        return c
    }

    /// IIRFilt without state: each (b0 b1 b2 a1 a2) section of `h` in turn over x[0..<count], in place.
    /// The branches of IIRsos are kept: skipping a zero coefficient also skips its rounding.
    static func iirFilter(_ h: [Float], sections: Int, _ x: UnsafeMutablePointer<Float>, _ count: Int) {
        for s in 0..<sections {
            let b0 = h[5 * s], b1 = h[5 * s + 1], b2 = h[5 * s + 2], a1 = h[5 * s + 3], a2 = h[5 * s + 4]
            var z1: Float = 0, z2: Float = 0
            if a1 != 0 || a2 != 0 {
                if b1 != 0 || b2 != 0 {
                    for i in 0..<count {
                        let z0 = x[i] - a1 * z1 - a2 * z2
                        x[i] = b0 * z0 + b1 * z1 + b2 * z2
                        z2 = z1
                        z1 = z0
                    }
                } else if b0 != 1 {
                    for i in 0..<count {
                        let z0 = x[i] - a1 * z1 - a2 * z2
                        x[i] = b0 * z0
                        z2 = z1
                        z1 = z0
                    }
                } else {
                    for i in 0..<count {
                        let z0 = x[i] - a1 * z1 - a2 * z2
                        x[i] = z0
                        z2 = z1
                        z1 = z0
                    }
                }
            } else if b1 != 0 || b2 != 0 {
                for i in 0..<count {
                    let z0 = x[i]
                    x[i] = b0 * z0 + b1 * z1 + b2 * z2
                    z2 = z1
                    z1 = z0
                }
            } else if b0 != 1 {
                for i in 0..<count { x[i] = b0 * x[i] }
            }
        }
    }

    /// pow_of: the mean of squares of x[start..<stop] over `divisor` (squares rounded to float, summed in double).
    static func power(_ x: [Float], _ start: Int, _ stop: Int, _ divisor: Int) -> Double {
        var p = 0.0
        for i in start..<max(start, stop) {
            let h = x[i]
            p += Double(h * h)
        }
        return p / Double(divisor)
    }
}
