/// Float32 audio at a sample rate, stored interleaved: `samples[frame * channels + channel]`.
///
/// Interleaved because libsndfile, soxr and libebur128 all take and return interleaved frames, so
/// file I/O, resampling and loudness need no copies; use `channel(_:)` / `planar` for per-channel DSP.
public struct AudioBuffer: Equatable, Sendable {
    public let sampleRate: Int
    public let channels: Int
    public var samples: [Float]

    /// The sample rates Foley accepts: 1 Hz up to 768 kHz (the highest rate of audio hardware and formats).
    public static let sampleRates = 1...768_000

    /// Wraps interleaved samples; `samples.count` must be a multiple of `channels`.
    public init(sampleRate: Int, channels: Int, interleaved samples: [Float]) throws {
        guard AudioBuffer.sampleRates.contains(sampleRate) else {
            throw AudioError.invalidArgument("sampleRate", "\(sampleRate) Hz is out of range (expected 1...768000 Hz)")
        }
        guard channels > 0 else {
            throw AudioError.invalidArgument("channels", "expected at least 1 channel, got \(channels)")
        }
        guard samples.count % channels == 0 else {
            throw AudioError.invalidArgument(
                "samples", "expected a multiple of \(channels) channels, got \(samples.count) samples")
        }
        self.sampleRate = sampleRate
        self.channels = channels
        self.samples = samples
    }

    /// A one-channel buffer.
    public init(mono samples: [Float], sampleRate: Int) throws {
        try self.init(sampleRate: sampleRate, channels: 1, interleaved: samples)
    }

    /// Interleaves equally long channels.
    public init(planar: [[Float]], sampleRate: Int) throws {
        guard let first = planar.first else {
            throw AudioError.invalidArgument("planar", "expected at least 1 channel, got none")
        }
        for (c, ch) in planar.enumerated() where ch.count != first.count {
            throw AudioError.invalidArgument(
                "planar[\(c)]", "expected \(first.count) samples like channel 0, got \(ch.count)")
        }
        let n = planar.count
        var out = [Float](repeating: 0, count: first.count * n)
        for (c, ch) in planar.enumerated() {
            for i in 0..<ch.count { out[i * n + c] = ch[i] }
        }
        try self.init(sampleRate: sampleRate, channels: n, interleaved: out)
    }

    /// Frames (samples per channel).
    public var frameCount: Int { samples.count / channels }

    /// Length in seconds.
    public var duration: Double { Double(frameCount) / Double(sampleRate) }

    /// One channel's samples, de-interleaved.
    public func channel(_ c: Int) -> [Float] {
        precondition(c >= 0 && c < channels, "channel \(c) out of 0..<\(channels)")
        if channels == 1 { return samples }
        return (0..<frameCount).map { samples[$0 * channels + c] }
    }

    /// All channels, de-interleaved.
    public var planar: [[Float]] { (0..<channels).map(channel) }

    /// The average of all channels (an equal-weight downmix, as librosa's `to_mono`).
    public func mixedToMono() -> AudioBuffer {
        if channels == 1 { return self }
        let scale = 1 / Float(channels)
        var out = [Float](repeating: 0, count: frameCount)
        for f in 0..<frameCount {
            var s: Float = 0
            for c in 0..<channels { s += samples[f * channels + c] }
            out[f] = s * scale
        }
        return AudioBuffer(unchecked: out, sampleRate: sampleRate, channels: 1)
    }

    /// For internal results whose shape is right by construction.
    init(unchecked samples: [Float], sampleRate: Int, channels: Int) {
        self.sampleRate = sampleRate
        self.channels = channels
        self.samples = samples
    }

    /// The same layout with new samples (e.g. after a gain or a crop of whole frames).
    func with(samples: [Float]) -> AudioBuffer {
        AudioBuffer(unchecked: samples, sampleRate: sampleRate, channels: channels)
    }
}
