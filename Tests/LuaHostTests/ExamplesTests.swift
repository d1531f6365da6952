import Foundation
import XCTest

/// Every examples/*.lua runs with the built foley binary on the tiny model and exits 0.
final class ExamplesTests: XCTestCase {
    static let expected: [String: [String]] = [
        "sampler_sweep": ["sampler_sweep-ddim.png", "sampler_sweep-unipc.png", "sampler_sweep-heun.wav"],
        "guidance_sweep": ["guidance_sweep-1.png", "guidance_sweep-7.wav", "guidance_sweep-peaks.png"],
        "negative_prompt": ["negative_prompt-plain.png", "negative_prompt-negative.wav"],
        "style_transfer": ["style_transfer-source.wav", "style_transfer-0.5.png", "style_transfer-keep.wav"],
        "custom_sampler_loop": ["custom_sampler_loop.wav", "custom_sampler_loop.png"],
        "train_tiny": ["train_tiny/vae/config.json", "train_tiny/losses.png"],
        "score_generations": ["score_generations/low/clip-1.wav", "score_generations/high/clip-3.wav"],
    ]

    func testEveryExampleRuns() throws {
        let examples = try FileManager.default.contentsOfDirectory(atPath: repoRoot.appendingPathComponent("examples").path)
            .filter { $0.hasSuffix(".lua") }.sorted()
        XCTAssertTrue(Set(Self.expected.keys).isSubset(of: Set(examples.map { String($0.dropLast(4)) })))
        for file in examples {
            let dir = try temporaryDirectory(self)
            let r = try runFoley(["run", repoRoot.appendingPathComponent("examples/\(file)").path, tinyModel], cwd: dir, timeout: 120)
            XCTAssertEqual(r.status, 0, "\(file): \(r.stderr)")
            for f in Self.expected[String(file.dropLast(4))] ?? [] {
                XCTAssertTrue(FileManager.default.fileExists(atPath: dir.appendingPathComponent(f).path), "\(file) did not write \(f)")
            }
        }
        // The hand-written loop matches the pipeline on an epsilon model (the tiny one) and on a v-prediction model
        // (the shipped one), and says which it ran.
        for (model, kind) in [(tinyModel, "epsilon"), (repoRoot.appendingPathComponent("models/default").path, "v_prediction")] {
            let r = try runFoley(["run", repoRoot.appendingPathComponent("examples/custom_sampler_loop.lua").path, model],
                                 cwd: try temporaryDirectory(self), timeout: 300)
            XCTAssertEqual(r.status, 0, r.stderr)
            XCTAssertTrue(r.stdout.hasPrefix("prediction \(kind): max |lua - pipeline| = "), r.stdout)
        }
    }
}
