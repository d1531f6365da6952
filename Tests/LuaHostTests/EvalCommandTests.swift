import Audio
import Foundation
import Metrics
import XCTest

/// `foley eval` end to end through the built binary (the metrics themselves are tested in MetricsTests).
final class EvalCommandTests: XCTestCase {
    func testTableAndJSON() throws {
        let dir = try temporaryDirectory(self)
        let gen = dir.appendingPathComponent("gen"), ref = dir.appendingPathComponent("ref")
        for d in [gen, ref] { try FileManager.default.createDirectory(at: d, withIntermediateDirectories: true) }
        for (i, name) in ["a", "b"].enumerated() {
            let tone = (0..<8000).map { Float(0.3 * sin(Double($0) * 0.1 * Double(i + 1))) }
            try AudioFile.write(AudioBuffer(mono: tone, sampleRate: 16000), to: ref.appendingPathComponent(name + ".wav").path)
            try AudioFile.write(AudioBuffer(mono: tone.map { $0 * 0.5 }, sampleRate: 16000), to: gen.appendingPathComponent(name + ".wav").path)
            try Data((i == 0 ? "a low hum" : "a higher hum").utf8).write(to: gen.appendingPathComponent(name + ".txt"))
        }
        let json = dir.appendingPathComponent("eval.json").path
        let r = try runFoley(["eval", "--generated", gen.path, "--reference", ref.path, "--metrics", "fad,lsd,clap", "--json", json])
        XCTAssertEqual(r.status, 0, r.stderr)
        XCTAssertTrue(r.stdout.contains("(backbone foley)"), "the shipped model's encoder is the default backbone: \(r.stdout)")
        XCTAssertTrue(r.stdout.contains("(mean cosine to the caption, 2 captioned clips)"), r.stdout)
        XCTAssertTrue(r.stdout.contains("files: 2 generated, 2 reference, 2 paired by name, 0 skipped"), r.stdout)
        let report = try XCTUnwrap(JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: json))) as? [String: Any])
        let metrics = try XCTUnwrap(report["metrics"] as? [String: Double])
        XCTAssertEqual(Set(metrics.keys), ["fad", "lsd", "clap", "clap_rank1", "clap_rank1_chance"])
        XCTAssertEqual(metrics["clap_rank1_chance"]!, 0.5)
        // The mean over pairs of what the library computes from the same files.
        let lsd = try ["a", "b"].map { name in
            try SpectralDistance.logSpectralDistance(AudioFile.read(ref.appendingPathComponent(name + ".wav").path).samples,
                                                     AudioFile.read(gen.appendingPathComponent(name + ".wav").path).samples)
        }
        XCTAssertEqual(metrics["lsd"]!, (lsd[0] + lsd[1]) / 2, accuracy: 1e-12)
        XCTAssertGreaterThan(metrics["lsd"]!, 0.5)
    }

    func testUsageErrorsNameTheOption() throws {
        let dir = try temporaryDirectory(self)
        let r = try runFoley(["eval", "--generated", dir.path, "--reference", dir.path, "--backbone", "vggish"])
        XCTAssertNotEqual(r.status, 0)
        XCTAssertTrue(r.stderr.contains("--backbone vggish needs --weights FILE"), r.stderr)
        let m = try runFoley(["eval", "--generated", dir.path, "--reference", dir.path, "--metrics", "fad,psnr"])
        XCTAssertNotEqual(m.status, 0)
        XCTAssertTrue(m.stderr.contains("--metrics: unknown metric 'psnr' (expected some of fad,kl,is,lsd,mcd,pesq,clap)"), m.stderr)
        let c = try runFoley(["eval", "--generated", dir.path, "--reference", dir.path, "--clap-model", tinyModel, "--metrics", "clap",
                              "--backbone", "melstats"])
        XCTAssertNotEqual(c.status, 0)
        XCTAssertTrue(c.stderr.contains("no contrastive audio-text model"), c.stderr)
        let b = try runFoley(["eval", "--generated", dir.path, "--reference", dir.path, "--clap-model", tinyModel])
        XCTAssertNotEqual(b.status, 0)
        XCTAssertTrue(b.stderr.contains("foley needs a model with a contrastive audio-text model"), b.stderr)
    }
}
