import Foundation

/// The gain curve of a fade.
public enum FadeShape: String, Sendable {
    /// Gain rises in a straight line.
    case linear
    /// Raised cosine: starts and ends with zero slope, so the fade has no audible corner.
    case cosine

    func gain(_ t: Float) -> Float {
        switch self {
        case .linear: return t
        case .cosine: return 0.5 - 0.5 * cos(Float.pi * t)
        }
    }
}

/// Fades, silence trimming and length fitting: the edits applied to generated audio before it is written.
extension AudioBuffer {
    /// Fades in over the first `fadeIn` seconds and out over the last `fadeOut` seconds
    /// (each clipped to the buffer's length). The first and last frames become exactly 0.
    public func faded(in fadeIn: Double = 0, out fadeOut: Double = 0, shape: FadeShape = .linear) throws -> AudioBuffer {
        guard fadeIn >= 0, fadeIn.isFinite else { throw AudioError.invalidArgument("fadeIn", "expected seconds >= 0, got \(fadeIn)") }
        guard fadeOut >= 0, fadeOut.isFinite else { throw AudioError.invalidArgument("fadeOut", "expected seconds >= 0, got \(fadeOut)") }
        let frames = frameCount
        let nIn = min(frames, Int((fadeIn * Double(sampleRate)).rounded()))
        let nOut = min(frames, Int((fadeOut * Double(sampleRate)).rounded()))
        var s = samples
        for i in 0..<nIn {
            let g = shape.gain(Float(i) / Float(nIn))
            for c in 0..<channels { s[i * channels + c] *= g }
        }
        for i in 0..<nOut {
            let g = shape.gain(Float(nOut - 1 - i) / Float(nOut))
            let f = frames - nOut + i
            for c in 0..<channels { s[f * channels + c] *= g }
        }
        return with(samples: s)
    }

    /// Drops leading and trailing frames whose every channel stays below `thresholdDB` dBFS
    /// (|sample| < 10^(dB/20)), keeping `margin` seconds of the quiet part on each side so decays and
    /// attacks are not cut hard. All-quiet audio becomes 0 frames.
    ///
    /// Per-sample rather than windowed RMS: generated sounds have clean digital silence around them,
    /// and any single audible sample must survive.
    public func trimmedSilence(thresholdDB: Double = -60, margin: Double = 0) throws -> AudioBuffer {
        guard thresholdDB.isFinite else { throw AudioError.invalidArgument("thresholdDB", "expected a finite level in dBFS, got \(thresholdDB)") }
        guard margin >= 0, margin.isFinite else { throw AudioError.invalidArgument("margin", "expected seconds >= 0, got \(margin)") }
        let threshold = Float(Loudness.linear(thresholdDB))
        let frames = frameCount
        func loud(_ f: Int) -> Bool {
            for c in 0..<channels where abs(samples[f * channels + c]) >= threshold { return true }
            return false
        }
        guard let first = (0..<frames).first(where: loud) else { return with(samples: []) }
        let last = (0..<frames).last(where: loud)!
        let keep = Int((margin * Double(sampleRate)).rounded())
        let lo = max(0, first - keep), hi = min(frames, last + 1 + keep)
        return with(samples: Array(samples[(lo * channels)..<(hi * channels)]))
    }

    /// Exactly `frames` frames: crops the end, or pads it with silence.
    public func fitted(toFrames frames: Int) throws -> AudioBuffer {
        guard frames >= 0 else { throw AudioError.invalidArgument("frames", "expected >= 0, got \(frames)") }
        let n = frames * channels
        if n <= samples.count { return with(samples: Array(samples[0..<n])) }
        return with(samples: samples + [Float](repeating: 0, count: n - samples.count))
    }

    /// Exactly `seconds` long (rounded to the nearest frame): crops the end, or pads it with silence.
    public func fitted(toDuration seconds: Double) throws -> AudioBuffer {
        guard seconds >= 0, seconds.isFinite else { throw AudioError.invalidArgument("seconds", "expected >= 0, got \(seconds)") }
        return try fitted(toFrames: Int((seconds * Double(sampleRate)).rounded()))
    }
}
