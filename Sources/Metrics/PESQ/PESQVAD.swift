import Foundation

// The reference code's voice activity detector (pesqdsp.c apply_VAD), in float as there.

extension PESQSignal {
    /// apply_VAD: per 4 ms window, the power if the window is speech (0 otherwise) in `vad`, and
    /// log(power / threshold) in `logVAD`, the envelope the crude alignment correlates.
    mutating func computeVAD(_ rate: PESQRate) {
        let ds = rate.downsample, windows = count / ds
        var vad = [Float](repeating: 0, count: windows)
        for c in 0..<windows {
            for k in 0..<ds {
                let g = data[c * ds + k]
                vad[c] += g * g
            }
            vad[c] /= Float(ds)
        }
        var threshold: Float = 0
        for c in 0..<windows { threshold += vad[c] }
        threshold /= Float(windows)

        var levelMin: Float = 0
        for c in 0..<windows where vad[c] > levelMin { levelMin = vad[c] }
        levelMin = levelMin > 0 ? levelMin * 1.0e-4 : 1
        for c in 0..<windows where vad[c] < levelMin { vad[c] = levelMin }

        var noise: Float = 0
        for _ in 0..<12 {
            noise = 0
            var spread: Float = 0, length = 0
            for c in 0..<windows where vad[c] <= threshold {
                noise += vad[c]
                length += 1
            }
            if length > 0 {
                noise /= Float(length)
                for c in 0..<windows where vad[c] <= threshold {
                    let g = vad[c] - noise
                    spread += g * g
                }
                spread = Float((Double(spread / Float(length))).squareRoot())
            }
            threshold = 1.001 * (noise + 2.0 * spread)
        }

        noise = 0
        var level: Float = 0, length = 0
        for c in 0..<windows {
            if vad[c] > threshold {
                level += vad[c]
                length += 1
            } else {
                noise += vad[c]
            }
        }
        if length > 0 { level /= Float(length) } else { threshold = -1 }
        if length < windows { noise /= Float(windows - length) } else { noise = 1 }

        for c in 0..<windows where vad[c] <= threshold { vad[c] = -vad[c] }
        vad[0] = -levelMin
        vad[windows - 1] = -levelMin

        // Speech bursts of at most MINSPEECHLGTH windows are dropped.
        var start = 0, finish = 0
        for c in 1..<windows {
            if vad[c] > 0 && vad[c - 1] <= 0 { start = c }
            if vad[c] <= 0 && vad[c - 1] > 0 {
                finish = c
                if finish - start <= 4 { for k in start..<finish { vad[k] = -vad[k] } }
            }
        }
        // With a clear signal-to-noise ratio, weak bursts are dropped too.
        if level >= noise * 1000 {
            for c in 1..<windows {
                if vad[c] > 0 && vad[c - 1] <= 0 { start = c }
                if vad[c] <= 0 && vad[c - 1] > 0 {
                    finish = c
                    var g: Float = 0
                    for k in start..<finish { g += vad[k] }
                    if g < 3.0 * threshold * Float(finish - start) { for k in start..<finish { vad[k] = -vad[k] } }
                }
            }
        }
        // Gaps of at most JOINSPEECHLGTH windows between bursts are filled.
        start = 0
        finish = 0
        for c in 1..<windows {
            if vad[c] > 0 && vad[c - 1] <= 0 {
                start = c
                if finish > 0 && start - finish <= 50 { for k in finish..<start { vad[k] = levelMin } }
            }
            if vad[c] <= 0 && vad[c - 1] > 0 { finish = c }
        }
        start = 0
        for c in 1..<windows where vad[c] > 0 && vad[c - 1] <= 0 { start = c }
        if start == 0 {
            for c in 0..<windows { vad[c] = abs(vad[c]) }
            vad[0] = -levelMin
            vad[windows - 1] = -levelMin
        }
        var c = 3
        while c < windows - 2 {
            if vad[c] > 0 && vad[c - 2] <= 0 {
                vad[c - 2] = vad[c] * 0.1
                vad[c - 1] = vad[c] * 0.3
                c += 1
            }
            if vad[c] <= 0 && vad[c - 1] > 0 {
                vad[c] = vad[c - 1] * 0.3
                vad[c + 1] = vad[c - 1] * 0.1
                c += 3
            }
            c += 1
        }
        for c in 0..<windows where vad[c] < 0 { vad[c] = 0 }
        if threshold <= 0 { threshold = levelMin }
        var logVAD = [Float](repeating: 0, count: windows)
        for c in 0..<windows where vad[c] > threshold { logVAD[c] = Float(log(Double(vad[c] / threshold))) }
        self.vad = vad
        self.logVAD = logVAD
    }
}
