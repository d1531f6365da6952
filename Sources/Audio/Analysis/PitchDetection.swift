import Foundation

/// YIN fundamental-frequency estimation (de Cheveigné & Kawahara 2002), as librosa.yin computes it per frame,
/// reduced to one pitch per clip for probes that ask "is this the pitch the prompt named?".
public struct PitchDetector: Sendable {
    public var sampleRate: Int
    public var fmin: Double
    public var fmax: Double
    public var frameLength: Int
    public var hopLength: Int
    /// YIN's aperiodicity threshold: a dip of the normalized difference below it counts as a period.
    public var threshold: Float

    public init(sampleRate: Int = 16_000, fmin: Double = 50, fmax: Double = 4_000, frameLength: Int = 2048,
                hopLength: Int = 512, threshold: Float = 0.15) {
        self.sampleRate = sampleRate
        self.fmin = fmin
        self.fmax = fmax
        self.frameLength = frameLength
        self.hopLength = hopLength
        self.threshold = threshold
    }

    /// One sounding frame's estimate: the frequency (nil when no dip falls below the threshold) and the
    /// normalized difference at the chosen period (0 = perfectly periodic).
    public struct Estimate: Equatable, Sendable {
        public var frequency: Double?
        public var aperiodicity: Float
    }

    /// Per-frame estimates; nil where a frame is silent (below `floorDB` of the loudest frame).
    public func track(_ samples: [Float], floorDB: Double = -30) throws -> [Estimate?] {
        let tauMin = max(2, Int((Double(sampleRate) / fmax).rounded(.down)))
        let tauMax = Int((Double(sampleRate) / fmin).rounded(.up))
        let window = frameLength - tauMax
        guard fmin > 0, fmax > fmin, window > tauMax / 4, hopLength > 0 else {
            throw AudioError.invalidArgument("PitchDetector", "expected 0 < fmin < fmax and a frame longer than the longest period "
                + "(frameLength \(frameLength), fmin \(fmin) Hz needs more than \(tauMax) samples)")
        }
        guard samples.count >= frameLength else { return [] }
        let frames = (samples.count - frameLength) / hopLength + 1
        let energies = (0..<frames).map { f -> Double in
            let start = f * hopLength
            var e = 0.0
            for j in start..<(start + window) { e += Double(samples[j] * samples[j]) }
            return e / Double(window)
        }
        let loudest = energies.max() ?? 0
        guard loudest > 0 else { return Array(repeating: nil, count: frames) }
        let floor = loudest * pow(10, floorDB / 10)
        var d = [Float](repeating: 0, count: tauMax + 2)
        // d(tauMax + 1), which the parabolic fit can use, reaches one sample past the last frame when that frame ends
        // exactly at the clip's end (a 4-s clip at 16 kHz does): it reads a trailing zero, not past the buffer.
        return (samples + [0]).withUnsafeBufferPointer { x in
            (0..<frames).map { f -> Estimate? in
                guard energies[f] >= floor else { return nil }
                let start = f * hopLength
                for tau in 1...(tauMax + 1) {
                    var s: Float = 0
                    for j in start..<(start + window) { let v = x[j] - x[j + tau]; s += v * v }
                    d[tau] = s
                }
                // Cumulative-mean normalization: d'(tau) = d(tau) * tau / sum_{k<=tau} d(k).
                var running: Float = 0
                var cmnd = [Float](repeating: 1, count: tauMax + 2)
                for tau in 1...(tauMax + 1) {
                    running += d[tau]
                    cmnd[tau] = running > 0 ? d[tau] * Float(tau) / running : 1
                }
                var best = -1
                var tau = tauMin
                while tau <= tauMax {
                    if cmnd[tau] < threshold {
                        while tau + 1 <= tauMax, cmnd[tau + 1] < cmnd[tau] { tau += 1 }
                        best = tau
                        break
                    }
                    tau += 1
                }
                if best < 0 { return Estimate(frequency: nil, aperiodicity: cmnd[tauMin...tauMax].min() ?? 1) }
                // Parabolic interpolation on the raw difference, which is locally quadratic around a period (the
                // normalized one is skewed by its running mean and biases short periods, i.e. high pitches).
                let a = d[best - 1], b = d[best], c = d[best + 1]
                let denom = a - 2 * b + c
                let shift = denom != 0 ? Double(0.5 * (a - c) / denom) : 0
                let period = Double(best) + max(-0.5, min(0.5, shift))
                return Estimate(frequency: Double(sampleRate) / period, aperiodicity: cmnd[best])
            }
        }
    }

    /// The median frequency over periodic frames, or nil when fewer than `minVoicedFraction` of the sounding
    /// frames are periodic (noise, or a model's smear that has no pitch).
    public func fundamental(_ samples: [Float], minVoicedFraction: Double = 0.25) throws -> Double? {
        let sounding = try track(samples).compactMap { $0 }
        let voiced = sounding.compactMap(\.frequency).sorted()
        guard !voiced.isEmpty, Double(voiced.count) >= minVoicedFraction * Double(sounding.count) else { return nil }
        return voiced[voiced.count / 2]
    }

    /// Signed distance in semitones from `reference` to `frequency`.
    public static func semitones(_ frequency: Double, from reference: Double) -> Double {
        12 * log2(frequency / reference)
    }
}
