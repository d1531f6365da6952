import CEbur128
import Foundation

/// BS.1770-4 loudness and peak measurement through libebur128, and the gains built on them.
public enum Loudness {
    /// Integrated (gated) loudness in LUFS; -infinity for silence or audio shorter than one 400 ms block.
    ///
    /// Channels use libebur128's default map (L, R, C, LFE, Ls, Rs); a mono buffer counts as one
    /// front channel with weight 1, as pyloudnorm and ffmpeg's ebur128 filter do.
    public static func integrated(_ buffer: AudioBuffer) throws -> Double {
        try measure(buffer, mode: EBUR128_MODE_I.rawValue) { st in
            var lufs = 0.0
            let err = ebur128_loudness_global(st, &lufs)
            guard err == Int32(EBUR128_SUCCESS.rawValue) else { throw failure("ebur128_loudness_global", err) }
            return lufs
        }
    }

    /// The highest true (inter-sample) peak over all channels, linear (1.0 = 0 dBTP), from
    /// libebur128's polyphase 4x oversampling (2x at 96 kHz and up) as BS.1770-4 Annex 2 specifies.
    public static func truePeak(_ buffer: AudioBuffer) throws -> Double {
        try measure(buffer, mode: EBUR128_MODE_TRUE_PEAK.rawValue) { st in
            var peak = 0.0
            for c in 0..<buffer.channels {
                var p = 0.0
                let err = ebur128_true_peak(st, UInt32(c), &p)
                guard err == Int32(EBUR128_SUCCESS.rawValue) else { throw failure("ebur128_true_peak", err) }
                peak = max(peak, p)
            }
            return peak
        }
    }

    /// The largest |sample|, linear.
    public static func samplePeak(_ buffer: AudioBuffer) -> Float {
        buffer.samples.reduce(0) { max($0, abs($1)) }
    }

    static func measure<T>(_ buffer: AudioBuffer, mode: UInt32, _ read: (UnsafeMutablePointer<ebur128_state>) throws -> T) throws -> T {
        guard !buffer.samples.isEmpty else { throw AudioError.invalidArgument("buffer", "expected audio to measure, got 0 frames") }
        guard let st = ebur128_init(UInt32(buffer.channels), UInt(buffer.sampleRate), Int32(bitPattern: mode)) else {
            throw AudioError.library("libebur128", "cannot measure \(buffer.channels) channels at \(buffer.sampleRate) Hz")
        }
        var state: UnsafeMutablePointer<ebur128_state>? = st
        defer { ebur128_destroy(&state) }
        let err = buffer.samples.withUnsafeBufferPointer { ebur128_add_frames_float(st, $0.baseAddress, buffer.frameCount) }
        guard err == Int32(EBUR128_SUCCESS.rawValue) else { throw failure("ebur128_add_frames_float", err) }
        return try read(st)
    }

    static func failure(_ call: String, _ code: Int32) -> AudioError {
        .library("libebur128", "\(call) failed with error \(code)")
    }

    /// dB (20 log10) of a linear amplitude.
    public static func decibels(_ linear: Double) -> Double { 20 * log10(linear) }

    /// The linear amplitude of a level in dB.
    public static func linear(_ decibels: Double) -> Double { pow(10, decibels / 20) }
}

extension AudioBuffer {
    /// Every sample multiplied by `gain` (linear).
    public func scaled(by gain: Float) -> AudioBuffer {
        with(samples: samples.map { $0 * gain })
    }

    /// Gain so the integrated loudness becomes `target` LUFS, then, if `truePeakCeiling` (dBTP) is
    /// given, the true-peak-safe scaling of `truePeakLimited`; the result can then end up quieter
    /// than `target` (a peaky sound cannot be that loud under the ceiling without compression).
    public func loudnessNormalized(to target: Double = -23, truePeakCeiling: Double? = -1) throws -> AudioBuffer {
        let measured = try Loudness.integrated(self)
        guard measured.isFinite else {
            throw AudioError.invalidArgument(
                "buffer", "cannot normalize loudness: silent or shorter than 0.4 s (integrated loudness is -inf)")
        }
        let out = scaled(by: Float(Loudness.linear(target - measured)))
        guard let ceiling = truePeakCeiling else { return out }
        return try out.truePeakLimited(to: ceiling)
    }

    /// Gain so the largest |sample| sits at `peak` dBFS. Silence is returned unchanged.
    public func peakNormalized(to peak: Double = -1) -> AudioBuffer {
        let p = Loudness.samplePeak(self)
        guard p > 0 else { return self }
        return scaled(by: Float(Loudness.linear(peak) / Double(p)))
    }

    /// Scales the whole buffer down, if needed, so its true peak is at most `ceiling` dBTP.
    ///
    /// A single gain rather than a lookahead limiter: it cannot distort or pump, and since scaling is
    /// linear the measured true peak after it lands exactly on the ceiling; the cost is that one
    /// transient lowers the level of everything. Louder masters need a real limiter upstream.
    public func truePeakLimited(to ceiling: Double = -1) throws -> AudioBuffer {
        let tp = try Loudness.truePeak(self)
        let limit = Loudness.linear(ceiling)
        guard tp > limit else { return self }
        // A hair under the ceiling so float rounding cannot land a peak just above it.
        return scaled(by: Float(limit / tp * (1 - 1e-6)))
    }
}
