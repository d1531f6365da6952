import Foundation
import Tensors

/// Rectified-flow training, as diffusers' flow-matching scripts (train_dreambooth_sd3.py, train_text_to_image_flux)
/// do it: a noise level sigma in (0, 1), the straight-line mix x_t = (1 - sigma) x0 + sigma noise, and the velocity
/// target noise - x0. `diffusion.prediction_type: flow_prediction` selects it; FlowMatchEulerDiscreteScheduler
/// integrates the learned velocity back from sigma = 1, so the export ships that scheduler.
public struct FlowMatchingObjective: Equatable {
    /// diffusers' `weighting_scheme` for drawing sigma: `uniform` or `logit_normal` (sigmoid of a normal draw, which
    /// spends more steps on the middle of the path, where SD3's authors found the velocity hardest to learn).
    public enum TimestepSampling: String, CaseIterable, Equatable {
        case uniform
        case logitNormal = "logit_normal"
    }

    public var sampling: TimestepSampling
    public var logitMean: Double
    public var logitStd: Double
    /// The model sees sigma x num_train_timesteps, the timesteps FlowMatchEulerDiscreteScheduler passes it.
    public var numTrainTimesteps: Int

    public init(sampling: TimestepSampling = .logitNormal, logitMean: Double = 0, logitStd: Double = 1, numTrainTimesteps: Int = 1000) {
        self.sampling = sampling
        self.logitMean = logitMean
        self.logitStd = logitStd
        self.numTrainTimesteps = numTrainTimesteps
    }

    /// One noise level in (0, 1), from `rng` (one uniform or one normal draw, so runs replay exactly).
    public func drawSigma(_ rng: RandomGenerator) -> Float {
        switch sampling {
        case .uniform:
            // nextUniform is in [0, 1); sigma = 0 would train on clean latents only, so it is nudged off the end.
            return max(rng.nextUniform(), 1e-5)
        case .logitNormal:
            let x = logitMean + logitStd * Double(rng.nextNormal())
            return Float(1 / (1 + exp(-x)))
        }
    }

    /// The timestep the model is given for a noise level.
    public func timestep(sigma: Float) -> Float { sigma * Float(numTrainTimesteps) }

    /// x_t = (1 - sigma) x0 + sigma noise, one sigma per batch row.
    public static func noisy(_ x0: Tensor, noise: Tensor, sigmas: [Float]) throws -> Tensor {
        let shape = [sigmas.count] + Array(repeating: 1, count: x0.shape.count - 1)
        let s = Tensor(shape: shape, data: sigmas)
        let keep = Tensor(shape: shape, data: sigmas.map { 1 - $0 })
        return try x0 * keep + noise * s
    }

    /// The velocity d x_t / d sigma = noise - x0, which the model is trained to predict.
    public static func target(_ x0: Tensor, noise: Tensor) throws -> Tensor { try noise - x0 }
}
