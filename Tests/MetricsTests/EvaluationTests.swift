import Audio
import Foundation
import Metrics
import Tensors
import XCTest

final class EvaluationTests: XCTestCase {
    /// A clip: a tone at `freq` Hz plus seeded noise, 0.5 s at `rate`.
    func clip(_ freq: Double, noise: Float, seed: UInt64, rate: Int = 16000) throws -> AudioBuffer {
        let n = rate / 2
        let r = Tensor.randn([n], generator: RandomGenerator(seed: seed)).scalars
        return try AudioBuffer(mono: (0..<n).map { Float(0.3 * sin(2 * Double.pi * freq * Double($0) / Double(rate))) + noise * r[$0] },
                               sampleRate: rate)
    }

    /// generated/{a,b,c,x}.wav, reference/{a,b,c,y}.wav and a broken generated/bad.wav.
    func folders() throws -> (String, String) {
        let root = try temporaryDirectory(self)
        let gen = root.appendingPathComponent("generated"), ref = root.appendingPathComponent("reference")
        for d in [gen, ref] { try FileManager.default.createDirectory(at: d, withIntermediateDirectories: true) }
        for (i, name) in ["a", "b", "c"].enumerated() {
            let f = 220 * Double(i + 1)
            try AudioFile.write(clip(f, noise: 0.02, seed: UInt64(i)), to: ref.appendingPathComponent(name + ".wav").path)
            // The generated "b" is at 22.05 kHz: compared after resampling to the reference's rate.
            try AudioFile.write(clip(f * 1.05, noise: 0.05, seed: UInt64(10 + i), rate: name == "b" ? 22050 : 16000),
                                to: gen.appendingPathComponent(name + ".wav").path)
        }
        try AudioFile.write(clip(1000, noise: 0.1, seed: 20), to: gen.appendingPathComponent("x.wav").path)
        try AudioFile.write(clip(1500, noise: 0.1, seed: 21), to: ref.appendingPathComponent("y.wav").path)
        try Data("not audio".utf8).write(to: gen.appendingPathComponent("bad.wav"))
        return (gen.path, ref.path)
    }

    func testCountsPairsSkipsAndMetrics() throws {
        let (gen, ref) = try folders()
        let r = try Evaluation.run(generated: gen, reference: ref, backbone: MelStatsEmbedder())
        XCTAssertEqual(r.backbone, "melstats")
        XCTAssertEqual([r.generatedCount, r.referenceCount, r.pairedCount], [4, 4, 3])
        XCTAssertEqual(r.unpairedGenerated, ["x"])
        XCTAssertEqual(r.unpairedReference, ["y"])
        XCTAssertEqual(r.skipped.count, 1)
        XCTAssertTrue(r.skipped[0].path.hasSuffix("bad.wav") && r.skipped[0].reason.contains("not audio"), "\(r.skipped)")
        // Default metrics for an embedder without classes: FAD and the paired spectral distances.
        XCTAssertEqual(Set(r.metrics.keys), ["fad", "lsd", "mcd"])
        XCTAssertGreaterThan(r.metrics["fad"]!, 0)
        // The means are over the three pairs; pair "a" equals a direct computation.
        let a = try AudioFile.read(ref + "/a.wav").samples, ga = try AudioFile.read(gen + "/a.wav").samples
        XCTAssertEqual(r.pairs.map(\.name), ["a", "b", "c"])
        XCTAssertEqual(r.pairs[0].lsd!, try SpectralDistance.logSpectralDistance(a, ga), accuracy: 1e-12)
        XCTAssertEqual(r.metrics["lsd"]!, r.pairs.map { $0.lsd! }.reduce(0, +) / 3, accuracy: 1e-12)
        XCTAssertEqual(r.metrics["mcd"]!, r.pairs.map { $0.mcd! }.reduce(0, +) / 3, accuracy: 1e-12)
        XCTAssertTrue(r.table.contains("files: 4 generated, 4 reference, 3 paired by name, 1 skipped"), r.table)
    }

    func testFolderAgainstItselfScoresZero() throws {
        let (gen, _) = try folders()
        let r = try Evaluation.run(generated: gen, reference: gen, metrics: [.fad, .lsd], backbone: MelStatsEmbedder())
        XCTAssertEqual(r.metrics["fad"]!, 0, accuracy: 1e-6)
        XCTAssertEqual(r.metrics["lsd"]!, 0)
        XCTAssertNil(r.metrics["mcd"])
    }

    func testClassifierMetricsNeedAClassifier() throws {
        let (gen, ref) = try folders()
        let r = try Evaluation.run(generated: gen, reference: ref, metrics: [.kl, .is], backbone: MelStatsEmbedder())
        XCTAssertTrue(r.metrics.isEmpty)
        XCTAssertTrue(r.notComputed["kl"]!.contains("--backbone cnn14"), "\(r.notComputed)")
        XCTAssertTrue(r.table.contains("is       -            not computed"), r.table)
    }

    func testClipTheBackboneRefusesIsSkippedNotFatal() throws {
        let (gen, ref) = try folders()
        try AudioFile.write(AudioBuffer(mono: [Float](repeating: 0.1, count: 100), sampleRate: 16000), to: gen + "/tiny.wav")
        let r = try Evaluation.run(generated: gen, reference: ref, metrics: [.fad], backbone: MelStatsEmbedder())
        XCTAssertNotNil(r.metrics["fad"])
        let tiny = try XCTUnwrap(r.skipped.first { $0.path.hasSuffix("tiny.wav") })
        XCTAssertTrue(tiny.reason.hasPrefix("left out of melstats metrics: samples: melstats needs at least 320 samples"), tiny.reason)
    }

    func testJSONIsWrittenAtomically() throws {
        let (gen, ref) = try folders()
        let r = try Evaluation.run(generated: gen, reference: ref, metrics: [.lsd], backbone: MelStatsEmbedder())
        let dir = try temporaryDirectory(self)
        let path = dir.appendingPathComponent("eval.json").path
        try r.writeJSON(to: path)
        let json = try XCTUnwrap(JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: path))) as? [String: Any])
        XCTAssertEqual(json["paired_count"] as? Int, 3)
        XCTAssertEqual((json["metrics"] as? [String: Double])?["lsd"] ?? -1, r.metrics["lsd"]!, accuracy: 1e-9)
        XCTAssertEqual(try FileManager.default.contentsOfDirectory(atPath: dir.path), ["eval.json"])
    }

    func testErrorsNameTheArgument() {
        XCTAssertThrowsError(try Metric.parseList("fad,psnr")) { e in
            XCTAssertEqual("\(e)", "--metrics: unknown metric 'psnr' (expected some of fad,kl,is,lsd,mcd)")
        }
        XCTAssertThrowsError(try Evaluation.run(generated: "/no/such/dir", reference: "/tmp", backbone: MelStatsEmbedder())) { e in
            XCTAssertEqual("\(e)", "/no/such/dir: not a directory (expected a folder of audio files)")
        }
    }
}
