import Foundation

/// The PESQ variant: ITU-T P.862 narrow band ("nb", telephone band, MOS-LQO by P.862.1) or P.862.2
/// wide band ("wb", 16 kHz only).
public enum PESQMode: String, CaseIterable, Codable, Sendable {
    case narrowBand = "nb"
    case wideBand = "wb"
}

/// PESQ speech quality (ITU-T P.862, P.862.1, P.862.2): a Swift port of the reference C code as the
/// `pesq` PyPI package (0.0.4) ships and calls it.
///
/// The port keeps the C code's float/double arithmetic, its own FFT and its shared scratch buffer, so
/// scores agree with `pesq.pesq(fs, ref, deg, mode)` to float rounding. Like the Python package, both
/// clips are first divided by the larger of their peak magnitudes. The reference should be speech:
/// the model segments it into utterances with a voice activity detector, aligns each to the degraded
/// clip (which may be delayed, with the delay changing between or inside utterances), and compares
/// loudness spectra frame by frame.
public enum PESQ {
    /// The sample rates the reference code supports.
    public static let sampleRates = [8000, 16000]

    /// MOS-LQO of `degraded` against `reference`, both mono at `sampleRate` (8000 or 16000 Hz; wide
    /// band needs 16000): about 1.0 (bad) to 4.5 (narrow band) or 4.64 (wide band) for identical clips.
    /// The clips may differ in length; each must be at least 1/4 s long.
    /// - Throws: `MetricsError.invalidArgument` naming `sampleRate`, `mode`, `reference` or
    ///   `degraded`: an unsupported rate, wide band at 8 kHz, a clip shorter than 1/4 s or with
    ///   non-finite samples, a silent degraded clip, or a reference in which no utterance is detected
    ///   (silence, or no speech-like bursts of 200 ms), the C code's "no utterances detected".
    public static func score(reference: [Float], degraded: [Float], sampleRate: Int, mode: PESQMode) throws -> Double {
        guard sampleRates.contains(sampleRate) else {
            throw MetricsError.invalidArgument("sampleRate", "expected 8000 or 16000 Hz, got \(sampleRate)")
        }
        if mode == .wideBand && sampleRate != 16000 {
            throw MetricsError.invalidArgument("mode", "wide band (P.862.2) needs a 16000 Hz sample rate, got \(sampleRate)")
        }
        for (name, x) in [("reference", reference), ("degraded", degraded)] {
            // The C code's BUFFER_TOO_SHORT check.
            if x.count < sampleRate / 4 {
                throw MetricsError.invalidArgument(name, "expected at least 1/4 s (\(sampleRate / 4) samples at \(sampleRate) Hz), got \(x.count)")
            }
            if let i = x.firstIndex(where: { !$0.isFinite }) {
                throw MetricsError.invalidArgument(name, "expected finite samples, got \(x[i]) at index \(i)")
            }
        }
        let peak = max(reference.map(abs).max() ?? 0, degraded.map(abs).max() ?? 0)
        if reference.allSatisfy({ $0 == 0 }) {
            throw MetricsError.invalidArgument("reference", "no utterances detected (the clip is silent)")
        }
        if degraded.allSatisfy({ $0 == 0 }) {
            throw MetricsError.invalidArgument("degraded", "expected a non-silent clip (all samples are zero, so its level cannot be aligned)")
        }
        let model = PESQModel(reference: reference.map { $0 / peak }, degraded: degraded.map { $0 / peak },
                              rate: PESQRate(sampleRate), wideBand: mode == .wideBand)
        return Double(try model.run().mapped)
    }
}
