import Audio
import Corpus
import Foundation
import Tensors

/// Builds probe sets from the corpus's held-out phrasings (`CaptionParaphrase`).
public enum ProbeSet {
    /// Held-out loudness phrases, appended to a plain probe caption; neither occurs in any training caption.
    static let loudPhrase = "turned way up"
    static let quietPhrase = "turned way down"
    /// The families the order and family probes draw from, and the labels their answers are read among: those the
    /// shipped model's zero-shot classifier reads right on at least 80% of their held-out reference clips, whole and
    /// on 2-s halves (noise and textures it mostly reads as tones or chords, plucks on short halves as chords; chords
    /// and tones it confuses on halves), so a miss is mostly the model's.
    public static let classifiedFamilies = ["tone", "sweep", "beeps", "percussion"]
    /// Register probes ask each band in turn.
    static let registers = ["low", "mid", "high"]
    /// Count probes alternate between beeps and percussion (single and counted clicks, knocks and drum strokes).
    static let countFamilies = ["beeps", "percussion"]

    /// `perKind` probes of each kind, deterministic in `seed`; every clip `seconds` long at 16 kHz.
    public static func make(perKind: Int, seed: UInt64, seconds: Double = 4) throws -> [Probe] {
        guard perKind > 0 else { throw MetricsError.invalidArgument("perKind", "expected at least 1 probe per kind, got \(perKind)") }
        guard seconds >= 0.5 else { throw MetricsError.invalidArgument("seconds", "expected probes of at least 0.5 s, got \(seconds)") }
        var byKind: [ProbeKind: [Probe]] = [:]
        func have(_ kind: ProbeKind) -> Int { byKind[kind]?.count ?? 0 }
        // Kinds that draw evenly take a probe only when it is the next one their rotation asks for.
        func wanted(_ probe: Probe) -> Bool {
            let n = have(probe.kind)
            guard n < perKind else { return false }
            switch probe.kind {
            case .register: return probe.expected == registers[n % registers.count]
            case .count: return probe.params["family"] == countFamilies[n % countFamilies.count]
            case .family: return probe.expected == classifiedFamilies[n % classifiedFamilies.count]
            default: return true
            }
        }
        var index = 0
        var pending: Clip?
        // Walk the held-out probe stream until every kind is full; the stream cycles through the families.
        while ProbeKind.allCases.contains(where: { have($0) < perKind }) {
            let batchSeed = seed &+ UInt64(index)
            let batch = try CaptionParaphrase.probes(count: 64, seed: batchSeed, seconds: seconds, espeak: nil)
            // Order probes join two half-length clips of different families.
            let halves = have(.order) < perKind
                ? try CaptionParaphrase.probes(count: 64, seed: ~batchSeed, seconds: seconds / 2, espeak: nil) : []
            let rng = RandomGenerator(seed: CorpusRecipe.clipSeed(seed: ~batchSeed, index: 1_000_003))
            index += 1
            guard index < 1000 else { break }
            for clip in batch {
                for probe in probes(from: clip, seconds: seconds, index: index, rng: rng) where wanted(probe) {
                    byKind[probe.kind, default: []].append(probe)
                }
            }
            for clip in halves where classifiedFamilies.contains(clip.family) && have(.order) < perKind {
                guard let first = pending, first.family != clip.family else { pending = clip; continue }
                pending = nil
                // Every other pair is swapped, so no family is always the first.
                let (a, b) = have(.order) % 2 == 0 ? (first, clip) : (clip, first)
                byKind[.order, default: []].append(order(a, b, seconds: seconds, rng: rng))
            }
        }
        return ProbeKind.allCases.flatMap { byKind[$0] ?? [] }
    }

    /// An order probe: `a` then `b`, each half the clip, asked "a's family > b's family".
    public static func order(_ a: Clip, _ b: Clip, seconds: Double, rng: RandomGenerator) -> Probe {
        let clip = CaptionParaphrase.sequence(a, b, rng: rng)
        let n = Int((seconds * Double(Clip.sampleRate)).rounded())
        let samples = Array(clip.samples.prefix(n)) + [Float](repeating: 0, count: max(0, n - clip.samples.count))
        return Probe(kind: .order, caption: clip.caption, expected: "\(a.family)>\(b.family)", seconds: seconds,
                     reference: samples, params: clip.params)
    }

    static func probes(from clip: Clip, seconds: Double, index: Int, rng: RandomGenerator) -> [Probe] {
        let p = clip.params
        var out: [Probe] = []
        func make(_ kind: ProbeKind, _ expected: String, caption: String? = nil) -> Probe {
            Probe(kind: kind, caption: caption ?? clip.caption, expected: expected, seconds: seconds, reference: clip.samples, params: p)
        }
        switch clip.family {
        case "tone":
            guard let hz = p["pitch_hz"], let f = Double(hz) else { break }
            if let text = CaptionParaphrase.toneCaption(for: p, form: .hz, rng: rng) { out.append(make(.pitch, hz, caption: text)) }
            if let text = CaptionParaphrase.toneCaption(for: p, form: .note, rng: rng) { out.append(make(.note, hz, caption: text)) }
            // A pitch within half a semitone of a band edge is left out: either band would be a fair reading.
            let nearEdge = [250.0, 700.0].contains { abs(PitchDetector.semitones(f, from: $0)) < 0.5 }
            if !nearEdge, let text = CaptionParaphrase.toneCaption(for: p, form: .register, rng: rng) {
                out.append(make(.register, PitchWords.register(hz: f), caption: text))
            }
        case "beeps":
            if let n = p["count"] { out.append(make(.count, n)) }
        case "percussion" where p["pattern"] == "single" || p["pattern"] == "count":
            // Kick hits closer than their 0.4-s ring plus 50 ms run together (the reference reads one event).
            let overlapping = p["instrument"] == "kick" && (Int(p["interval_ms"] ?? "") ?? 1000) < 450
            if let n = p["count"], !overlapping { out.append(make(.count, n)) }
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
        if classifiedFamilies.contains(clip.family) { out.append(make(.family, clip.family)) }
        return out
    }

    /// The clip at a corpus loudness level, with the gain the corpus itself applies (`LoudnessLevel.apply`).
    static func leveled(_ x: [Float], _ level: LoudnessLevel) -> [Float] { level.leveled(x) }
}
