import Audio
import Foundation
import Metrics
import Tensors
import TestSupport
import XCTest

final class EvaluationTests: XCTestCase {
    func testCountsPairsSkipsAndMetrics() throws {
        let (gen, ref) = try evaluationFolders(self)
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
        let (gen, _) = try evaluationFolders(self)
        let r = try Evaluation.run(generated: gen, reference: gen, metrics: [.fad, .lsd], backbone: MelStatsEmbedder())
        XCTAssertEqual(r.metrics["fad"]!, 0, accuracy: 1e-6)
        XCTAssertEqual(r.metrics["lsd"]!, 0)
        XCTAssertNil(r.metrics["mcd"])
    }

    func testClassifierMetricsNeedAClassifier() throws {
        let (gen, ref) = try evaluationFolders(self)
        let r = try Evaluation.run(generated: gen, reference: ref, metrics: [.kl, .is], backbone: MelStatsEmbedder())
        XCTAssertTrue(r.metrics.isEmpty)
        XCTAssertTrue(r.notComputed["kl"]!.contains("--backbone cnn14"), "\(r.notComputed)")
        XCTAssertTrue(r.table.contains("is       -            not computed"), r.table)
    }

    func testClipTheBackboneRefusesIsSkippedNotFatal() throws {
        let (gen, ref) = try evaluationFolders(self)
        try AudioFile.write(AudioBuffer(mono: [Float](repeating: 0.1, count: 100), sampleRate: 16000), to: gen + "/tiny.wav")
        let r = try Evaluation.run(generated: gen, reference: ref, metrics: [.fad], backbone: MelStatsEmbedder())
        XCTAssertNotNil(r.metrics["fad"])
        let tiny = try XCTUnwrap(r.skipped.first { $0.path.hasSuffix("tiny.wav") })
        XCTAssertTrue(tiny.reason.hasPrefix("left out of melstats metrics: samples: melstats needs at least 320 samples"), tiny.reason)
    }

    /// Empty folders used to give an empty table (exit 0); a NaN file made FAD fail with "matrix: has NaN or
    /// infinite entries" without naming the file.
    func testEmptyFoldersAreAnErrorAndANaNFileIsSkippedByName() throws {
        let root = FileManager.default.temporaryDirectory.appendingPathComponent("foley-eval-\(UUID().uuidString)")
        let gen = root.appendingPathComponent("gen").path, ref = root.appendingPathComponent("ref").path
        for d in [gen, ref] { try FileManager.default.createDirectory(atPath: d, withIntermediateDirectories: true) }
        defer { try? FileManager.default.removeItem(at: root) }
        XCTAssertThrowsError(try Evaluation.run(generated: gen, reference: ref, backbone: MelStatsEmbedder())) { e in
            XCTAssertEqual("\(e)", "\(gen): no readable audio file to evaluate")
        }
        for (i, name) in ["a", "b", "c"].enumerated() {
            let tone = (0..<8000).map { Float(0.3 * sin(Double($0) * 0.05 * Double(i + 1))) }
            try AudioFile.write(AudioBuffer(mono: tone, sampleRate: 16000), to: ref + "/\(name).wav")
            try AudioFile.write(AudioBuffer(mono: tone.map { $0 * 0.5 }, sampleRate: 16000), to: gen + "/\(name).wav")
        }
        try writeFloatWAV([Float](repeating: .nan, count: 8000), to: gen + "/bad.wav")
        let r = try Evaluation.run(generated: gen, reference: ref, metrics: [.fad], backbone: MelStatsEmbedder())
        XCTAssertEqual(r.skipped.map(\.path), [gen + "/bad.wav"])
        XCTAssertEqual(r.skipped.first?.reason, "\(gen)/bad.wav: unreadable: non-finite sample (nan) at frame 0 (expected finite audio)")
        XCTAssertNotNil(r.metrics["fad"])
        try writeFloatWAV([0, 0, .infinity], to: ref + "/d.wav")
        for f in ["a", "b", "c"] { try FileManager.default.removeItem(atPath: ref + "/\(f).wav") }
        XCTAssertThrowsError(try Evaluation.run(generated: gen, reference: ref, backbone: MelStatsEmbedder())) { e in
            XCTAssertEqual("\(e)", "\(ref): no readable audio file to evaluate; 1 skipped, first \(ref)/d.wav: \(ref)/d.wav: unreadable: non-finite sample (inf) at frame 2 (expected finite audio)")
        }
    }

    func testErrorsNameTheArgument() {
        XCTAssertThrowsError(try Evaluation.run(generated: "/no/such/dir", reference: "/tmp", backbone: MelStatsEmbedder())) { e in
            XCTAssertEqual("\(e)", "/no/such/dir: not a directory (expected a folder of audio files)")
        }
    }
}
