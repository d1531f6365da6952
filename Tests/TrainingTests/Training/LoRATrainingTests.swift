import Diffusion
import Foundation
import NN
import Tensors
@testable import Training
import XCTest

/// `train.lora`: an adapter trained on a frozen UNet changes the output, exports in diffusers' format, reloads to
/// the same output, and resumes to the bit.
final class LoRATrainingTests: XCTestCase {
    static let loraExtra = """
      lora:
        rank: 4
        alpha: 8
        targets: [to_q, to_k, to_v, to_out.0]
    """

    func testLoRATrainsOnlyTheAdapterAndReloadsToTheSameOutput() throws {
        let root = try TrainFixture.tempDir("lora")
        defer { try? FileManager.default.removeItem(at: root) }
        let data = try TrainFixture.dataset(root, count: 4)
        let vae = try TrainFixture.vaeCheckpoint(root)
        let runs = root.appendingPathComponent("runs")
        let enc = try TrainFixture.conditioner()
        let base = try XCTUnwrap(try LDMTrainer(config: try TrainingConfig.parse(yaml: TrainFixture.ldmYAML(data: data, vae: vae, steps: 2)),
                                                options: TrainFixture.quiet(runs, name: "base"), conditioner: enc).run().exported)

        let yaml = TrainFixture.ldmYAML(data: data, vae: vae, steps: 4, learningRate: 2e-2, trainExtra: Self.loraExtra)
            .replacingOccurrences(of: "ema: true", with: "ema: false")
        let config = try TrainingConfig.parse(yaml: yaml)
        XCTAssertEqual(config.train.lora, LoRAConfig(rank: 4, alpha: 8, targets: ["to_q", "to_k", "to_v", "to_out.0"]))
        var opts = TrainFixture.quiet(runs, name: "lora")
        opts.initFrom = base.path
        let trainer = try LDMTrainer(config: config, options: opts, conditioner: enc)
        let adapter = try XCTUnwrap(trainer.adapter)
        XCTAssertEqual(adapter.layers.count, 32)  // 4 transformer blocks (down, mid, 2 up) x 2 attentions x 4 projections
        let baseWeights = trainer.unet.stateDict()
        let result = try trainer.run()
        let file = try XCTUnwrap(result.exported)
        XCTAssertEqual(file.lastPathComponent, "lora.safetensors")
        // The base stayed frozen: every UNet weight is the --init-from one; only lora_B moved off zero.
        for (k, t) in trainer.unet.stateDict() { XCTAssertEqual(t.scalars, baseWeights[k]!.scalars, k) }
        XCTAssertTrue(adapter.layers.allSatisfy { $0.layer.up.scalars.contains { $0 != 0 } })

        var o = GenerationOptions(prompt: "a high whistle")
        o.steps = 2
        o.seconds = 0.3
        o.sampler = "ddim"
        let pipe = try TextToAudioPipeline.load(folder: base)
        let plain = try pipe.generate(o).latents
        let name = try pipe.loadLoRA(file.path, scale: 1)
        XCTAssertEqual(name, "lora")
        let adapted = try pipe.generate(o).latents
        XCTAssertGreaterThan(zip(plain.scalars, adapted.scalars).map { abs($0 - $1) }.max()!, 1e-3, "the adapter must change the output")
        let during = try trainer.pipeline().generate(o).latents
        XCTAssertLessThanOrEqual(zip(during.scalars, adapted.scalars).map { abs($0 - $1) }.max()!, 1e-5, "reloaded adapter = trained adapter")
        try pipe.setLoRAScale("lora", 0)
        XCTAssertEqual(try pipe.generate(o).latents.scalars, plain.scalars)
        try pipe.unloadLoRA()
        XCTAssertEqual(try pipe.generate(o).latents.scalars, plain.scalars)

        // Resume: stopped after step 2 and resumed gives the uninterrupted run's adapter, bit for bit.
        var stop = TrainFixture.quiet(runs, name: "lora-resumed")
        stop.initFrom = base.path
        stop.stopAtStep = 2
        XCTAssertTrue(try LDMTrainer(config: config, options: stop, conditioner: enc).run().interrupted)
        var again = TrainFixture.quiet(runs, name: "lora-resumed")
        again.resume = true
        let resumed = try LDMTrainer(config: config, options: again, conditioner: enc)
        XCTAssertEqual(try resumed.run().step, 4)
        let want = adapter.stateDict()
        for (k, t) in try XCTUnwrap(resumed.adapter).stateDict() { XCTAssertEqual(t.scalars, want[k]!.scalars, k) }
    }

    func testLoRAConfigErrorsNameTheKey() throws {
        let root = try TrainFixture.tempDir("lora-errors")
        defer { try? FileManager.default.removeItem(at: root) }
        let data = try TrainFixture.dataset(root, count: 4)
        let vae = try TrainFixture.vaeCheckpoint(root)
        func message(_ yaml: String) -> String {
            do { _ = try TrainingConfig.parse(yaml: yaml); return "no error" } catch { return "\(error)" }
        }
        let bad = TrainFixture.ldmYAML(data: data, vae: vae, trainExtra: "  lora:\n    rank: 0")
        XCTAssertTrue(message(bad).contains("train.lora.rank"), message(bad))
        let typo = TrainFixture.ldmYAML(data: data, vae: vae, trainExtra: "  lora:\n    rnak: 4")
        XCTAssertTrue(message(typo).contains("train.lora.rnak"), message(typo))
        let vaeLoRA = TrainFixture.vaeYAML(data: data) + "\n  lora:\n    rank: 4\n"
        XCTAssertTrue(message(vaeLoRA).contains("train.lora"), message(vaeLoRA))
        // No base weights: a LoRA run needs --init-from.
        let config = try TrainingConfig.parse(yaml: TrainFixture.ldmYAML(data: data, vae: vae, trainExtra: Self.loraExtra))
        XCTAssertThrowsError(try LDMTrainer(config: config, options: TrainFixture.quiet(root.appendingPathComponent("runs")), conditioner: try TrainFixture.conditioner())) {
            XCTAssertTrue("\($0)".contains("--init-from"), "\($0)")
        }
    }

    /// An adapter is sampled with its base model's scheduler, so a LoRA run that trains another objective than the
    /// base's is refused at the door; a whole-UNet run may retrain it.
    func testLoRATrainsTheObjectiveItsBasePredicts() throws {
        let root = try TrainFixture.tempDir("lora-objective")
        defer { try? FileManager.default.removeItem(at: root) }
        let data = try TrainFixture.dataset(root, count: 4)
        let vae = try TrainFixture.vaeCheckpoint(root)
        let runs = root.appendingPathComponent("runs")
        let enc = try TrainFixture.conditioner()
        let base = try XCTUnwrap(try LDMTrainer(config: try TrainingConfig.parse(yaml: TrainFixture.ldmYAML(data: data, vae: vae, steps: 1)),
                                                options: TrainFixture.quiet(runs, name: "base"), conditioner: enc).run().exported)
        let vYAML = TrainFixture.ldmYAML(data: data, vae: vae, steps: 1, trainExtra: Self.loraExtra)
            .replacingOccurrences(of: "prediction_type: epsilon", with: "prediction_type: v_prediction")
        var opts = TrainFixture.quiet(runs, name: "lora-v")
        opts.initFrom = base.path
        XCTAssertThrowsError(try LDMTrainer(config: try TrainingConfig.parse(yaml: vYAML), options: opts, conditioner: enc)) { e in
            guard case let TrainingError.config(key, found, expected) = e else { return XCTFail("\(e)") }
            XCTAssertEqual(key, "diffusion.prediction_type")
            XCTAssertEqual(found, "v_prediction")
            XCTAssertTrue(expected.hasPrefix("epsilon, as the --init-from model"), expected)
        }
        // Named by its unet/ folder, the base is found the same way.
        opts.initFrom = base.appendingPathComponent("unet").path
        XCTAssertThrowsError(try LDMTrainer(config: try TrainingConfig.parse(yaml: vYAML), options: opts, conditioner: enc))
        // The whole UNet may be retrained to predict v: the run starts and says what it changes.
        var whole = TrainFixture.quiet(runs, name: "whole-v")
        whole.initFrom = base.path
        var said: [String] = []
        whole.log = { said.append($0) }
        let wholeYAML = TrainFixture.ldmYAML(data: data, vae: vae, steps: 1)
            .replacingOccurrences(of: "prediction_type: epsilon", with: "prediction_type: v_prediction")
        _ = try LDMTrainer(config: try TrainingConfig.parse(yaml: wholeYAML), options: whole, conditioner: enc)
        XCTAssertTrue(said.contains { $0.contains("was trained with diffusion.prediction_type epsilon; this run retrains its UNet with v_prediction") }, "\(said)")

        // A base whose class embedding reads its own contrastive model's text embedding (both it and MiniLM's pooled
        // vector are 384-d, so only its foley.yaml tells): a LoRA config without model.contrastive is refused.
        let clapBase = root.appendingPathComponent("clap-base")
        try FileManager.default.copyItem(at: base, to: clapBase)
        let description = clapBase.appendingPathComponent("foley.yaml")
        try (try String(contentsOf: description, encoding: .utf8) + "contrastive: contrastive\n").write(to: description, atomically: true, encoding: .utf8)
        opts.initFrom = clapBase.path
        let epsilonLoRA = try TrainingConfig.parse(yaml: TrainFixture.ldmYAML(data: data, vae: vae, steps: 1, trainExtra: Self.loraExtra))
        XCTAssertThrowsError(try LDMTrainer(config: epsilonLoRA, options: opts, conditioner: enc)) { e in
            guard case let TrainingError.config(key, found, expected) = e else { return XCTFail("\(e)") }
            XCTAssertEqual(key, "model.contrastive")
            XCTAssertEqual(found, "none")
            XCTAssertTrue(expected.hasPrefix("its own contrastive model (model.contrastive: \(clapBase.path))"), expected)
        }
    }
}
