import Corpus
import Foundation
import Tensors

/// What a probe prompt asks for that can be measured from the audio alone.
public enum ProbeKind: String, CaseIterable, Codable, Sendable {
    /// A tone's pitch in Hz (YIN fundamental within a semitone).
    case pitch
    /// How many beeps (separate events counted on the energy envelope).
    case count
    /// White, pink or brown noise (long-term spectral slope 0, -3 or -6 dB per octave).
    case noiseColor = "noise_color"
    /// The same prompt said loud and said quiet: the loud one must measure at least `ProbeScoring.loudnessMargin` LU louder.
    case loudness
    /// The requested length in seconds, to the sample.
    case duration
}

/// One probe: a prompt phrased unlike any training caption, the answer it asks for, and a reference clip
/// synthesized with exactly those parameters (so the measurement itself can be checked).
public struct Probe: Sendable {
    public var kind: ProbeKind
    public var caption: String
    /// The quiet twin of a loudness probe (`caption` is the loud one).
    public var quietCaption: String?
    /// The asked value as text: Hz, a count, a color name, "loud>quiet", or seconds.
    public var expected: String
    public var seconds: Double
    /// The reference rendering (for loudness, the loud reference; `quietReference` the quiet one).
    public var reference: [Float]
    public var quietReference: [Float]?
    public var params: [String: String]
}

/// Builds probe sets from the corpus's held-out phrasings (`CaptionParaphrase`).
public enum ProbeSet {
    /// Held-out loudness phrases, appended to a plain probe caption; neither occurs in any training caption.
    static let loudPhrase = "turned way up"
    static let quietPhrase = "turned way down"

    /// `perKind` probes of each kind, deterministic in `seed`; every clip `seconds` long at 16 kHz.
    public static func make(perKind: Int, seed: UInt64, seconds: Double = 4) throws -> [Probe] {
        guard perKind > 0 else { throw MetricsError.invalidArgument("perKind", "expected at least 1 probe per kind, got \(perKind)") }
        guard seconds >= 0.5 else { throw MetricsError.invalidArgument("seconds", "expected probes of at least 0.5 s, got \(seconds)") }
        var byKind: [ProbeKind: [Probe]] = [:]
        var index = 0
        // Walk the held-out probe stream until every kind is full; the stream cycles through the families.
        while ProbeKind.allCases.contains(where: { (byKind[$0]?.count ?? 0) < perKind }) {
            let batch = try CaptionParaphrase.probes(count: 64, seed: seed &+ UInt64(index), seconds: seconds, espeak: nil)
            index += 1
            guard index < 1000 else { break }
            for clip in batch {
                for probe in probes(from: clip, seconds: seconds, index: index) where (byKind[probe.kind]?.count ?? 0) < perKind {
                    byKind[probe.kind, default: []].append(probe)
                }
            }
        }
        return ProbeKind.allCases.flatMap { byKind[$0] ?? [] }
    }

    static func probes(from clip: Clip, seconds: Double, index: Int) -> [Probe] {
        let p = clip.params
        var out: [Probe] = []
        func make(_ kind: ProbeKind, _ expected: String) -> Probe {
            Probe(kind: kind, caption: clip.caption, expected: expected, seconds: seconds, reference: clip.samples, params: p)
        }
        switch clip.family {
        case "tone":
            if let hz = p["pitch_hz"] { out.append(make(.pitch, hz)) }
        case "beeps":
            if let n = p["count"] { out.append(make(.count, n)) }
        case "noise" where p["filter"] == "none":
            if let color = p["color"] { out.append(make(.noiseColor, color)) }
            // Plain noise also carries the loudness and duration probes: its level is easy to hear and to read.
            var loud = make(.loudness, "loud>quiet")
            loud.caption = clip.caption + ", " + loudPhrase
            loud.quietCaption = clip.caption + ", " + quietPhrase
            loud.reference = leveled(clip.samples, .loud)
            loud.quietReference = leveled(clip.samples, .quiet)
            out.append(loud)
            // Durations other than the clips' length, varied per probe (1.5, 2.5, 3.3 and 6 s for 4-s probes).
            let asked = ([0.375, 0.625, 0.825, 1.5][index % 4] * seconds * 100).rounded() / 100
            var d = make(.duration, String(asked))
            d.seconds = asked
            let n = Int((asked * Double(Clip.sampleRate)).rounded())
            d.reference = Array(clip.samples.prefix(n)) + [Float](repeating: 0, count: max(0, n - clip.samples.count))
            out.append(d)
        default:
            break
        }
        return out
    }

    /// The clip at a corpus loudness level, with the gain the corpus itself applies (`LoudnessLevel.apply`).
    static func leveled(_ x: [Float], _ level: LoudnessLevel) -> [Float] { level.leveled(x) }
}
