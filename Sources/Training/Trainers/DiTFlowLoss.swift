import Diffusion
import Foundation
import Tensors

/// The rectified-flow loss of a StableAudioDiTModel (Stable Audio Open Small's objective): the DiT, given
/// x_t = (1 - sigma) x0 + sigma noise over Oobleck latents [B, C, L], the timestep sigma x num_train_timesteps (what
/// FlowMatchEulerDiscreteScheduler passes it at generation) and the projected text and seconds conditioning, predicts
/// the velocity noise - x0; the loss is its mean squared error. `DiTStage` trains with it.
public struct DiTFlowLoss {
    public let objective: FlowMatchingObjective

    public init(objective: FlowMatchingObjective) { self.objective = objective }

    /// The loss and the sigmas drawn (one per row, then the noise, from `rng`).
    public func callAsFunction(_ dit: StableAudioDiTModel, latents x0: Tensor, encoderHiddenStates: Tensor,
                               globalHiddenStates: Tensor, rng: RandomGenerator, shard: DataShard = .single) throws -> (loss: Tensor, sigmas: [Float]) {
        guard x0.rank == 3, x0.shape[1] == dit.config.inChannels else {
            throw TrainingError.config(key: "transformer.in_channels", found: "latents of shape \(x0.shape)",
                                       expected: "[batch, \(dit.config.inChannels), frames] (the VAE's latent channels)")
        }
        let b = x0.shape[0]
        // Drawn for the global batch under mpirun (every rank the same), each rank keeping its rows.
        let sigmas = shard.draws(b) { objective.drawSigma(rng) }
        let noise = shard.randn(x0.shape, generator: rng)
        let xt = try FlowMatchingObjective.noisy(x0, noise: noise, sigmas: sigmas)
        let t = Tensor(shape: [b], data: sigmas.map(objective.timestep(sigma:)))
        let pred = try dit(xt, timestep: t, encoderHiddenStates: encoderHiddenStates, globalHiddenStates: globalHiddenStates)
        let d = try pred - FlowMatchingObjective.target(x0, noise: noise)
        return (try (d * d).mean(), sigmas)
    }
}
