import Audio
import Foundation
import Tensors
@testable import Training
import XCTest

/// Step times of the shipped default configs on synthetic 4-s clips. Opt-in (it takes minutes in debug builds):
///   FOLEY_TRAIN_BENCH=1 swift test -c release --filter DefaultConfigBenchmark
final class DefaultConfigBenchmark: XCTestCase {
    func testDefaultConfigStepTimes() throws {
        guard ProcessInfo.processInfo.environment["FOLEY_TRAIN_BENCH"] == "1" else { throw XCTSkip("set FOLEY_TRAIN_BENCH=1 to time the default configs") }
        guard TrainFixture.miniLMAvailable else { throw XCTSkip("MiniLM missing: run scripts/setup") }
        let root = try TrainFixture.tempDir("bench")
        defer { try? FileManager.default.removeItem(at: root) }
        let data = try TrainFixture.dataset(root, count: 24, seconds: 4)
        let steps = Int(ProcessInfo.processInfo.environment["FOLEY_TRAIN_BENCH_STEPS"] ?? "") ?? 6
        func load(_ name: String) throws -> TrainingConfig {
            let text = try String(contentsOf: ConfigTests.configsFolder.appendingPathComponent(name + ".yaml"), encoding: .utf8)
                .replacingOccurrences(of: "dataset: data/mine", with: "dataset: \(data.path)")
                .replacingOccurrences(of: "pretrained_vae: runs/default-vae", with: "pretrained_vae: \(root.path)/runs/default-vae")
                .replacingOccurrences(of: "validate_every: 500", with: "validate_every: 0")
            return try TrainingConfig.parse(yaml: text, defaultName: name)
        }
        var opts = TrainFixture.quiet(root.appendingPathComponent("runs"))
        opts.maxSteps = steps
        opts.log = { print("  " + $0) }
        for name in ["default-vae", "default-ldm"] {
            let cfg = try load(name)
            let t0 = Date()
            let r = try TrainingRunner.run(config: cfg, options: opts)
            let warm = r.stepSeconds.dropFirst()
            let mean = warm.reduce(0, +) / Double(max(1, warm.count))
            let total = cfg.train.maxSteps
            print(String(format: "%@: %.3f s/step (batch %d, %d threads; first step %.3f s; run incl. setup/export %.1f s); "
                + "%d steps would take %.1f min; loss %.4f -> %.4f", name, mean, cfg.data.batchSize, Runtime.threadCount,
                r.stepSeconds.first ?? 0, Date().timeIntervalSince(t0), total, mean * Double(total) / 60,
                r.losses.first?.loss ?? .nan, r.losses.last?.loss ?? .nan))
            XCTAssertEqual(r.step, steps)
        }
    }
}
