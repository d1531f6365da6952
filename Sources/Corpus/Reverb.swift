import Foundation

/// A Freeverb-style reverberator (Jezar's design): eight damped feedback combs in parallel, then four allpasses.
///
/// The comb and allpass lengths are Freeverb's 44.1 kHz tunings scaled to 16 kHz; they are mutually prime-ish so
/// the echoes smear into a dense tail instead of a flutter. `roomSize` is the comb feedback (0.7 small room,
/// 0.95 large hall); `damping` low-passes inside each comb so high frequencies die first, as in real rooms.
struct Reverb {
    static let combTunings = [1116, 1188, 1277, 1356, 1422, 1491, 1557, 1617]
    static let allpassTunings = [556, 441, 341, 225]

    var roomSize: Double
    var damping: Double
    var wet: Float

    /// The reverberation time of the average comb: 60 dB of decay over -3·D / (rate·log10 g) seconds.
    var t60: Double {
        let mean = Double(Self.combTunings.reduce(0, +)) / Double(Self.combTunings.count) * DSP.rate / 44_100
        return -3 * mean / (DSP.rate * log10(roomSize))
    }

    func process(_ x: [Float]) -> [Float] {
        let scale = DSP.rate / 44_100
        var wetSignal = [Float](repeating: 0, count: x.count)
        for tuning in Self.combTunings {
            let length = max(1, Int(Double(tuning) * scale))
            var buffer = [Float](repeating: 0, count: length)
            var index = 0
            var store: Float = 0
            let g = Float(roomSize), d = Float(damping)
            for n in 0..<x.count {
                let out = buffer[index]
                store = out * (1 - d) + store * d
                buffer[index] = x[n] + store * g
                wetSignal[n] += out
                index += 1
                if index == length { index = 0 }
            }
        }
        for tuning in Self.allpassTunings {
            let length = max(1, Int(Double(tuning) * scale))
            var buffer = [Float](repeating: 0, count: length)
            var index = 0
            for n in 0..<x.count {
                let delayed = buffer[index]
                let input = wetSignal[n]
                wetSignal[n] = delayed - input
                buffer[index] = input + delayed * 0.5
                index += 1
                if index == length { index = 0 }
            }
        }
        // Match the tail's level to the dry signal before mixing, so `wet` means a proportion and not a raw gain.
        let dryRMS = DSP.rms(x), wetRMS = DSP.rms(wetSignal)
        let match = wetRMS > 1e-12 ? dryRMS / wetRMS : 0
        return (0..<x.count).map { (1 - wet) * x[$0] + wet * match * wetSignal[$0] }
    }
}
