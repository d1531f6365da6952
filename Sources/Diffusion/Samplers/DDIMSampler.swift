import Foundation
import Tensors

/// Denoising diffusion implicit models (Song et al. 2020), as diffusers' DDIMScheduler; `eta` > 0 adds noise.
public final class DDIMSampler: Sampler {
    public let config: SamplerConfig
    public var alphasCumprod: [Float] { options.alphasCumprod }
    public private(set) var timesteps: [Float] = []
    public var sigmas: [Float] { [] }
    public let initNoiseSigma: Float = 1
    public let order = 1
    /// Weight of the stochastic term: 0 is deterministic DDIM, 1 matches DDPM's variance.
    public var eta: Float = 0
    /// Re-derive the noise from the clipped x0 (as GLIDE does) before taking the step.
    public var useClippedModelOutput = false
    /// Clamp range for the predicted x0, nil when clipping is off.
    public let clipRange: Float?
    /// alpha_bar used past the last step: 1, or alpha_bar at t = 0 when `set_alpha_to_one` is false.
    public let finalAlphaCumprod: Float

    let options: CommonOptions
    private var stepCount = 0

    public init(config: SamplerConfig = SamplerConfig(), eta: Float = 0) throws {
        self.config = config.named("DDIMScheduler")
        options = try CommonOptions(config, spacing: .leading)
        clipRange = (config.clipSample ?? true) ? Float(config.clipSampleRange ?? 1) : nil
        finalAlphaCumprod = (config.setAlphaToOne ?? true) ? 1 : options.alphasCumprod[0]
        guard eta >= 0 else { throw DiffusionError.invalidArgument("eta", "expected a value >= 0, got \(eta)") }
        self.eta = eta
    }

    public func setTimesteps(_ steps: Int) throws {
        try options.validate(steps: steps)
        stepCount = steps
        timesteps = SamplerMath.spacedTimesteps(options.spacing, numTrain: options.numTrain, steps: steps,
                                                offset: options.stepsOffset).map { Float(SamplerMath.round($0)) }
    }

    public func scaleModelInput(_ sample: Tensor, timestep: Float) throws -> Tensor { sample }

    public func step(modelOutput: Tensor, timestep: Float, sample: Tensor, noise: NoiseSource?) throws -> Tensor {
        guard stepCount > 0 else { throw SamplerMath.notReady("DDIM") }
        guard eta >= 0 else { throw DiffusionError.invalidArgument("eta", "expected a value >= 0, got \(eta)") }
        try SamplerMath.checkShapes(modelOutput, sample)
        let t = try options.trainIndex(timestep)
        // diffusers steps back by a fixed stride whatever the spacing, so trailing schedules end on final_alpha.
        let prevT = t - options.numTrain / stepCount
        let ac = options.alphasCumprod
        let alphaProd = ac[t], alphaProdPrev = prevT >= 0 ? ac[prevT] : finalAlphaCumprod
        let betaProd = 1 - alphaProd

        var x0: Tensor, eps: Tensor
        switch options.prediction {
        case .epsilon:
            x0 = try SamplerMath.divide(try sample - modelOutput * betaProd.squareRoot(), alphaProd.squareRoot())
            eps = modelOutput
        case .sample:
            x0 = modelOutput
            eps = try SamplerMath.divide(try sample - x0 * alphaProd.squareRoot(), betaProd.squareRoot())
        case .vPrediction:
            x0 = try sample * alphaProd.squareRoot() - modelOutput * betaProd.squareRoot()
            eps = try modelOutput * alphaProd.squareRoot() + sample * betaProd.squareRoot()
        }
        if let r = clipRange { x0 = x0.clamp(min: -r, max: r) }

        // sigma_t(eta), formula (16) of the DDIM paper.
        let variance = ((1 - alphaProdPrev) / betaProd) * (1 - alphaProd / alphaProdPrev)
        let std = eta * variance.squareRoot()
        if useClippedModelOutput {
            eps = try SamplerMath.divide(try sample - x0 * alphaProd.squareRoot(), betaProd.squareRoot())
        }
        // Formula (12): x_{t-1} = sqrt(abar_prev) x0 + sqrt(1 - abar_prev - sigma^2) eps + sigma z.
        let direction = eps * (1 - alphaProdPrev - std * std).squareRoot()
        var prev = try x0 * alphaProdPrev.squareRoot() + direction
        if eta > 0 {
            guard let noise else { throw SamplerMath.needsNoise("DDIM with eta > 0") }
            prev = try prev + (try noise.nextNoise(shape: sample.shape)) * std
        }
        return prev
    }

    public func addNoise(original: Tensor, noise: Tensor, timestep: Float) throws -> Tensor {
        try options.addNoise(original: original, noise: noise, timestep: timestep)
    }
}
