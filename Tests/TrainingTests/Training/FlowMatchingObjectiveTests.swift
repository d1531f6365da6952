import Diffusion
import Foundation
import Tensors
@testable import Training
import XCTest

/// The rectified-flow objective (`diffusion.prediction_type: flow_prediction`): its path, target and sigma draws by hand,
/// the config keys it adds, and the scheduler config its export ships.
final class FlowMatchingObjectiveTests: XCTestCase {
    /// x_t = (1 - sigma) x0 + sigma noise per row, target = noise - x0, timestep = sigma x num_train_timesteps.
    func testPathAndTargetMatchAHandComputation() throws {
        let x0 = Tensor(shape: [2, 1, 1, 2], data: [1, 2, 3, 4])
        let noise = Tensor(shape: [2, 1, 1, 2], data: [0.5, -1, 2, 0])
        let xt = try FlowMatchingObjective.noisy(x0, noise: noise, sigmas: [0.25, 0.5])
        XCTAssertEqual(xt.shape, [2, 1, 1, 2])
        // Row 0: 0.75*1 + 0.25*0.5, 0.75*2 + 0.25*(-1); row 1: 0.5*3 + 0.5*2, 0.5*4 + 0.5*0.
        XCTAssertEqual(xt.scalars, [0.875, 1.25, 2.5, 2])
        XCTAssertEqual(try FlowMatchingObjective.target(x0, noise: noise).scalars, [-0.5, -3, -1, -4])
        XCTAssertEqual(FlowMatchingObjective(numTrainTimesteps: 1000).timestep(sigma: 0.25), 250)
    }

    /// Uniform draws are the generator's uniform; logit-normal ones are sigmoid(mean + std * normal) of its normal draw.
    func testSigmaDrawsFollowTheConfiguredSampling() {
        let u = FlowMatchingObjective(sampling: .uniform)
        let a = RandomGenerator(seed: 7), b = RandomGenerator(seed: 7)
        for _ in 0..<5 { XCTAssertEqual(u.drawSigma(a), b.nextUniform()) }
        let l = FlowMatchingObjective(sampling: .logitNormal, logitMean: 0.5, logitStd: 2)
        let c = RandomGenerator(seed: 9), d = RandomGenerator(seed: 9)
        var sum = 0.0
        for _ in 0..<2000 {
            let s = l.drawSigma(c)
            let x = 0.5 + 2 * Double(d.nextNormal())
            XCTAssertEqual(Double(s), 1 / (1 + exp(-x)), accuracy: 1e-6)
            XCTAssertTrue(s > 0 && s < 1)
            sum += Double(s)
        }
        // A positive logit mean leans toward the noisy end: E[sigmoid(N(0.5, 2))] is about 0.57.
        XCTAssertEqual(sum / 2000, 0.57, accuracy: 0.03)
    }

    static func flowYAML(_ yaml: String, diffusion: String = "  timestep_sampling: uniform\n", sampler: String? = "flow_euler") -> String {
        var y = yaml.replacingOccurrences(of: "  beta_schedule: scaled_linear\n", with: "")
            .replacingOccurrences(of: "  prediction_type: epsilon\n", with: "  prediction_type: flow_prediction\n" + diffusion)
        y = y.replacingOccurrences(of: "  sampler: ddim\n", with: sampler.map { "  sampler: \($0)\n" } ?? "")
        return y
    }

    /// The keys parse with their defaults (logit_normal, 0, 1; flow_euler), rectified_flow is the same objective, and
    /// mismatched samplers, beta keys and flow keys under epsilon are errors naming the key.
    func testFlowConfigKeysAndErrors() throws {
        let base = TrainFixture.ldmYAML(data: URL(fileURLWithPath: "/tmp/d"), vae: URL(fileURLWithPath: "/tmp/v.safetensors"))
        let c = try TrainingConfig.parse(yaml: Self.flowYAML(base, diffusion: "", sampler: nil))
        XCTAssertEqual(c.diffusion.predictionType, "flow_prediction")
        XCTAssertEqual(c.diffusion.timestepSampling, "logit_normal")
        XCTAssertEqual(c.diffusion.logitMean, 0)
        XCTAssertEqual(c.diffusion.logitStd, 1)
        XCTAssertEqual(c.inference.sampler, "flow_euler")
        let r = try TrainingConfig.parse(yaml: Self.flowYAML(base, diffusion: "  logit_mean: -0.5\n  logit_std: 1.5\n", sampler: "flow_heun")
            .replacingOccurrences(of: "flow_prediction", with: "rectified_flow"))
        XCTAssertEqual(r.diffusion.predictionType, "flow_prediction")
        XCTAssertEqual(r.diffusion.logitMean, -0.5)
        XCTAssertEqual(r.diffusion.logitStd, 1.5)

        let cases: [(String, String, String)] = [
            (Self.flowYAML(base, sampler: "ddim"), "inference.sampler", "flow_euler or flow_heun"),
            (base.replacingOccurrences(of: "sampler: ddim", with: "sampler: flow_euler"), "inference.sampler", "other than flow_euler"),
            (Self.flowYAML(base, diffusion: "  timestep_sampling: cosine\n"), "diffusion.timestep_sampling", "logit_normal"),
            (Self.flowYAML(base, diffusion: "  logit_std: 0\n"), "diffusion.logit_std", "> 0"),
            (Self.flowYAML(base, diffusion: "  beta_end: 0.02\n"), "diffusion.beta_end", "no beta schedule"),
            (base.replacingOccurrences(of: "  prediction_type: epsilon\n", with: "  prediction_type: epsilon\n  logit_mean: 1\n"),
             "diffusion.logit_mean", "flow_prediction only"),
            (Self.flowYAML(base).replacingOccurrences(of: "  ema: true\n", with: "  ema: true\n  timestep_bias_strategy: later\n"),
             "train.timestep_bias_strategy", "diffusion.timestep_sampling"),
        ]
        for (yaml, key, expected) in cases {
            XCTAssertThrowsError(try TrainingConfig.parse(yaml: yaml), key) { e in
                guard case let TrainingError.config(k, _, exp) = e else { return XCTFail("\(e)") }
                XCTAssertEqual(k, key)
                XCTAssertTrue(exp.contains(expected), "\(key): \(exp)")
            }
        }
    }

    /// A flow model's folder ships FlowMatchEulerDiscreteScheduler (or Heun) with the training timestep scale and
    /// no beta keys; the sampler built from it is the flow Euler sampler over sigma 1 -> 1/1000.
    func testExportedSchedulerIsFlowMatchEuler() throws {
        var d = TrainingConfig.DiffusionConfig()
        d.predictionType = "flow_prediction"
        let s = ModelExport.samplerConfig(diffusion: d, sampler: "flow_euler")
        XCTAssertEqual(s.className, "FlowMatchEulerDiscreteScheduler")
        XCTAssertEqual(s.numTrainTimesteps, 1000)
        XCTAssertEqual(s.shift, 1)
        XCTAssertNil(s.betaSchedule)
        XCTAssertNil(s.predictionType)
        XCTAssertEqual(ModelExport.samplerConfig(diffusion: d, sampler: "flow_heun").className, "FlowMatchHeunDiscreteScheduler")
        let sampler = try makeSampler(config: s)
        XCTAssertTrue(sampler is FlowMatchEulerSampler)
        try sampler.setTimesteps(4)
        // diffusers: linspace(1000, 1, 4) (sigma_min = 1 / num_train_timesteps).
        for (t, e) in zip(sampler.timesteps, [Float(1000), 667, 334, 1]) { XCTAssertEqual(t, e, accuracy: 1e-3) }
    }
}
