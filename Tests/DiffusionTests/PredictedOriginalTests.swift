import Diffusion
import Foundation
import Tensors
import XCTest

/// `predictedOriginal` rebuilds the x0 a sampler's step computes; with the true noise as the model's output it must
/// give back the clean sample the forward process (each sampler's own `addNoise`) started from.
final class PredictedOriginalTests: XCTestCase {
    func testTheTrueNoiseGivesBackTheCleanSampleForEverySamplerFamily() throws {
        let shape = [1, 4, 6, 5]
        let x0 = SamplerContractTests.randn(shape, seed: 3), noise = SamplerContractTests.randn(shape, seed: 4)
        // cosine_dpm's EDM output is x0 - c_skip x over c_out by definition, so the check would restate the formula.
        for name in samplerNames where name != "cosine_dpm" {
            let s = try makeSampler(name: name, config: SamplerContractTests.base)
            try s.setTimesteps(10)
            let t = s.timesteps[3]
            let noisy = try s.addNoise(original: x0, noise: noise, timestep: t)
            // Flows predict the velocity noise - x0; the rest predict the noise (epsilon, the default).
            let output = s is FlowMatchEulerSampler || s is FlowMatchHeunSampler ? try noise - x0 : noise
            let x = try s.predictedOriginal(modelOutput: output, timestep: t, sample: noisy)
            XCTAssertLessThan(Parity.relative(x, x0), 1e-4, name)
        }
        // Halfway down the schedule the estimate is not the noisy latent itself.
        let ddim = try makeSampler(name: "ddim", config: SamplerContractTests.base)
        try ddim.setTimesteps(10)
        let noisy = try ddim.addNoise(original: x0, noise: noise, timestep: ddim.timesteps[5])
        XCTAssertGreaterThan(Parity.relative(noisy, x0), 0.1)
    }

    func testATimestepOutsideTheRunIsAnError() throws {
        let s = try makeSampler(name: "euler", config: SamplerContractTests.base)
        try s.setTimesteps(4)
        let x = Tensor.zeros([1, 1, 2, 2])
        XCTAssertThrowsError(try s.predictedOriginal(modelOutput: x, timestep: 0.5, sample: x)) { e in
            XCTAssertEqual("\(e)", "timestep: 0.5 is not one of this run's timesteps")
        }
    }
}
