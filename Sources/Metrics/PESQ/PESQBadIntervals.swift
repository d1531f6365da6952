import Foundation

// Re-alignment of bad intervals (the second half of pesqmod.c pesq_psychoacoustic_model, and
// compute_delay): runs of badly disturbed frames are correlated again against the degraded signal;
// where a new delay is found with confidence, each frame keeps the smaller of its two disturbances.

extension PESQModel {
    /// MINIMUM_NUMBER_OF_BAD_FRAMES_IN_BAD_INTERVAL.
    static let minimumBadFrames = 5

    /// The degraded signal shifted by each utterance's delay onto the reference's time axis, clamped
    /// to the signal (tweaked_deg).
    private func alignedDegraded(_ maxCount: Int) -> [Float] {
        let sb = rate.searchBuffer, nn = rate.padding + maxCount
        var out = [Float](repeating: 0, count: nn)
        for i in sb..<(nn - sb) {
            let j = min(max(i + delay(at: i), sb), nn - sb - 1)
            out[i] = deg.data[j]
        }
        return out
    }

    /// Bad frames, smeared by two frames each way (a frame stays bad if both sides have a bad frame),
    /// grouped into intervals of at least five frames, as [start, stop) frame ranges. An interval that
    /// runs to the last frame is dropped, as in the C code.
    private func badIntervals(_ symmetric: [Float], stopFrame: Int) -> [(Int, Int)] {
        var bad = symmetric.map { $0 > Self.badFrameThreshold }
        bad[0] = false
        var smeared = [Bool](repeating: false, count: stopFrame + 1)
        let range = 2
        if stopFrame - range > range {
            for frame in range..<(stopFrame - range) {
                let left = (-range...0).contains { bad[frame + $0] }
                let right = (0...range).contains { bad[frame + $0] }
                smeared[frame] = left && right
            }
        }
        var intervals: [(Int, Int)] = []
        var frame = 0
        while frame <= stopFrame {
            while frame <= stopFrame && !smeared[frame] { frame += 1 }
            guard frame <= stopFrame else { break }
            let start = frame
            while frame <= stopFrame && smeared[frame] { frame += 1 }
            if frame <= stopFrame && frame - start >= Self.minimumBadFrames { intervals.append((start, frame)) }
        }
        return intervals
    }

    /// Re-aligns each bad interval within +-4 frames and recomputes its frames' disturbances on the
    /// re-aligned degraded signal, keeping the smaller value per frame.
    func realignBadIntervals(_ state: inout PESQFrames, bands: PESQBands, stopFrame: Int, window: [Float]) {
        let maxCount = max(ref.count, deg.count), sb = rate.searchBuffer, nf = frameLength
        let tweaked = alignedDegraded(maxCount)
        let intervals = badIntervals(state.symmetric, stopFrame: stopFrame)
        guard !intervals.isEmpty else { return }
        let search = 4 * nf
        var doubly = Array(tweaked[0..<(maxCount + rate.padding)])
        var delays: [Int] = []
        for (startFrame, stopFrameOfInterval) in intervals {
            let startSample = startFrame * (nf / 2) + sb
            let stopSample = stopFrameOfInterval * (nf / 2) + nf + sb
            let n = stopSample - startSample
            var refPart = [Float](repeating: 0, count: 2 * search + n)
            for i in 0..<n { refPart[search + i] = ref.data[startSample + i] }
            let limit = maxCount - sb + rate.padding
            let degPart = (0..<(2 * search + n)).map { i in tweaked[min(max(startSample - search + i, sb), limit - 1)] }
            let (delay, correlation) = compute(delayOf: refPart, degPart, search: search)
            delays.append(correlation < 0.5 ? 0 : delay)
        }
        for ((startFrame, stopFrameOfInterval), delay) in zip(intervals, delays) {
            let startSample = startFrame * (nf / 2) + sb
            let stopSample = stopFrameOfInterval * (nf / 2) + nf + sb
            for i in startSample..<stopSample { doubly[i] = tweaked[min(max(i + delay, 0), maxCount - 1)] }
        }
        for (startFrame, stopFrameOfInterval) in intervals {
            for frame in startFrame..<stopFrameOfInterval {
                let start = sb + frame * nf / 2
                bands.warp(powerSpectrum(doubly, start: start, window: window), into: &state.degraded, frame: frame)
            }
            var oldScale: Float = 1
            for frame in startFrame..<stopFrameOfInterval {
                let d = bands.frameDisturbance(frame: frame, oldScale: &oldScale, reference: state.reference, degraded: &state.degraded)
                state.symmetric[frame] = min(state.symmetric[frame], d.symmetric)
                state.asymmetric[frame] = min(state.asymmetric[frame], d.asymmetric)
            }
        }
    }

    /// compute_delay: the lag within +-search of the peak of the normalized cross-correlation of the
    /// two envelopes |x1| and |x2|, and that peak.
    private func compute(delayOf x1: [Float], _ x2: [Float], search: Int) -> (Int, Float) {
        let n = x1.count, size = PESQDSP.nextPowerOfTwo(2 * n)
        let power1 = PESQDSP.power(x1, 0, n, n) * Double(n) / Double(size)
        let power2 = PESQDSP.power(x2, 0, n, n) * Double(n) / Double(size)
        let normalization = (power1 * power2).squareRoot()
        if power1 <= 1e-6 || power2 <= 1e-6 { return (0, 0) }
        var a = [Float](repeating: 0, count: size + 2), b = a, y = a
        for i in 0..<n {
            a[i] = abs(x1[i])
            b[i] = abs(x2[i])
        }
        fft.real(&a, size)
        fft.real(&b, size)
        for i in 0...(size / 2) {
            a[2 * i] /= Float(size)
            a[2 * i + 1] /= Float(size)
        }
        for i in 0...(size / 2) {
            y[2 * i] = a[2 * i] * b[2 * i] + a[2 * i + 1] * b[2 * i + 1]
            y[2 * i + 1] = -a[2 * i + 1] * b[2 * i] + a[2 * i] * b[2 * i + 1]
        }
        fft.realInverse(&y, size)
        var best = 0, maxCorrelation: Float = 0
        for i in (-search)..<search {
            let h = Double(abs(y[i < 0 ? i + size : i])) / normalization
            if abs(h) > Double(maxCorrelation) {
                maxCorrelation = Float(abs(h))
                best = i
            }
        }
        return (best, maxCorrelation)
    }
}
