import Foundation
import Tensors
import Corpus
import XCTest

/// Measurements the corpus tests make on rendered audio: spectral peaks, onsets, spectral slope.
enum Measure {
    static let rate = Double(Clip.sampleRate)

    /// In-place iterative radix-2 FFT (count must be a power of two).
    static func fft(_ re: inout [Double], _ im: inout [Double]) {
        let n = re.count
        var j = 0
        for i in 1..<n {
            var bit = n >> 1
            while j & bit != 0 { j ^= bit; bit >>= 1 }
            j |= bit
            if i < j { re.swapAt(i, j); im.swapAt(i, j) }
        }
        var len = 2
        while len <= n {
            let angle = -2 * Double.pi / Double(len)
            for start in stride(from: 0, to: n, by: len) {
                for k in 0..<(len / 2) {
                    let wr = cos(angle * Double(k)), wi = sin(angle * Double(k))
                    let a = start + k, b = a + len / 2
                    let tr = re[b] * wr - im[b] * wi, ti = re[b] * wi + im[b] * wr
                    re[b] = re[a] - tr; im[b] = im[a] - ti
                    re[a] += tr; im[a] += ti
                }
            }
            len <<= 1
        }
    }

    /// Power spectrum of a Hann-windowed frame, zero-padded to `size`.
    static func power(_ x: ArraySlice<Float>, size: Int) -> [Double] {
        var re = [Double](repeating: 0, count: size), im = [Double](repeating: 0, count: size)
        let m = min(x.count, size)
        for (i, v) in x.prefix(m).enumerated() {
            re[i] = Double(v) * (0.5 - 0.5 * cos(2 * Double.pi * Double(i) / Double(m)))
        }
        fft(&re, &im)
        return (0..<(size / 2)).map { re[$0] * re[$0] + im[$0] * im[$0] }
    }

    /// The strongest frequency in `range` (Hz), with parabolic interpolation between bins, over up to 2 s of signal.
    static func dominantFrequency(_ x: [Float], in range: ClosedRange<Double> = 40...7000) -> Double {
        let size = 32768
        let p = power(x[0..<min(x.count, size)], size: size)
        let lo = max(1, Int(range.lowerBound / rate * Double(size))), hi = min(p.count - 2, Int(range.upperBound / rate * Double(size)))
        var best = lo
        for k in lo...hi where p[k] > p[best] { best = k }
        let a = log(p[best - 1] + 1e-30), b = log(p[best] + 1e-30), c = log(p[best + 1] + 1e-30)
        let shift = (a - 2 * b + c) == 0 ? 0 : 0.5 * (a - c) / (a - 2 * b + c)
        return (Double(best) + shift) * rate / Double(size)
    }

    /// Counts sound events: 5 ms frame RMS crossing up through half the loudest frame, re-armed only after it
    /// falls under a tenth of it (hysteresis, so one beep's ripple is one onset).
    static func onsets(_ x: [Float]) -> Int {
        let frame = 80
        let env = stride(from: 0, to: x.count - frame, by: frame).map { s -> Float in
            var e: Float = 0
            for i in s..<(s + frame) { e += x[i] * x[i] }
            return (e / Float(frame)).squareRoot()
        }
        let top = env.max() ?? 0
        var count = 0, armed = true
        for e in env {
            if armed && e > 0.5 * top { count += 1; armed = false }
            if !armed && e < 0.1 * top { armed = true }
        }
        return count
    }

    /// Slope of the averaged power spectrum in log10(power) per decade of frequency between 100 Hz and 4 kHz:
    /// about 0 for white noise, -1 for pink, -2 for brown.
    static func spectralSlope(_ x: [Float]) -> Double {
        let size = 1024
        var avg = [Double](repeating: 0, count: size / 2)
        var frames = 0
        var s = 0
        while s + size <= x.count {
            let p = power(x[s..<(s + size)], size: size)
            for k in 0..<avg.count { avg[k] += p[k] }
            frames += 1
            s += size / 2
        }
        var xs: [Double] = [], ys: [Double] = []
        for k in 1..<avg.count {
            let f = Double(k) * rate / Double(size)
            if f >= 100 && f <= 4000 { xs.append(log10(f)); ys.append(log10(avg[k] / Double(frames) + 1e-30)) }
        }
        let mx = xs.reduce(0, +) / Double(xs.count), my = ys.reduce(0, +) / Double(ys.count)
        let num = zip(xs, ys).reduce(0) { $0 + ($1.0 - mx) * ($1.1 - my) }
        let den = xs.reduce(0) { $0 + ($1 - mx) * ($1 - mx) }
        return num / den
    }

    static func rms(_ x: [Float]) -> Float {
        (x.reduce(0) { $0 + $1 * $1 } / Float(max(1, x.count))).squareRoot()
    }
}

/// Renders clips of one family over many seeds, optionally keeping only those whose params match.
func renders(_ family: SoundFamily, seeds: Range<UInt64>, where keep: ([String: String]) -> Bool = { _ in true }) throws -> [Clip] {
    try seeds.map { try family.render(rng: RandomGenerator(seed: $0)) }.filter { keep($0.params) }
}

/// Standard checks every clip must pass: exact length, finite, peak at most 1 (0.9 by design), audible, a caption.
func checkBasics(_ clip: Clip, seconds: Double, file: StaticString = #filePath, line: UInt = #line) {
    XCTAssertEqual(clip.samples.count, Int((seconds * Double(Clip.sampleRate)).rounded()), "length: \(clip.caption)", file: file, line: line)
    XCTAssertTrue(clip.samples.allSatisfy { $0.isFinite }, "finite: \(clip.caption)", file: file, line: line)
    let peak = clip.samples.map(abs).max() ?? 0
    XCTAssertLessThanOrEqual(peak, 0.9001, "peak: \(clip.caption)", file: file, line: line)
    XCTAssertGreaterThan(peak, 0.01, "silent: \(clip.caption)", file: file, line: line)
    XCTAssertFalse(clip.caption.isEmpty, file: file, line: line)
    XCTAssertEqual(clip.params["family"], clip.family, file: file, line: line)
}
