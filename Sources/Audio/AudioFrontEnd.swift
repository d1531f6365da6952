import Foundation

/// A model's audio front end as one value: everything that turns a waveform into the log-mel "image" its VAE sees
/// and back (the dataset, the model folder, the pipeline, the vocoder and Lua all read this one). Written with
/// librosa's names (`sample_rate`, `n_fft`, `hop_length`, `win_length`, `window`, `n_mels`, `fmin`, `fmax`,
/// `mel_scale`) plus `magnitude_floor`; the older spellings `num_mels`, `f_min` and `f_max` are still read.
public struct AudioFrontEnd: Codable, Equatable, Sendable {
    public var sampleRate = 16000
    public var nFFT = 1024
    public var hopLength = 160
    /// nil: the window spans `nFFT` samples.
    public var winLength: Int?
    public var window = Window.hann
    public var nMels = 64
    public var fMin: Double = 0
    public var fMax: Double = 8000
    public var melScale = MelScale.slaney
    /// Mel magnitudes are clamped to this before the log, so silence is ln(floor) rather than -inf.
    public var magnitudeFloor: Float = 1e-5

    /// AudioLDM's 16 kHz setup: n_fft 1024, hop 160, hann, 64 slaney mels over 0-8000 Hz, floor 1e-5.
    public init() {}

    public init(sampleRate: Int, nFFT: Int = 1024, hopLength: Int = 160, winLength: Int? = nil, nMels: Int = 64,
                fMin: Double = 0, fMax: Double = 8000) {
        (self.sampleRate, self.nFFT, self.hopLength, self.winLength) = (sampleRate, nFFT, hopLength, winLength)
        (self.nMels, self.fMin, self.fMax) = (nMels, fMin, fMax)
    }

    /// AudioLDM's settings scaled to another rate (hop 10 ms, n_fft the power of two >= 6 hops, 64 mels up to
    /// Nyquist): what a clip's own spectrogram is shown with when no model says otherwise.
    public static func scaled(toRate rate: Int) -> AudioFrontEnd {
        let hop = max(1, rate / 100)
        var nFFT = 1
        while nFFT < hop * 6 { nFFT <<= 1 }
        return AudioFrontEnd(sampleRate: rate, nFFT: nFFT, hopLength: hop, nMels: 64, fMax: Double(rate) / 2)
    }

    /// The log-mel transform these settings describe.
    public func logMel() throws -> LogMel {
        try LogMel(sampleRate: sampleRate, nFFT: nFFT, hopLength: hopLength, winLength: winLength, window: window,
                   nMels: nMels, fMin: fMin, fMax: fMax, melScale: melScale, floor: magnitudeFloor)
    }

    /// The value of silence in the log-mel (what short clips are padded with).
    public var logFloor: Float { Foundation.log(magnitudeFloor) }

    /// The one duration rule: seconds -> mel frames, rounded up to a multiple of `unit` (the VAE x UNet factor).
    public func melFrames(seconds: Double, unit: Int) -> Int {
        let frames = max(1, Int(seconds * Double(sampleRate) / Double(hopLength)))
        return (frames + unit - 1) / unit * unit
    }

    /// The one latent-shape formula: [batch, channels, mel frames / factor, mel bins / factor] for a VAE that
    /// downsamples both axes by `vaeFactor`.
    public func latentShape(seconds: Double, batch: Int, channels: Int, vaeFactor: Int, unetFactor: Int) -> [Int] {
        let frames = melFrames(seconds: seconds, unit: vaeFactor * unetFactor)
        return [batch, channels, frames / vaeFactor, nMels / vaeFactor]
    }

    enum CodingKeys: String, CodingKey {
        case sampleRate = "sample_rate", nFFT = "n_fft", hopLength = "hop_length", winLength = "win_length", window
        case nMels = "n_mels", fMin = "fmin", fMax = "fmax", melScale = "mel_scale", magnitudeFloor = "magnitude_floor"
    }

    /// The spellings of folders written before this value, read only.
    enum LegacyKeys: String, CodingKey { case numMels = "num_mels", fMin = "f_min", fMax = "f_max" }

    public init(from decoder: Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self), old = try decoder.container(keyedBy: LegacyKeys.self)
        let d = AudioFrontEnd()
        sampleRate = try c.decodeIfPresent(Int.self, forKey: .sampleRate) ?? d.sampleRate
        nFFT = try c.decodeIfPresent(Int.self, forKey: .nFFT) ?? d.nFFT
        hopLength = try c.decodeIfPresent(Int.self, forKey: .hopLength) ?? d.hopLength
        winLength = try c.decodeIfPresent(Int.self, forKey: .winLength)
        nMels = try c.decodeIfPresent(Int.self, forKey: .nMels) ?? old.decodeIfPresent(Int.self, forKey: .numMels) ?? d.nMels
        fMin = try c.decodeIfPresent(Double.self, forKey: .fMin) ?? old.decodeIfPresent(Double.self, forKey: .fMin) ?? d.fMin
        fMax = try c.decodeIfPresent(Double.self, forKey: .fMax) ?? old.decodeIfPresent(Double.self, forKey: .fMax) ?? d.fMax
        magnitudeFloor = try c.decodeIfPresent(Float.self, forKey: .magnitudeFloor) ?? d.magnitudeFloor
        if let w = try c.decodeIfPresent(String.self, forKey: .window) {
            guard let v = Window(rawValue: w) else {
                throw DecodingError.dataCorruptedError(forKey: .window, in: c, debugDescription: "window: expected one of \(Window.allCases.map(\.rawValue).joined(separator: ", ")), got '\(w)'")
            }
            window = v
        }
        if let s = try c.decodeIfPresent(String.self, forKey: .melScale) {
            guard let v = MelScale(rawValue: s) else {
                throw DecodingError.dataCorruptedError(forKey: .melScale, in: c, debugDescription: "mel_scale: expected htk or slaney, got '\(s)'")
            }
            melScale = v
        }
    }
}
