import Audio
import Corpus
import Foundation

/// Measures one probe's answer from audio and says whether it matches what was asked.
public struct ProbeScoring: Sendable {
    /// How far (semitones) a detected pitch may be from the asked one.
    public static let pitchToleranceSemitones = 1.0
    /// How much louder (LU) the "loud" rendering must measure than the "quiet" one.
    public static let loudnessMargin = 6.0
    /// Slopes (dB per octave) of each noise color; the nearest one is the measured color.
    public static let colorSlopes: [(color: String, slope: Double)] = [("white", 0), ("pink", -3), ("brown", -6)]

    public var sampleRate: Int

    public init(sampleRate: Int = 16_000) { self.sampleRate = sampleRate }

    /// A measurement: what was read off the audio (as text for the report) and whether it answers the probe.
    public struct Reading: Equatable, Sendable {
        public var measured: String
        public var correct: Bool
    }

    /// Scores `audio` (and `quietAudio` for loudness probes) against the probe's expected answer. Order and family
    /// probes are scored on `labels`, a zero-shot classifier's top family for each half of the clip (order) or for
    /// the whole clip (family): `ProbeLabeler.labels`.
    public func score(_ probe: Probe, audio: [Float], quietAudio: [Float]? = nil, labels: [String]? = nil) throws -> Reading {
        switch probe.kind {
        case .pitch, .note:
            guard let asked = Double(probe.expected) else { throw bad(probe) }
            guard let f0 = try PitchDetector(sampleRate: sampleRate).fundamental(audio) else { return Reading(measured: "no pitch", correct: false) }
            let off = PitchDetector.semitones(f0, from: asked)
            return Reading(measured: String(format: "%.0f Hz (%+.2f st)", f0, off), correct: abs(off) <= Self.pitchToleranceSemitones)
        case .register:
            guard let f0 = try PitchDetector(sampleRate: sampleRate).fundamental(audio) else { return Reading(measured: "no pitch", correct: false) }
            let band = PitchWords.register(hz: f0)
            return Reading(measured: String(format: "%@ (%.0f Hz)", band, f0), correct: band == probe.expected)
        case .order, .family:
            guard let labels, labels.count == (probe.kind == .order ? 2 : 1) else {
                throw MetricsError.invalidArgument("labels", "a \(probe.kind.rawValue) probe is scored on a classifier's labels (\(probe.kind == .order ? "one per half" : "one"))")
            }
            let measured = labels.joined(separator: ">")
            return Reading(measured: measured, correct: measured == probe.expected)
        case .count:
            guard let asked = Int(probe.expected) else { throw bad(probe) }
            let n = try EventCounter(sampleRate: sampleRate).count(audio)
            return Reading(measured: String(n), correct: n == asked)
        case .noiseColor:
            let slope = try SpectralSlope(sampleRate: sampleRate, fmax: min(6000, Double(sampleRate) / 2)).dBPerOctave(audio)
            let nearest = Self.colorSlopes.min { abs($0.slope - slope) < abs($1.slope - slope) }!.color
            return Reading(measured: String(format: "%@ (%.1f dB/oct)", nearest, slope), correct: nearest == probe.expected)
        case .loudness:
            guard let quiet = quietAudio else { throw bad(probe) }
            let loud = try Loudness.integrated(try AudioBuffer(mono: audio, sampleRate: sampleRate))
            let soft = try Loudness.integrated(try AudioBuffer(mono: quiet, sampleRate: sampleRate))
            let diff = loud - soft
            let text = diff.isFinite ? String(format: "%+.1f LU", diff) : "silent"
            return Reading(measured: text, correct: diff.isFinite && diff >= Self.loudnessMargin)
        case .duration:
            guard let asked = Double(probe.expected) else { throw bad(probe) }
            let want = Int((asked * Double(sampleRate)).rounded())
            let seconds = Double(audio.count) / Double(sampleRate)
            return Reading(measured: String(format: "%.3f s", seconds), correct: abs(audio.count - want) <= 1)
        }
    }

    func bad(_ probe: Probe) -> MetricsError {
        .invalidArgument("probe", "a \(probe.kind.rawValue) probe needs \(probe.kind == .loudness ? "a quiet twin" : "a numeric answer"), got '\(probe.expected)'")
    }
}
