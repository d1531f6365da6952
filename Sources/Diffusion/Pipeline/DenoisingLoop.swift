import Tensors

/// The sampler loop as a sequence: each `next()` runs one UNet call with guidance and one sampler step,
/// so the CLI can draw progress and the REPL can stop between steps.
public final class DenoisingLoop: Sequence, IteratorProtocol {
    public typealias Denoiser = (_ latents: Tensor, _ timestep: Float) throws -> Tensor

    let sampler: any Sampler
    let timesteps: [Float]
    let denoise: Denoiser
    let noise: NoiseSource
    /// Applied to the latents after each step (inpainting re-imposes the kept region here).
    let afterStep: ((Tensor, Int) throws -> Tensor)?
    public private(set) var latents: Tensor
    public private(set) var index = 0
    /// The first error a step raised; iteration stops there.
    public private(set) var error: Error?

    init(sampler: any Sampler, timesteps: [Float], latents: Tensor, noise: NoiseSource,
         afterStep: ((Tensor, Int) throws -> Tensor)? = nil, denoise: @escaping Denoiser) {
        self.sampler = sampler
        self.timesteps = timesteps
        self.latents = latents
        self.noise = noise
        self.afterStep = afterStep
        self.denoise = denoise
    }

    public var totalSteps: Int { timesteps.count }

    public func next() -> StepProgress? {
        guard error == nil, index < timesteps.count else { return nil }
        let t = timesteps[index]
        do {
            let eps = try denoise(try sampler.scaleModelInput(latents, timestep: t), t)
            var x = try sampler.step(modelOutput: eps, timestep: t, sample: latents, noise: noise)
            if let afterStep { x = try afterStep(x, index) }
            latents = x
        } catch {
            self.error = error
            return nil
        }
        index += 1
        return StepProgress(step: index, totalSteps: timesteps.count, timestep: t, latents: latents)
    }
}
