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
    /// The last step's denoiser output, timestep and input latents: what the sampler's predicted x0 is rebuilt from
    /// when a run stops early (kept rather than computed each step, which would cost every run for the rare stop).
    private var lastPrediction: (output: Tensor, timestep: Float, sample: Tensor)?

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

    /// The clean latents (x0) the sampler predicted at the last completed step; nil before the first.
    public func predictedOriginal() throws -> Tensor? {
        guard let p = lastPrediction else { return nil }
        return try sampler.predictedOriginal(modelOutput: p.output, timestep: p.timestep, sample: p.sample)
    }

    public func next() -> StepProgress? {
        guard error == nil, index < timesteps.count else { return nil }
        let t = timesteps[index]
        do {
            let eps = try denoise(try sampler.scaleModelInput(latents, timestep: t), t)
            var x = try sampler.step(modelOutput: eps, timestep: t, sample: latents, noise: noise)
            if let afterStep { x = try afterStep(x, index) }
            lastPrediction = (eps, t, latents)
            latents = x
        } catch {
            self.error = error
            return nil
        }
        index += 1
        return StepProgress(step: index, totalSteps: timesteps.count, timestep: t, latents: latents)
    }
}
