import Foundation
import Tensors

/// Ancestral Euler (k-diffusion's sample_euler_ancestral), as diffusers' EulerAncestralDiscreteScheduler.
// Each step goes deterministically down to sigma_down, then adds fresh noise of size sigma_up.
public final class EulerAncestralSampler: Sampler {
    public let config: SamplerConfig
    public var alphasCumprod: [Float] { schedule.options.alphasCumprod }
    public var timesteps: [Float] { schedule.timesteps }
    public var sigmas: [Float] { schedule.sigmas }
    public var initNoiseSigma: Float { schedule.initNoiseSigma }
    public let order = 1

    var schedule: SigmaSchedule

    public init(config: SamplerConfig = SamplerConfig()) throws {
        self.config = config.named("EulerAncestralDiscreteScheduler")
        // diffusers implements only epsilon and v-prediction here.
        schedule = try SigmaSchedule(config, predictions: [.epsilon, .vPrediction], allowFinalSigmaMin: false)
    }

    public func setTimesteps(_ steps: Int) throws { try schedule.set(steps: steps) }

    public func scaleModelInput(_ sample: Tensor, timestep: Float) throws -> Tensor {
        try schedule.scale(sample, timestep: timestep, name: "Euler ancestral")
    }

    public func step(modelOutput: Tensor, timestep: Float, sample: Tensor, noise: NoiseSource?) throws -> Tensor {
        try SamplerMath.checkShapes(modelOutput, sample)
        let i = try schedule.current(timestep, name: "Euler ancestral")
        try schedule.checkInRange(i, name: "Euler ancestral")
        guard let noise else { throw SamplerMath.needsNoise("Euler ancestral") }
        let sigmaFrom = schedule.sigmas[i], sigmaTo = schedule.sigmas[i + 1]
        let x0 = try schedule.predictOriginal(modelOutput, sample: sample, sigma: sigmaFrom)
        // Split the next level so that sigma_down^2 + sigma_up^2 = sigma_to^2 (eta = 1).
        let sigmaUp = (sigmaTo * sigmaTo * (sigmaFrom * sigmaFrom - sigmaTo * sigmaTo) / (sigmaFrom * sigmaFrom)).squareRoot()
        let sigmaDown = (sigmaTo * sigmaTo - sigmaUp * sigmaUp).squareRoot()
        let derivative = try SamplerMath.divide(try sample - x0, sigmaFrom)
        let prev = try sample + derivative * (sigmaDown - sigmaFrom)
        let z = try noise.nextNoise(shape: sample.shape)
        schedule.advance()
        return try prev + z * sigmaUp
    }

    public func addNoise(original: Tensor, noise: Tensor, timestep: Float) throws -> Tensor {
        try schedule.addNoise(original: original, noise: noise, timestep: timestep)
    }
}
