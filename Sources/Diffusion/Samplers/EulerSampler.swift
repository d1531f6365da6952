import Foundation
import Tensors

/// Euler's method on the probability-flow ODE (Karras et al. 2022, Alg. 2), as diffusers' EulerDiscreteScheduler.
// Options: Karras sigmas (use_karras_sigmas) and Algorithm 2's "churn" noise (sChurn > 0).
public final class EulerSampler: Sampler {
    public let config: SamplerConfig
    public var alphasCumprod: [Float] { schedule.options.alphasCumprod }
    public var timesteps: [Float] { schedule.timesteps }
    public var sigmas: [Float] { schedule.sigmas }
    public var initNoiseSigma: Float { schedule.initNoiseSigma }
    public let order = 1
    /// Stochasticity of Karras' Algorithm 2 (0 keeps the sampler deterministic).
    public var sChurn: Float = 0
    /// Churn applies only to sigmas in [sTmin, sTmax].
    public var sTmin: Float = 0
    public var sTmax: Float = .infinity
    /// Scale of the churn noise.
    public var sNoise: Float = 1

    var schedule: SigmaSchedule

    public init(config: SamplerConfig = SamplerConfig()) throws {
        self.config = config.named("EulerDiscreteScheduler")
        schedule = try SigmaSchedule(config, predictions: PredictionType.allCases, allowFinalSigmaMin: true)
    }

    public func setTimesteps(_ steps: Int) throws { try schedule.set(steps: steps) }

    public func scaleModelInput(_ sample: Tensor, timestep: Float) throws -> Tensor {
        try schedule.scale(sample, timestep: timestep, name: "Euler")
    }

    public func step(modelOutput: Tensor, timestep: Float, sample: Tensor, noise: NoiseSource?) throws -> Tensor {
        try SamplerMath.checkShapes(modelOutput, sample)
        let i = try schedule.current(timestep, name: "Euler")
        try schedule.checkInRange(i, name: "Euler")
        let sigma = schedule.sigmas[i]
        // Churn raises the noise level to sigma_hat by adding fresh noise before the Euler step.
        let gamma: Float = sTmin <= sigma && sigma <= sTmax
            ? min(sChurn / Float(schedule.sigmas.count - 1), Float(2).squareRoot() - 1) : 0
        let sigmaHat = sigma * (gamma + 1)
        var x = sample
        if gamma > 0 {
            guard let noise else { throw SamplerMath.needsNoise("Euler with s_churn > 0") }
            let eps = try noise.nextNoise(shape: sample.shape) * sNoise
            x = try x + eps * (sigmaHat * sigmaHat - sigma * sigma).squareRoot()
        }
        // diffusers predicts x0 with sigma_hat for epsilon but with sigma for v-prediction.
        let x0 = schedule.options.prediction == .epsilon
            ? try x - modelOutput * sigmaHat
            : try schedule.predictOriginal(modelOutput, sample: x, sigma: sigma)
        let derivative = try SamplerMath.divide(try x - x0, sigmaHat)
        let dt = schedule.sigmas[i + 1] - sigmaHat
        schedule.advance()
        return try x + derivative * dt
    }

    public func addNoise(original: Tensor, noise: Tensor, timestep: Float) throws -> Tensor {
        try schedule.addNoise(original: original, noise: noise, timestep: timestep)
    }
}
