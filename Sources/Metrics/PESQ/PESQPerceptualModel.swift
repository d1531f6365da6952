import Foundation

// The per-frame pieces of the perceptual model (pesqmod.c short_term_fft, freq_warping, total_audible,
// time_avg_audible_of, freq_resp_compensation, intensity_warping_of, pseudo_Lp,
// multiply_with_asymmetry_factor): power spectra to Bark bands, loudness, and frame disturbances.

/// The Bark band tables of one sample rate and the model's two scale constants.
struct PESQBands {
    /// Nb: 42 bands at 8 kHz, 49 at 16 kHz.
    let count: Int
    let binsPerBand: [Int]
    let centreBark: [Double]
    let widthBark: [Double]
    let powerCorrection: [Double]
    let threshold: [Double]
    /// Sp: scales FFT power to the model's power density.
    let sp: Float
    /// Sl: scales loudness to sone.
    let sl: Float

    init(_ fs: Int) {
        let wide = fs == 16000
        count = wide ? 49 : 42
        binsPerBand = wide ? PESQTables.bandsPerBark16k : PESQTables.bandsPerBark8k
        centreBark = wide ? PESQTables.centreBark16k : PESQTables.centreBark8k
        widthBark = wide ? PESQTables.widthBark16k : PESQTables.widthBark8k
        powerCorrection = wide ? PESQTables.powerDensityCorrection16k : PESQTables.powerDensityCorrection8k
        threshold = wide ? PESQTables.absoluteThreshold16k : PESQTables.absoluteThreshold8k
        sp = Float(wide ? 6.910853e-006 : 2.764344e-5)
        sl = Float(1.866055e-1)
    }

    /// freq_warping: sums FFT bins into Bark bands, scaled to power density, into density[frame * Nb...].
    func warp(_ spectrum: [Float], into density: inout [Float], frame: Int) {
        var bin = 0
        for band in 0..<count {
            var sum = 0.0
            for _ in 0..<binsPerBand[band] {
                sum += Double(spectrum[bin])
                bin += 1
            }
            sum *= powerCorrection[band]
            sum *= Double(sp)
            density[frame * count + band] = Float(sum)
        }
    }

    /// total_audible: the frame's power in bands 1... above `factor` times the hearing threshold.
    func totalAudible(_ density: [Float], frame: Int, factor: Float) -> Float {
        var result = 0.0
        for band in 1..<count {
            let h = density[frame * count + band]
            if h > Float(Double(factor) * threshold[band]) { result += Double(h) }
        }
        return Float(result)
    }

    /// time_avg_audible_of: per band, the sum over non-silent frames of the power above 100 times the
    /// threshold, divided by `divisor` frames.
    func averageAudible(_ density: [Float], frames: Int, silent: [Bool], divisor: Int) -> [Float] {
        (0..<count).map { band in
            var result = 0.0
            for frame in 0..<frames where !silent[frame] {
                let h = density[frame * count + band]
                if Double(h) > 100 * threshold[band] { result += Double(h) }
            }
            return Float(result / Double(divisor))
        }
    }

    /// freq_resp_compensation: scales each band of the reference by the degraded/reference ratio of
    /// the averages, kept within [0.01, 100].
    func compensate(_ density: inout [Float], frames: Int, reference: [Float], degraded: [Float]) {
        let constant: Float = 1000
        for band in 0..<count {
            var x = (degraded[band] + constant) / (reference[band] + constant)
            if x > 100 { x = 100 }
            if x < 0.01 { x = 0.01 }
            for frame in 0..<frames { density[frame * count + band] *= x }
        }
    }

    /// intensity_warping_of: Zwicker's loudness law per band, its exponent raised below 4 Bark.
    func loudness(_ density: [Float], frame: Int) -> [Float] {
        (0..<count).map { band in
            let threshold = Float(self.threshold[band]), input = density[frame * count + band]
            var h: Float = centreBark[band] < 4 ? 6 / (Float(centreBark[band]) + 2) : 1
            if h > 2 { h = 2 }
            h = Float(pow(Double(h), Double(Float(0.15))))
            let power = 0.23 * Double(h)
            var value: Float = 0
            if input > threshold {
                value = Float(pow(Double(threshold) / 0.5, power)
                    * (pow(0.5 + 0.5 * Double(input) / Double(threshold), power) - 1))
            }
            return value * sl
        }
    }

    /// pseudo_Lp: the Bark-width weighted Lp norm over bands 1..., times the total width.
    func pseudoLp(_ x: [Float], _ p: Float) -> Float {
        var totalWeight = 0.0, result = 0.0
        for band in 1..<count {
            let h = abs(x[band]), w = Float(widthBark[band])
            result += pow(Double(h * w), Double(p))
            totalWeight += Double(w)
        }
        result /= totalWeight
        result = pow(result, Double(1 / p))
        result *= totalWeight
        return Float(result)
    }

    /// multiply_with_asymmetry_factor: weights each band by (deg/ref power)^1.2, capped at 12 and
    /// zero below 3, so only added energy counts.
    func applyAsymmetry(_ disturbance: inout [Float], frame: Int, reference: [Float], degraded: [Float]) {
        for i in 0..<count {
            let ratio = (degraded[frame * count + i] + 50) / (reference[frame * count + i] + 50)
            var h = Float(pow(Double(ratio), Double(Float(1.2))))
            if h > 12 { h = 12 }
            if h < 3 { h = 0 }
            disturbance[i] *= h
        }
    }

    /// One frame of the disturbance computation, shared by the first pass and the bad-interval pass:
    /// gain-matches the degraded frame (smoothed with `oldScale`), then returns the symmetric (L2) and
    /// asymmetric (L1) disturbances with the dead zone removed, and the reference's audible power.
    func frameDisturbance(frame: Int, oldScale: inout Float, reference: [Float], degraded: inout [Float])
        -> (symmetric: Float, asymmetric: Float, referencePower: Float) {
        let refPower = totalAudible(reference, frame: frame, factor: 1)
        let degPower = totalAudible(degraded, frame: frame, factor: 1)
        var scale = (refPower + 5e3) / (degPower + 5e3)
        if frame > 0 { scale = 0.2 * oldScale + 0.8 * scale }
        oldScale = scale
        if scale > 5 { scale = 5 }
        if scale < Float(3e-4) { scale = Float(3e-4) }
        for band in 0..<count { degraded[frame * count + band] *= scale }
        let loudRef = loudness(reference, frame: frame), loudDeg = loudness(degraded, frame: frame)
        var d = (0..<count).map { loudDeg[$0] - loudRef[$0] }
        for band in 0..<count {
            let m = Float(Double(min(loudDeg[band], loudRef[band])) * 0.25)
            if d[band] > m {
                d[band] -= m
            } else if d[band] < -m {
                d[band] += m
            } else {
                d[band] = 0
            }
        }
        let symmetric = pseudoLp(d, 2)
        applyAsymmetry(&d, frame: frame, reference: reference, degraded: degraded)
        return (symmetric, pseudoLp(d, 1), refPower)
    }
}

extension PESQModel {
    /// short_term_fft: the power spectrum (Nf / 2 bins, DC zeroed) of the Hann-windowed frame at `start`.
    func powerSpectrum(_ data: [Float], start: Int, window: [Float]) -> [Float] {
        let nf = window.count
        var x = [Float](repeating: 0, count: nf + 2)
        for n in 0..<nf { x[n] = data[start + n] * window[n] }
        fft.real(&x, nf)
        var spectrum = [Float](repeating: 0, count: nf / 2)
        for k in 1..<(nf / 2) {
            let re = x[2 * k], im = x[2 * k + 1]
            spectrum[k] = re * re + im * im
        }
        return spectrum
    }

    /// The delay of the utterance that holds sample `i` of the reference (the first one's before it).
    func delay(at i: Int) -> Int {
        var u = utterances.count - 1
        while u >= 0 && utterances.start[u] * rate.downsample > i { u -= 1 }
        return utterances.delay[max(u, 0)]
    }
}
