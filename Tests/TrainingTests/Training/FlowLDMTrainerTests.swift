import Diffusion
import Foundation
import NN
import Tensors
@testable import Training
import XCTest

/// The LDM trainer under `diffusion.prediction_type: flow_prediction`: its loss is the velocity MSE computed by hand,
/// training lowers it, and the exported folder generates with flow_euler.
final class FlowLDMTrainerTests: XCTestCase {
    override func setUpWithError() throws {
        guard TrainFixture.miniLMAvailable else {
            throw MissingPrerequisite("all-MiniLM-L6-v2 not found at \(FoleyPaths.miniLM.path): run scripts/setup")
        }
    }

    func testFlowObjectiveTrainsAndGeneratesWithFlowEuler() throws {
        let root = try TrainFixture.tempDir("flow-ldm")
        defer { try? FileManager.default.removeItem(at: root) }
        let data = try TrainFixture.dataset(root, count: 4)
        let vae = try TrainFixture.vaeCheckpoint(root)
        let yaml = FlowMatchingObjectiveTests.flowYAML(
            TrainFixture.ldmYAML(data: data, vae: vae, steps: 25, learningRate: 4e-3, textDropout: 0,
                                 trainExtra: "  sample_posterior: false\n"))
        let cfg = try TrainingConfig.parse(yaml: yaml)
        XCTAssertEqual(cfg.diffusion.timestepSampling, "uniform")
        let trainer = try LDMTrainer(config: cfg, options: TrainFixture.quiet(root.appendingPathComponent("runs")),
                                     conditioner: try TrainFixture.conditioner())
        let stage = trainer.stage
        let probe = try trainer.loader.batch(at: .init(epoch: 0, batch: 0))

        // The loss by hand: the same draws (sigmas, then the noise) mixed and differenced here, the UNet run on them.
        try GradMode.noGrad {
            let z = try stage.vae.encode(probe.mel).mode * stage.vae.scalingFactor
            let b = z.shape[0]
            let r = RandomGenerator(seed: 5)
            let sigmas = (0..<b).map { _ in max(r.nextUniform(), 1e-5) }
            let noise = Tensor.randn(z.shape, generator: r)
            let per = z.scalars.count / b
            var xt = [Float](), target = [Float]()
            for i in 0..<z.scalars.count {
                let s = sigmas[i / per]
                xt.append((1 - s) * z.scalars[i] + s * noise.scalars[i])
                target.append(noise.scalars[i] - z.scalars[i])
            }
            let (nx, steps, nt) = try stage.noised(z, rng: RandomGenerator(seed: 5))
            XCTAssertEqual(steps, sigmas.map { $0 * 1000 })
            for (a, e) in zip(nx.scalars, xt) { XCTAssertEqual(a, e, accuracy: 1e-6) }
            for (a, e) in zip(nt.scalars, target) { XCTAssertEqual(a, e, accuracy: 1e-6) }
            let cond = try stage.conditioningBatch(probe.captions)
            let pred = try stage.unet(Tensor(shape: z.shape, data: xt), timesteps: steps, encoderHiddenStates: cond.tokens,
                                      classLabels: cond.pooled, encoderAttentionMask: cond.mask)
            let mse = zip(pred.scalars, target).reduce(0.0) { $0 + Double($1.0 - $1.1) * Double($1.0 - $1.1) } / Double(target.count)
            XCTAssertEqual(try trainer.evaluate(probe, seed: 5), mse, accuracy: 1e-5 * mse)
        }

        let before = (0..<4).map { try! trainer.evaluate(probe, seed: UInt64($0)) }.reduce(0, +) / 4
        let result = try trainer.run()
        let after = (0..<4).map { try! trainer.evaluate(probe, seed: UInt64($0)) }.reduce(0, +) / 4
        print(String(format: "LDM flow velocity-MSE before %.4f after %.4f (%.2fx) in %d steps", before, after, before / after, result.step))
        XCTAssertLessThan(after, before * 0.8, "the velocity loss should fall")

        // The export ships FlowMatchEulerDiscreteScheduler and generates with it.
        let folder = try XCTUnwrap(result.exported)
        let scheduler = try String(contentsOf: folder.appendingPathComponent("scheduler/scheduler_config.json"), encoding: .utf8)
        XCTAssertTrue(scheduler.contains("\"FlowMatchEulerDiscreteScheduler\""), scheduler)
        XCTAssertFalse(scheduler.contains("beta_schedule"), scheduler)
        let pipe = try TextToAudioPipeline.load(folder: folder)
        XCTAssertEqual(pipe.samplerConfig.className, "FlowMatchEulerDiscreteScheduler")
        var o = GenerationOptions(prompt: "a low hum")
        o.steps = 4
        o.seconds = 0.25
        o.guidanceScale = 2
        let r = try pipe.generate(o)
        XCTAssertEqual(r.waveforms[0].count, 4000)
        XCTAssertTrue(r.waveforms[0].allSatisfy(\.isFinite))
        XCTAssertGreaterThan(r.waveforms[0].map { abs($0) }.max()!, 0)
        // Its velocity means nothing to a beta-schedule sampler: asking for one is an error naming the flow samplers.
        o.sampler = "ddim"
        XCTAssertThrowsError(try pipe.generate(o)) { e in
            XCTAssertTrue("\(e)".contains("expected flow_euler or flow_heun, got 'ddim'"), "\(e)")
        }
        o.sampler = "flow_heun"
        XCTAssertTrue(try pipe.generate(o).waveforms[0].allSatisfy(\.isFinite))
    }
}
