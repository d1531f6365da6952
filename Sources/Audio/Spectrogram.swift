/// A real time-frequency array (magnitudes, mel energies, log-mel), row-major frames x bins:
/// `values[frame * bins + bin]`, so one frame is contiguous as the STFT and vocoders consume it.
public struct Spectrogram: Equatable, Sendable {
    public let frames: Int
    public let bins: Int
    public var values: [Float]

    public init(frames: Int, bins: Int, values: [Float]) throws {
        guard frames >= 0, bins > 0 else {
            throw AudioError.invalidArgument("shape", "expected frames >= 0 and bins > 0, got \(frames)x\(bins)")
        }
        guard values.count == frames * bins else {
            throw AudioError.invalidArgument(
                "values", "expected \(frames)x\(bins) = \(frames * bins) values, got \(values.count)")
        }
        self.frames = frames
        self.bins = bins
        self.values = values
    }

    /// For internal results whose shape is right by construction.
    init(unchecked values: [Float], frames: Int, bins: Int) {
        self.frames = frames
        self.bins = bins
        self.values = values
    }

    public subscript(frame: Int, bin: Int) -> Float {
        get { values[frame * bins + bin] }
        set { values[frame * bins + bin] = newValue }
    }

    /// The bins x frames layout (as librosa and torch return spectrograms).
    public func transposed() -> [Float] {
        var out = [Float](repeating: 0, count: values.count)
        for f in 0..<frames { for b in 0..<bins { out[b * frames + f] = values[f * bins + b] } }
        return out
    }

    /// Applies `body` to every value.
    public func map(_ body: (Float) -> Float) -> Spectrogram {
        Spectrogram(unchecked: values.map(body), frames: frames, bins: bins)
    }
}

/// A complex STFT, row-major frames x bins like `Spectrogram`, real and imaginary parts kept apart.
public struct ComplexSpectrogram: Equatable, Sendable {
    public let frames: Int
    public let bins: Int
    public var real: [Float]
    public var imag: [Float]

    public init(frames: Int, bins: Int, real: [Float], imag: [Float]) throws {
        guard frames >= 0, bins > 0, real.count == frames * bins, imag.count == frames * bins else {
            throw AudioError.invalidArgument(
                "real/imag", "expected \(frames)x\(bins) values each, got \(real.count) and \(imag.count)")
        }
        self.frames = frames
        self.bins = bins
        self.real = real
        self.imag = imag
    }

    init(unchecked real: [Float], imag: [Float], frames: Int, bins: Int) {
        self.frames = frames
        self.bins = bins
        self.real = real
        self.imag = imag
    }

    /// |X| per bin.
    public var magnitude: Spectrogram {
        var m = [Float](repeating: 0, count: real.count)
        for i in 0..<m.count { m[i] = (real[i] * real[i] + imag[i] * imag[i]).squareRoot() }
        return Spectrogram(unchecked: m, frames: frames, bins: bins)
    }
}
