import Foundation

// The perceptual model's driver (pesqmod.c pesq_psychoacoustic_model): Bark spectra of every frame,
// frequency-response and gain compensation, frame disturbances, frames skipped at delay jumps, bad
// intervals re-aligned, then the time aggregation (Lpq_weight) into the raw P.862 score.

/// The frame-by-frame state of the perceptual model.
struct PESQFrames {
    /// pitch_pow_dens_ref / _deg: Bark power densities, frame-major (frame * Nb + band).
    var reference: [Float]
    var degraded: [Float]
    /// frame_disturbance and frame_disturbance_asym_add.
    var symmetric: [Float]
    var asymmetric: [Float]
}

extension PESQModel {
    /// Frames are Nf = 8 VAD windows long (32 ms) with half overlap.
    var frameLength: Int { rate.downsample * 8 }

    /// The Hann window of the perceptual frames.
    var frameWindow: [Float] {
        let nf = frameLength
        return (0..<nf).map { Float(0.5 * (1.0 - cos((Self.twoPi * Double($0)) / Double(nf)))) }
    }

    /// pesq_psychoacoustic_model: the raw P.862 score 4.5 - 0.1 d - 0.0309 a of the aligned signals.
    func perceptualModel() throws -> Float {
        let bands = PESQBands(rate.fs), nb = bands.count
        let maxCount = max(ref.count, deg.count), sb = rate.searchBuffer, pad = rate.padding
        let nf = frameLength, window = frameWindow
        // Leading and trailing near-silence of the reference (5 samples summing under 500) is not scored.
        var skipStart = 0, sum: Float = 0
        repeat {
            sum = 0
            for i in 0..<5 { sum += abs(ref.data[sb + skipStart + i]) }
            if sum < 500 { skipStart += 1 }
        } while sum < 500 && skipStart < maxCount / 2
        var skipEnd = 0
        repeat {
            sum = 0
            for i in 0..<5 { sum += abs(ref.data[maxCount - sb + pad - 1 - skipEnd - i]) }
            if sum < 500 { skipEnd += 1 }
        } while sum < 500 && skipEnd < maxCount / 2
        let startFrame = skipStart / (nf / 2)
        let stopFrame = (maxCount - 2 * sb + pad - skipEnd) / (nf / 2) - 1
        guard stopFrame >= startFrame else {
            throw MetricsError.invalidArgument("reference", "no frame left to score after trimming its silent start and end")
        }
        let frames = stopFrame + 1

        var state = PESQFrames(reference: [Float](repeating: 0, count: frames * nb),
                               degraded: [Float](repeating: 0, count: frames * nb),
                               symmetric: [Float](repeating: 0, count: frames), asymmetric: [Float](repeating: 0, count: frames))
        var silent = [Bool](repeating: false, count: frames)
        let silentSpectrum = [Float](repeating: 0, count: nf / 2)
        for frame in 0..<frames {
            let startRef = sb + frame * nf / 2
            let startDeg = startRef + delay(at: startRef)
            bands.warp(powerSpectrum(ref.data, start: startRef, window: window), into: &state.reference, frame: frame)
            let degSpectrum = startDeg > 0 && startDeg + nf < maxCount + pad
                ? powerSpectrum(deg.data, start: startDeg, window: window) : silentSpectrum
            bands.warp(degSpectrum, into: &state.degraded, frame: frame)
            silent[frame] = bands.totalAudible(state.reference, frame: frame, factor: 100) < 1e7
        }
        let divisor = (maxCount - 2 * sb + pad) / (nf / 2) - 1
        let avgRef = bands.averageAudible(state.reference, frames: frames, silent: silent, divisor: divisor)
        let avgDeg = bands.averageAudible(state.degraded, frames: frames, silent: silent, divisor: divisor)
        bands.compensate(&state.reference, frames: frames, reference: avgRef, degraded: avgDeg)

        var totalPowerRef = [Float](repeating: 0, count: frames)
        var oldScale: Float = 1, anyBadFrame = false
        for frame in 0..<frames {
            let d = bands.frameDisturbance(frame: frame, oldScale: &oldScale, reference: state.reference, degraded: &state.degraded)
            state.symmetric[frame] = d.symmetric
            state.asymmetric[frame] = d.asymmetric
            totalPowerRef[frame] = d.referencePower
            if d.symmetric > Self.badFrameThreshold { anyBadFrame = true }
        }
        skipDelayJumps(&state, stopFrame: stopFrame)
        if anyBadFrame { realignBadIntervals(&state, bands: bands, stopFrame: stopFrame, window: window) }

        let timeWeight = timeWeights(frames: frames, maxCount: maxCount)
        for frame in 0..<frames {
            let h = Float(pow((Double(totalPowerRef[frame]) + 1e5) / 1e7, 0.04))
            state.symmetric[frame] /= h
            state.asymmetric[frame] /= h
            if state.symmetric[frame] > 45 { state.symmetric[frame] = 45 }
            if state.asymmetric[frame] > 45 { state.asymmetric[frame] = 45 }
        }
        let d = Self.lpqWeight(startFrame, stopFrame, 6, 2, state.symmetric, timeWeight)
        let a = Self.lpqWeight(startFrame, stopFrame, 6, 2, state.asymmetric, timeWeight)
        return Float(4.5 - 0.1 * Double(d) - 0.0309 * Double(a))
    }

    /// THRESHOLD_BAD_FRAMES: a frame disturbance above this marks a possibly misaligned frame.
    static let badFrameThreshold: Float = 30

    /// Where the delay drops by more than half a frame between utterances, the frames spanning the
    /// jump hold speech heard twice: their disturbances are zeroed.
    private func skipDelayJumps(_ state: inout PESQFrames, stopFrame: Int) {
        let ds = rate.downsample, half = frameLength / 2, sbw = Self.searchBufferWindows
        for u in 1..<max(1, utterances.count) {
            var frame1 = ((utterances.start[u] - sbw) * ds + utterances.delay[u]) / half
            let j = ((utterances.end[u - 1] - sbw) * ds + utterances.delay[u - 1]) / half
            let jump = utterances.delay[u] - utterances.delay[u - 1]
            if frame1 > j { frame1 = j }
            if frame1 < 0 { frame1 = 0 }
            if jump < -half {
                let frame2 = ((utterances.start[u] - sbw) * ds + max(0, abs(jump))) / half + 1
                for frame in stride(from: frame1, through: frame2, by: 1) where frame < stopFrame {
                    state.symmetric[frame] = 0
                    state.asymmetric[frame] = 0
                }
            }
        }
    }

    /// Weights rising over time for recordings longer than 1000 frames (16 s at 16 kHz).
    private func timeWeights(frames: Int, maxCount: Int) -> [Float] {
        guard frames > 1000 else { return [Float](repeating: 1, count: frames) }
        let n = (maxCount - 2 * rate.searchBuffer) / (frameLength / 2) - 1
        var factor = Double((Float(n) - 1000) / 5500)
        if factor > 0.5 { factor = 0.5 }
        return (0..<frames).map { frame in
            Float((1.0 - factor) + factor * Double(Float(frame)) / Double(Float(n)))
        }
    }

    /// Lpq_weight: the L`syllablePower` norm over 20-frame syllables (half overlapping), then the
    /// time-weighted L`timePower` norm of the syllables.
    static func lpqWeight(_ startFrame: Int, _ stopFrame: Int, _ syllablePower: Float, _ timePower: Float,
                          _ disturbance: [Float], _ timeWeight: [Float]) -> Float {
        var resultTime = 0.0, totalWeight = 0.0
        for first in stride(from: startFrame, through: stopFrame, by: 10) {
            var result = 0.0, count = 0
            for frame in first..<(first + 20) {
                if frame <= stopFrame { result += pow(Double(disturbance[frame]), Double(syllablePower)) }
                count += 1
            }
            result /= Double(count)
            result = pow(result, 1 / Double(syllablePower))
            let w = Double(timeWeight[first - startFrame])
            resultTime += pow(w * result, Double(timePower))
            totalWeight += pow(w, Double(timePower))
        }
        resultTime /= totalWeight
        return Float(pow(resultTime, Double(1 / timePower)))
    }
}
