import Foundation
import Tensors

/// Ancestral sampling of Ho et al. (2020), as diffusers' DDPMScheduler: fresh noise at every step but the last.
public final class DDPMSampler: Sampler {
    /// How much noise the reverse step re-injects (diffusers `variance_type`).
    public enum VarianceType: String, CaseIterable {
        case fixedSmall = "fixed_small", fixedSmallLog = "fixed_small_log", fixedLarge = "fixed_large"
    }

    public let config: SamplerConfig
    public var alphasCumprod: [Float] { options.alphasCumprod }
    public private(set) var timesteps: [Float] = []
    public var sigmas: [Float] { [] }
    public let initNoiseSigma: Float = 1
    public let order = 1
    public let varianceType: VarianceType
    /// Clamp range for the predicted x0, nil when clipping is off.
    public let clipRange: Float?

    let options: CommonOptions
    private var discrete: [Int] = []

    public init(config: SamplerConfig = SamplerConfig()) throws {
        self.config = config.named("DDPMScheduler")
        options = try CommonOptions(config, spacing: .leading)
        varianceType = try SamplerConfig.option("variance_type", config.varianceType, default: .fixedSmall,
                                                  allowed: VarianceType.allCases)
        clipRange = (config.clipSample ?? true) ? Float(config.clipSampleRange ?? 1) : nil
    }

    public func setTimesteps(_ steps: Int) throws {
        try options.validate(steps: steps)
        discrete = SamplerMath.spacedTimesteps(options.spacing, numTrain: options.numTrain, steps: steps,
                                               offset: options.stepsOffset).map { Int(SamplerMath.round($0)) }
        timesteps = discrete.map(Float.init)
    }

    public func scaleModelInput(_ sample: Tensor, timestep: Float) throws -> Tensor { sample }

    /// The timestep after `t` in the schedule, -1 after the last (diffusers previous_timestep).
    private func previous(_ t: Int) throws -> Int {
        guard let i = discrete.firstIndex(of: t) else {
            throw DiffusionError.invalidArgument("timestep", "expected one of the sampler's timesteps, got \(t)")
        }
        return i + 1 < discrete.count ? discrete[i + 1] : -1
    }

    public func step(modelOutput: Tensor, timestep: Float, sample: Tensor, noise: NoiseSource?) throws -> Tensor {
        guard !discrete.isEmpty else { throw SamplerMath.notReady("DDPM") }
        try SamplerMath.checkShapes(modelOutput, sample)
        let t = try options.trainIndex(timestep), prevT = try previous(t)
        let ac = options.alphasCumprod
        // Scalars stay float32, as diffusers computes them from float32 tensors.
        let alphaProd = ac[t], alphaProdPrev: Float = prevT >= 0 ? ac[prevT] : 1
        let betaProd = 1 - alphaProd, betaProdPrev = 1 - alphaProdPrev
        let currentAlpha = alphaProd / alphaProdPrev, currentBeta = 1 - currentAlpha

        var x0: Tensor
        switch options.prediction {
        case .epsilon: x0 = try SamplerMath.divide(try sample - modelOutput * betaProd.squareRoot(), alphaProd.squareRoot())
        case .sample: x0 = modelOutput
        case .vPrediction: x0 = try sample * alphaProd.squareRoot() - modelOutput * betaProd.squareRoot()
        }
        if let r = clipRange { x0 = x0.clamp(min: -r, max: r) }

        // Posterior mean mu_t(x_t, x_0), formula (7) of the DDPM paper.
        let x0Coeff = alphaProdPrev.squareRoot() * currentBeta / betaProd
        let sampleCoeff = currentAlpha.squareRoot() * betaProdPrev / betaProd
        var prev = try x0 * x0Coeff + sample * sampleCoeff

        if t > 0 {
            guard let noise else { throw SamplerMath.needsNoise("DDPM") }
            let z = try noise.nextNoise(shape: sample.shape)
            // fixed_small: the posterior variance, floored so its log stays finite.
            let small = max(betaProdPrev / betaProd * currentBeta, 1e-20)
            let std: Float
            switch varianceType {
            case .fixedSmall: std = small.squareRoot()
            case .fixedSmallLog: std = Foundation.exp(0.5 * Foundation.log(small))
            case .fixedLarge: std = currentBeta.squareRoot()
            }
            prev = try prev + z * std
        }
        return prev
    }

    public func addNoise(original: Tensor, noise: Tensor, timestep: Float) throws -> Tensor {
        try options.addNoise(original: original, noise: noise, timestep: timestep)
    }
}
