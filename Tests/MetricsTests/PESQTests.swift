import Audio
import Foundation
import Metrics
import XCTest

/// The PESQ fixtures (made by scripts/reference/pesq_fixtures.py): stored int16 FLAC clips and cases
/// that build each degraded clip from a stored one by exact integer operations.
enum PESQFixtures {
    static let directory = Fixtures.directory.deletingLastPathComponent().appendingPathComponent("pesq")

    /// One scored pair of pesq.json.
    struct Case {
        let name: String
        let reference: String
        let source: String
        let ops: [[Any]]
        let rate: Int
        let mode: PESQMode
        let score: Double
    }

    static func cases() throws -> [Case] {
        let data = try Data(contentsOf: directory.appendingPathComponent("pesq.json"))
        let json = try XCTUnwrap(JSONSerialization.jsonObject(with: data) as? [String: Any])
        return try XCTUnwrap(json["cases"] as? [[String: Any]]).map { c in
            Case(name: try XCTUnwrap(c["name"] as? String), reference: try XCTUnwrap(c["reference"] as? String),
                 source: try XCTUnwrap(c["source"] as? String), ops: try XCTUnwrap(c["ops"] as? [[Any]]),
                 rate: try XCTUnwrap((c["rate"] as? NSNumber)?.intValue),
                 mode: try XCTUnwrap(PESQMode(rawValue: try XCTUnwrap(c["mode"] as? String))),
                 score: try XCTUnwrap((c["score"] as? NSNumber)?.doubleValue))
        }
    }

    /// The int16 samples of a stored clip.
    static func int16(_ name: String) throws -> [Int] {
        try AudioFile.read(directory.appendingPathComponent(name + ".flac").path).samples.map { Int(($0 * 32768).rounded()) }
    }

    /// As float32 in [-1, 1), the samples pesq.pesq was given.
    static func samples(_ q: [Int]) -> [Float] { q.map { Float($0) / 32768 } }

    /// The degraded clip of a case: its source with the operations applied (see the generator's docstring).
    static func degraded(_ c: Case) throws -> [Float] {
        var q = try int16(c.source)
        for op in c.ops {
            let name = try XCTUnwrap(op.first as? String)
            let args = op.dropFirst().map { ($0 as? NSNumber)?.intValue ?? 0 }
            switch name {
            case "delay": q = [Int](repeating: 0, count: args[0]) + q.prefix(q.count - args[0])
            case "gap": q = Array(q[..<args[0]]) + [Int](repeating: 0, count: args[1]) + q[args[0]...]
            case "clip": q = q.map { min(max($0, -args[0]), args[0]) }
            case "shift": q = q.map { $0 >> args[0] }
            case "noise": q = addNoise(q, seed: UInt64(args[0]), amplitude: args[1])
            default: XCTFail("unknown operation \(name)")
            }
        }
        return samples(q)
    }

    /// Uniform integers in [-amplitude, amplitude] from SplitMix64, added and clamped to int16.
    static func addNoise(_ q: [Int], seed: UInt64, amplitude: Int) -> [Int] {
        var state = seed
        return q.map { x in
            state &+= 0x9E37_79B9_7F4A_7C15
            var z = state
            z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
            z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
            z ^= z >> 31
            return min(max(x + Int(z % UInt64(2 * amplitude + 1)) - amplitude, -32768), 32767)
        }
    }
}

final class PESQTests: XCTestCase {
    func testEveryFixturePairMatchesThePesqPackage() throws {
        let cases = try PESQFixtures.cases()
        XCTAssertEqual(cases.count, 48)
        var references: [String: [Float]] = [:]
        var worst: [PESQMode: (Double, String)] = [.narrowBand: (0, ""), .wideBand: (0, "")]
        for c in cases {
            if references[c.reference] == nil { references[c.reference] = PESQFixtures.samples(try PESQFixtures.int16(c.reference)) }
            let score = try PESQ.score(reference: references[c.reference]!, degraded: try PESQFixtures.degraded(c),
                                       sampleRate: c.rate, mode: c.mode)
            let err = abs(score - c.score)
            XCTAssertLessThanOrEqual(err, 0.05, "\(c.name) \(c.mode.rawValue): \(score) vs pesq \(c.score)")
            if err >= worst[c.mode]!.0 { worst[c.mode] = (err, c.name) }
        }
        print("PESQ max |Swift - pesq|: nb \(worst[.narrowBand]!.0) (\(worst[.narrowBand]!.1)), wb \(worst[.wideBand]!.0) (\(worst[.wideBand]!.1))")
        // The port keeps the C code's float arithmetic, so anything beyond float rounding is a bug.
        XCTAssertLessThanOrEqual(worst[.narrowBand]!.0, 1e-5)
        XCTAssertLessThanOrEqual(worst[.wideBand]!.0, 1e-5)
    }

    func testIdenticalClipsScoreTheMappedMaximum() throws {
        let fox = PESQFixtures.samples(try PESQFixtures.int16("fox_16k"))
        // The raw P.862 score of a perfect copy is 4.5; P.862.1 and P.862.2 map it to MOS-LQO.
        func mapped(_ a: Double, _ b: Double) -> Double { 0.999 + 4 / (1 + exp(a * 4.5 + b)) }
        XCTAssertEqual(try PESQ.score(reference: fox, degraded: fox, sampleRate: 16000, mode: .narrowBand),
                       mapped(-1.4945, 4.6607), accuracy: 1e-5)
        XCTAssertEqual(try PESQ.score(reference: fox, degraded: fox, sampleRate: 16000, mode: .wideBand),
                       mapped(-1.3669, 3.8224), accuracy: 1e-5)
        // Level and a pure delay are compensated.
        let quieterLater = [Float](repeating: 0, count: 1000) + fox.dropLast(1000).map { $0 * 0.3 }
        XCTAssertEqual(try PESQ.score(reference: fox, degraded: quieterLater, sampleRate: 16000, mode: .wideBand),
                       mapped(-1.3669, 3.8224), accuracy: 0.02)
    }

    func testMoreNoiseScoresLower() throws {
        for rate in [8000, 16000] {
            let ref = try PESQFixtures.int16("fox_\(rate / 1000)k")
            for mode in rate == 16000 ? [PESQMode.narrowBand, .wideBand] : [.narrowBand] {
                let scores = try [30, 300, 1000, 3000].map { amplitude in
                    try PESQ.score(reference: PESQFixtures.samples(ref),
                                   degraded: PESQFixtures.samples(PESQFixtures.addNoise(ref, seed: 9, amplitude: amplitude)),
                                   sampleRate: rate, mode: mode)
                }
                XCTAssertEqual(scores, scores.sorted(by: >), "\(rate) Hz \(mode.rawValue)")
                XCTAssertGreaterThan(scores[0] - scores[3], 1.5, "\(rate) Hz \(mode.rawValue): \(scores)")
            }
        }
    }

    func testErrorsNameTheArgumentAndWhatWasExpected() throws {
        let fox = PESQFixtures.samples(try PESQFixtures.int16("fox_16k"))
        func message(_ ref: [Float], _ deg: [Float], _ rate: Int, _ mode: PESQMode) -> String {
            do {
                let s = try PESQ.score(reference: ref, degraded: deg, sampleRate: rate, mode: mode)
                return "no error (score \(s))"
            } catch { return "\(error)" }
        }
        XCTAssertEqual(message(fox, fox, 44100, .narrowBand), "sampleRate: expected 8000 or 16000 Hz, got 44100")
        XCTAssertEqual(message(fox, fox, 8000, .wideBand), "mode: wide band (P.862.2) needs a 16000 Hz sample rate, got 8000")
        XCTAssertEqual(message(Array(fox.prefix(3999)), fox, 16000, .wideBand),
                       "reference: expected at least 1/4 s (4000 samples at 16000 Hz), got 3999")
        XCTAssertEqual(message(fox, Array(fox.prefix(1999)), 8000, .narrowBand),
                       "degraded: expected at least 1/4 s (2000 samples at 8000 Hz), got 1999")
        // The shortest accepted clips, as in the C code's check.
        XCTAssertNoThrow(try PESQ.score(reference: Array(fox.prefix(4000)), degraded: Array(fox.prefix(4000)), sampleRate: 16000, mode: .wideBand))
        var nan = fox
        nan[7] = .nan
        XCTAssertEqual(message(fox, nan, 16000, .wideBand), "degraded: expected finite samples, got nan at index 7")
        let silence = [Float](repeating: 0, count: fox.count)
        XCTAssertEqual(message(silence, fox, 16000, .wideBand), "reference: no utterances detected (the clip is silent)")
        XCTAssertEqual(message(fox, silence, 16000, .narrowBand),
                       "degraded: expected a non-silent clip (all samples are zero, so its level cannot be aligned)")
        // A 100 ms tone is too short to be an utterance: pesq raises NoUtterancesError for it too.
        let burst = (0..<32000).map { i in i >= 16000 && i < 17600 ? Float(0.3 * sin(2 * Double.pi * 440 * Double(i) / 16000)) : 0 }
        XCTAssertEqual(message(burst, burst, 16000, .wideBand),
                       "reference: no utterances detected (expected speech: at least 200 ms above the noise floor, overlapping the degraded clip)")
    }

    func testEvalScoresPairsWithWideBandPESQAndListsThePairsItRejects() throws {
        let root = try temporaryDirectory(self)
        let gen = root.appendingPathComponent("generated"), ref = root.appendingPathComponent("reference")
        for d in [gen, ref] { try FileManager.default.createDirectory(at: d, withIntermediateDirectories: true) }
        let fox = try PESQFixtures.int16("fox_16k"), canoe = try PESQFixtures.int16("canoe_16k")
        func write(_ q: [Int], rate: Int = 16000, _ url: URL) throws {
            try AudioFile.write(AudioBuffer(mono: PESQFixtures.samples(q), sampleRate: rate), to: url.path)
        }
        try write(fox, ref.appendingPathComponent("a.flac"))
        try write(PESQFixtures.addNoise(fox, seed: 3, amplitude: 200), gen.appendingPathComponent("a.wav"))
        try write(canoe, ref.appendingPathComponent("b.wav"))
        // Generated at 8 kHz: resampled to 16 kHz (soxr) before scoring.
        let canoe8k = try Resample.resample(PESQFixtures.samples(PESQFixtures.addNoise(canoe, seed: 4, amplitude: 100)), from: 16000, to: 8000)
        try AudioFile.write(AudioBuffer(mono: canoe8k, sampleRate: 8000), to: gen.appendingPathComponent("b.wav").path)
        try write(fox, ref.appendingPathComponent("c.wav"))
        try write(Array(fox.prefix(2000)), gen.appendingPathComponent("c.wav"))

        let r = try Evaluation.run(generated: gen.path, reference: ref.path, metrics: [.pesq], backbone: MelStatsEmbedder())
        func read(_ url: URL) throws -> [Float] { try AudioFile.read(url.path).resampled(to: 16000).samples }
        let a = try PESQ.score(reference: read(ref.appendingPathComponent("a.flac")), degraded: read(gen.appendingPathComponent("a.wav")),
                               sampleRate: 16000, mode: .wideBand)
        let b = try PESQ.score(reference: read(ref.appendingPathComponent("b.wav")), degraded: read(gen.appendingPathComponent("b.wav")),
                               sampleRate: 16000, mode: .wideBand)
        XCTAssertEqual(r.pairs.map(\.name), ["a", "b", "c"])
        XCTAssertEqual(r.pairs[0].pesq, a)
        XCTAssertEqual(r.pairs[1].pesq, b)
        XCTAssertNil(r.pairs[2].pesq)
        XCTAssertGreaterThan(a, 1.2)
        XCTAssertLessThan(a, 3)
        XCTAssertEqual(r.metrics, ["pesq": (a + b) / 2])
        let c = try XCTUnwrap(r.skipped.first { $0.path.hasSuffix("generated/c.wav") }, "\(r.skipped)")
        XCTAssertTrue(c.reason.hasPrefix("left out of pesq (reference \(ref.path)/c.wav, degraded this clip): degraded: expected at least 1/4 s"), c.reason)
        XCTAssertTrue(r.table.contains("pesq     " + String(format: "%-12.6g", (a + b) / 2) + "  (P.862.2 wide band at 16 kHz, mean of 2 pairs)"), r.table)

        // Only the rejected pair: the metric is reported as not computed, not as a failure.
        try FileManager.default.removeItem(at: gen.appendingPathComponent("a.wav"))
        try FileManager.default.removeItem(at: gen.appendingPathComponent("b.wav"))
        let none = try Evaluation.run(generated: gen.path, reference: ref.path, metrics: [.pesq], backbone: MelStatsEmbedder())
        XCTAssertNil(none.metrics["pesq"])
        XCTAssertEqual(none.notComputed["pesq"], "PESQ rejected every pair (see skipped)")
    }
}
