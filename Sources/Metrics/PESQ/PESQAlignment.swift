import Foundation

// Time alignment (pesqdsp.c crude_align, time_align, split_align): envelope cross-correlation for a
// coarse delay, then a histogram of per-window waveform correlation peaks for the delay to the sample.
// All of it runs in the shared scratch buffer at the C code's offsets.

extension PESQModel {
    /// pesq.h's double TWOPI, which pesqdsp.c and pesqmod.c see.
    static let twoPi = 6.28318530717959

    /// Which delay crude_align estimates: the whole signal's, one utterance's, or split_align's test
    /// segment kept in the last utterance slot.
    enum CrudeTarget { case wholeSignal, splitTest, utterance(Int) }

    /// crude_align: the delay (in samples, a multiple of Downsample) that best lines up the log-VAD
    /// envelopes, refining the whole-signal estimate for an utterance.
    func crudeAlign(_ target: CrudeTarget) {
        let ds = rate.downsample, degWindows = deg.count / ds
        var (nr, nd, startr, startd) = (ref.count / ds, degWindows, 0, 0)
        func segment(_ i: Int, _ estimate: Int) {
            startr = utterances.searchStart[i]
            startd = startr + estimate / ds
            if startd < 0 {
                startr = -estimate / ds
                startd = 0
            }
            nr = utterances.searchEnd[i] - startr
            nd = nr
            if startd + nd > degWindows { nd = degWindows - startd }
        }
        switch target {
        case .wholeSignal: break
        case .splitTest: segment(Self.maxUtterances - 1, utterances.delayEstimate[Self.maxUtterances - 1])
        case let .utterance(u): segment(u, utterances.crudeDelay)
        }
        var iMax = nr - 1
        if nr > 1 && nd > 1 {
            let (r0, d0, n1, n2) = (startr, startd, nr, nd)
            ref.logVAD.withUnsafeBufferPointer { r in
                deg.logVAD.withUnsafeBufferPointer { d in
                    scratch.withUnsafeMutableBufferPointer { y in
                        fft.crossCorrelation(r.baseAddress! + r0, n1, d.baseAddress! + d0, n2, into: y.baseAddress!)
                    }
                }
            }
            var best: Float = 0
            for c in 0..<(nr + nd - 1) where scratch[c] > best {
                best = scratch[c]
                iMax = c
            }
        }
        let delay = (iMax - nr + 1) * ds
        switch target {
        case .wholeSignal: utterances.crudeDelay = delay
        case .splitTest: utterances.delay[Self.maxUtterances - 1] = delay + utterances.delayEstimate[Self.maxUtterances - 1]
        case let .utterance(u): utterances.delayEstimate[u] = delay + utterances.crudeDelay
        }
    }

    /// The Hann window of the alignment FFTs into s[offset...].
    private func alignWindow(_ s: UnsafeMutablePointer<Float>, at offset: Int) {
        let n = rate.alignNfft
        for c in 0..<n { s[offset + c] = Float(0.5 * (1.0 - cos((Self.twoPi * Double(c)) / Double(n)))) }
    }

    /// |IFFT(conj(X1) * X2)| of the windowed frames at startr / startd, left in s[0..<n]; returns 0.99
    /// of its peak. X1 at 0, X2 at n + 2, the window at `window`.
    private func frameCorrelation(_ s: UnsafeMutablePointer<Float>, _ startr: Int, _ startd: Int, window: Int) -> Float {
        let n = rate.alignNfft, x2 = n + 2
        for c in 0..<n {
            s[c] = ref.data[c + startr] * s[window + c]
            s[x2 + c] = deg.data[c + startd] * s[window + c]
        }
        fft.real(s, n)
        fft.real(s + x2, n)
        for c in 0...(n / 2) {
            let r1 = s[2 * c], i1 = -s[2 * c + 1]
            s[2 * c] = r1 * s[x2 + 2 * c] - i1 * s[x2 + 2 * c + 1]
            s[2 * c + 1] = r1 * s[x2 + 2 * c + 1] + i1 * s[x2 + 2 * c]
        }
        fft.realInverse(s, n)
        var vMax: Float = 0
        for c in 0..<n {
            let r1 = abs(s[c])
            s[c] = r1
            if r1 > vMax { vMax = r1 }
        }
        return vMax * 0.99
    }

    /// The highest bin of the histogram at s[h...] as (signed lag, value).
    private func histogramPeak(_ s: UnsafeMutablePointer<Float>, _ h: Int) -> (Int, Float) {
        let n = rate.alignNfft
        var vMax: Float = 0, iMax = 0
        for c in 0..<n where s[h + c] > vMax {
            vMax = s[h + c]
            iMax = c
        }
        return (iMax >= n / 2 ? iMax - n : iMax, vMax)
    }

    /// time_align: the utterance's delay to the sample and its confidence, from a histogram of
    /// correlation peaks over 1/4-overlapping windows, smoothed by a triangle.
    func timeAlign(_ u: Int) {
        let n = rate.alignNfft, ds = rate.downsample
        let estimate = utterances.delayEstimate[u], searchEnd = utterances.searchEnd[u]
        var startr = utterances.searchStart[u] * ds, startd = startr + estimate
        if startd < 0 {
            startr = -estimate
            startd = 0
        }
        let (peak, confidence) = scratch.withUnsafeMutableBufferPointer { buf -> (Int, Float) in
            let s = buf.baseAddress!, x2 = n + 2, h = 4 + 2 * n, window = 5 * n
            for c in 0..<n { s[h + c] = 0 }
            alignWindow(s, at: window)
            while startd + n <= deg.count && startr + n <= searchEnd * ds {
                let vMax = frameCorrelation(s, startr, startd, window: window)
                for c in 0..<n where s[c] > vMax { s[h + c] += Float(pow(Double(vMax), 0.125)) }
                startr += n / 4
                startd += n / 4
            }
            var hSum: Float = 0
            for c in 0..<n {
                hSum += s[h + c]
                s[c] = s[h + c]
                s[x2 + c] = 0
            }
            let kernel = n / 64
            s[x2] = 1
            for c in 1..<kernel {
                s[x2 + c] = 1 - Float(c) / Float(kernel)
                s[x2 + n - c] = 1 - Float(c) / Float(kernel)
            }
            fft.real(s, n)
            fft.real(s + x2, n)
            for c in 0...(n / 2) {
                let r1 = s[2 * c], i1 = s[2 * c + 1]
                s[2 * c] = r1 * s[x2 + 2 * c] - i1 * s[x2 + 2 * c + 1]
                s[2 * c + 1] = r1 * s[x2 + 2 * c + 1] + i1 * s[x2 + 2 * c]
            }
            fft.realInverse(s, n)
            for c in 0..<n { s[h + c] = hSum > 0 ? abs(s[c]) / hSum : 0 }
            return histogramPeak(s, h)
        }
        utterances.delay[u] = estimate + peak
        utterances.delayConfidence[u] = confidence
    }

    /// What split_align found: the best break point of an utterance and the delays on either side.
    struct Split {
        var estimate1 = 0, delay1 = 0, confidence1: Float = 0
        var estimate2 = 0, delay2 = 0, confidence2: Float = 0
        var breakPoint = 0
    }

    /// split_align: tries up to 40 break points inside an utterance; for each, the delay before it
    /// (histogram built forwards) and after it (built backwards). Keeps the break point whose two
    /// delays differ by a VAD window or more with the highest summed confidence above the utterance's.
    func splitAlign(start: Int, speechStart: Int, speechEnd: Int, end: Int, estimate: Int, confidence: Float) -> Split {
        let n = rate.alignNfft, ds = rate.downsample, test = Self.maxUtterances - 1
        let h = 4 + 2 * n, window = 6 + 3 * n, kernel = n / 64
        let length = speechEnd - speechStart
        scratch.withUnsafeMutableBufferPointer { alignWindow($0.baseAddress!, at: window) }
        let delta = n / (4 * ds)
        let step = Int((0.801 * Double(length) + Double(40 * delta) - 1) / Double(40 * delta)) * delta
        let pad = max(length / 10, 75)
        var points = [speechStart + pad]
        repeat { points.append(points[points.count - 1] + step) } while points[points.count - 1] <= speechEnd - pad && points.count - 1 < 40
        let count = points.count - 1

        var ed1 = [Int](repeating: 0, count: count), ed2 = ed1, d1 = ed1, d2 = ed1
        for bp in 0..<count {
            utterances.delayEstimate[test] = estimate
            utterances.searchStart[test] = start
            utterances.searchEnd[test] = points[bp]
            crudeAlign(.splitTest)
            ed1[bp] = utterances.delay[test]
            utterances.delayEstimate[test] = estimate
            utterances.searchStart[test] = points[bp]
            utterances.searchEnd[test] = end
            crudeAlign(.splitTest)
            ed2[bp] = utterances.delay[test]
        }

        var startr = 0, startd = 0, hSum: Float = 0
        // One window pair into the histogram, each peak spread over a triangle of 2 * kernel - 1 lags.
        func accumulate(_ s: UnsafeMutablePointer<Float>) {
            let vMax = frameCorrelation(s, startr, startd, window: window)
            let nMax = Float(pow(Double(vMax), 0.125)) / Float(kernel)
            for c in 0..<n where s[c] > vMax {
                hSum += nMax * Float(kernel)
                for k in (1 - kernel)..<kernel { s[h + (c + k + n) % n] += nMax * (Float(kernel) - Float(abs(k))) }
            }
        }
        func reset(_ s: UnsafeMutablePointer<Float>) {
            for c in 0..<n { s[h + c] = 0 }
            hSum = 0
        }

        var dc1 = [Float](repeating: -2, count: count)
        scratch.withUnsafeMutableBufferPointer { buf in
            let s = buf.baseAddress!
            func forward(_ bp: Int, _ delay: Int) {
                while startd + n <= deg.count && startr + n <= points[bp] * ds {
                    accumulate(s)
                    startr += n / 4
                    startd += n / 4
                }
                let (lag, v) = histogramPeak(s, h)
                d1[bp] = delay + lag
                dc1[bp] = hSum > 0 ? v / hSum : 0
            }
            while let first = dc1.firstIndex(where: { $0 <= -2.0 }) {
                let delay = ed1[first]
                reset(s)
                startr = start * ds
                startd = startr + delay
                if startd < 0 {
                    startr = -delay
                    startd = 0
                }
                forward(first, delay)
                // Later break points with the same estimate extend the same histogram.
                for bp in (first + 1)..<max(first + 1, count) where ed1[bp] == delay && dc1[bp] <= -2.0 { forward(bp, delay) }
            }
        }

        var dc2 = dc1.map { $0 > confidence ? Float(-2) : 0 }
        scratch.withUnsafeMutableBufferPointer { buf in
            let s = buf.baseAddress!
            func backward(_ bp: Int, _ delay: Int) {
                while startd >= 0 && startr >= points[bp] * ds {
                    accumulate(s)
                    startr -= n / 4
                    startd -= n / 4
                }
                let (lag, v) = histogramPeak(s, h)
                d2[bp] = delay + lag
                dc2[bp] = hSum > 0 ? v / hSum : 0
            }
            while let last = dc2.lastIndex(where: { $0 <= -2.0 }) {
                let delay = ed2[last]
                reset(s)
                startr = end * ds - n
                startd = startr + delay
                if startd + n > deg.count {
                    startd = deg.count - n
                    startr = startd - delay
                }
                backward(last, delay)
                for bp in stride(from: last - 1, through: 0, by: -1) where ed2[bp] == delay && dc2[bp] <= -2.0 { backward(bp, delay) }
            }
        }

        var best = Split()
        for bp in 0..<count
        where abs(d2[bp] - d1[bp]) >= ds && dc1[bp] + dc2[bp] > best.confidence1 + best.confidence2
            && dc1[bp] > confidence && dc2[bp] > confidence {
            best = Split(estimate1: ed1[bp], delay1: d1[bp], confidence1: dc1[bp],
                         estimate2: ed2[bp], delay2: d2[bp], confidence2: dc2[bp], breakPoint: points[bp])
        }
        return best
    }
}
