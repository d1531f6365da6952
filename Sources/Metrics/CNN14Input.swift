import Audio
import Foundation

/// PANNs CNN14's front end (torchlibrosa Spectrogram + LogmelFilterBank): 32 kHz audio to dB log-mel.
///
/// n_fft 1024, hop 320 (10 ms), periodic hann, centred reflect padding, power spectrum, 64
/// slaney mels over 50-14000 Hz (librosa's filters), 10 log10(max(mel, 1e-10)), no top_db.
public struct CNN14Input: Sendable {
    public static let sampleRate = 32000
    public static let melBands = 64
    let stft: STFT
    let filterbank: MelFilterbank

    public init() throws {
        stft = try STFT(STFTConfig(nFFT: 1024, hopLength: 320))
        filterbank = try MelFilterbank(sampleRate: Self.sampleRate, nFFT: 1024, nMels: Self.melBands, fMin: 50, fMax: 14000)
    }

    /// frames x 64 dB log-mel of a 32 kHz clip.
    public func logMel(_ samples: [Float]) throws -> Spectrogram {
        guard !samples.isEmpty else { throw MetricsError.invalidArgument("samples", "CNN14 needs a non-empty clip, got 0 samples") }
        let power = try stft.magnitude(samples).map { $0 * $0 }
        return try filterbank.apply(power).map { 10 * log10(max($0, 1e-10)) }
    }
}
