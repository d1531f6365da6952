import Foundation
import NN
import Tensors
@testable import Training
import XCTest

/// The VAE's PatchGAN loss: off before disc_start, trains the discriminator after, logs its terms, and a run stopped
/// and resumed ends with the same VAE and discriminator, bit for bit, as one that never stopped.
final class AdversarialVAETests: XCTestCase {
    static let adversarial = """
      disc_start: 2
      disc_weight: 0.5
      disc_num_layers: 2
      disc_channels: 8
    """

    func snapshot(_ m: Module) -> [String: [Float]] { m.stateDict().mapValues(\.scalars) }

    func testDiscriminatorTrainsFromDiscStartAndResumesToTheBit() throws {
        let root = try TrainFixture.tempDir("adversarial")
        defer { try? FileManager.default.removeItem(at: root) }
        let data = try TrainFixture.dataset(root, count: 4)
        let runs = root.appendingPathComponent("runs")
        let config = try TrainingConfig.parse(yaml: TrainFixture.vaeYAML(data: data, steps: 4, extra: Self.adversarial))
        XCTAssertEqual(config.train.adversarial.start, 2)
        XCTAssertTrue(config.train.adversarial.enabled)

        var first = TrainFixture.quiet(runs, name: "stopped")
        first.stopAtStep = 2
        first.exportAtEnd = false
        let stopped = try VAETrainer(config: config, options: first)
        let disc = try XCTUnwrap(stopped.stage.adversarial).discriminator
        XCTAssertEqual(disc.numLayers, 2)
        let initial = snapshot(disc)
        XCTAssertTrue(try stopped.run().interrupted)
        XCTAssertEqual(snapshot(disc), initial, "before disc_start the discriminator does not move")

        var whole = TrainFixture.quiet(runs, name: "whole")
        whole.exportAtEnd = false
        let uninterrupted = try VAETrainer(config: config, options: whole)
        XCTAssertEqual(snapshot(try XCTUnwrap(uninterrupted.stage.adversarial).discriminator), initial, "the discriminator's init is seeded")
        XCTAssertEqual(try uninterrupted.run().step, 4)
        let trained = try XCTUnwrap(uninterrupted.stage.adversarial)
        XCTAssertNotEqual(snapshot(trained.discriminator), initial, "from disc_start the discriminator trains")
        let log = try String(contentsOf: runs.appendingPathComponent("whole/log.jsonl"), encoding: .utf8)
        for key in ["\"disc_loss\"", "\"g_loss\"", "\"d_weight\"", "\"logits_real\""] { XCTAssertTrue(log.contains(key), key) }

        var again = TrainFixture.quiet(runs, name: "stopped")
        again.resume = true
        again.exportAtEnd = false
        let resumed = try VAETrainer(config: config, options: again)
        XCTAssertEqual(try resumed.run().step, 4)
        XCTAssertEqual(snapshot(resumed.vae), snapshot(uninterrupted.vae))
        let r = try XCTUnwrap(resumed.stage.adversarial)
        XCTAssertEqual(snapshot(r.discriminator), snapshot(trained.discriminator))
        XCTAssertEqual(r.optimizer.stateDict().mapValues(\.scalars), trained.optimizer.stateDict().mapValues(\.scalars))
    }

    func testAdversarialSettingsAreCheckedByName() throws {
        let root = try TrainFixture.tempDir("adversarial-errors")
        defer { try? FileManager.default.removeItem(at: root) }
        let data = try TrainFixture.dataset(root, count: 4)
        let runs = root.appendingPathComponent("runs")
        func message(_ yaml: String) -> String {
            do { _ = try VAETrainer(config: try TrainingConfig.parse(yaml: yaml), options: TrainFixture.quiet(runs)); return "no error" } catch { return "\(error)" }
        }
        let deep = TrainFixture.vaeYAML(data: data, extra: "  disc_weight: 0.5\n  disc_num_layers: 3")
        XCTAssertTrue(message(deep).contains("train.disc_num_layers") && message(deep).contains("at least 24 frames"), message(deep))
        let accum = TrainFixture.vaeYAML(data: data, extra: "  disc_weight: 0.5\n  disc_num_layers: 1\n  grad_accum_steps: 2")
        XCTAssertTrue(message(accum).contains("train.grad_accum_steps"), message(accum))
        let loss = TrainFixture.vaeYAML(data: data, extra: "  disc_weight: 0.5\n  disc_loss: wasserstein")
        XCTAssertTrue(message(loss).contains("train.disc_loss"), message(loss))
        let vae = try TrainFixture.vaeCheckpoint(root)
        let ldm = TrainFixture.ldmYAML(data: data, vae: vae, trainExtra: "  disc_weight: 0.5")
        do { _ = try TrainingConfig.parse(yaml: ldm); XCTFail("disc_weight in an LDM config") } catch {
            XCTAssertTrue("\(error)".contains("train.disc_weight"), "\(error)")
        }
    }

    /// Training-mode BatchNorm matches torch's formula: batch statistics, biased variance for the output,
    /// unbiased for the running update with momentum 0.1.
    func testBatchNormTrainingModeUsesBatchStatistics() throws {
        let bn = BatchNorm2d(2)
        bn.train()
        let x = Tensor(shape: [2, 2, 1, 2], data: [1, 2, 10, 20, 3, 4, 30, 40])
        let y = try bn(x)
        // channel 0 holds 1, 2, 3, 4: mean 2.5, biased var 1.25
        let s: Float = 1 / (1.25 + 1e-5).squareRoot()
        XCTAssertEqual(y.scalars[0], -1.5 * s, accuracy: 1e-5)
        XCTAssertEqual(y.scalars[4], 0.5 * s, accuracy: 1e-5)
        let running = bn.stateDict()
        XCTAssertEqual(running["running_mean"]!.scalars[0], 0.25, accuracy: 1e-6)
        XCTAssertEqual(running["running_var"]!.scalars[0], 0.9 + 0.1 * 1.25 * 4 / 3, accuracy: 1e-6)
    }
}
