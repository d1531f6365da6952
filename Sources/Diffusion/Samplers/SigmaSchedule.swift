import Foundation
import Tensors

/// The noise-level schedule and step cursor Euler, Euler-ancestral, Heun and LMS share (k-diffusion style).
///
/// The latent is x = x0 + sigma * eps, so the denoiser sees x / sqrt(sigma^2 + 1) and the samplers
/// integrate the probability-flow ODE in sigma. Mirrors diffusers' set_timesteps for those classes.
struct SigmaSchedule: StepCursor {
    let options: CommonOptions
    let useKarras: Bool
    let sigmaMin: Double?
    let sigmaMax: Double?
    /// diffusers `final_sigmas_type`: end at sigma 0 ("zero") or at the smallest training sigma ("sigma_min").
    let finalSigmaMin: Bool
    private(set) var timesteps: [Float] = []
    private(set) var sigmas: [Float] = []
    /// Index into `sigmas` of the current step; set from the first timestep seen, as diffusers does.
    var stepIndex: Int?

    init(_ config: SamplerConfig, predictions: [PredictionType], allowFinalSigmaMin: Bool) throws {
        options = try CommonOptions(config, spacing: .linspace, predictions: predictions, sigmaBased: true)
        useKarras = config.useKarrasSigmas ?? false
        sigmaMin = config.sigmaMin
        sigmaMax = config.sigmaMax
        let finals = allowFinalSigmaMin ? ["zero", "sigma_min"] : ["zero"]
        let final = config.finalSigmasType ?? "zero"
        guard finals.contains(final) else {
            throw DiffusionError.invalidArgument("final_sigmas_type", "expected \(SamplerMath.list(finals)), got '\(final)'")
        }
        finalSigmaMin = final == "sigma_min"
    }

    /// Builds timesteps and sigmas for `steps` and rewinds the cursor.
    mutating func set(steps: Int) throws {
        try options.validate(steps: steps)
        var ts = SamplerMath.spacedTimesteps(options.spacing, numTrain: options.numTrain, steps: steps,
                                             offset: options.stepsOffset).map { Double(Float($0)) }
        let train = SamplerMath.trainingSigmas(options.alphasCumprod)
        var s = ts.map { SamplerMath.interp($0, train) }
        if useKarras {
            let logSigmas = train.map { Foundation.log($0) }
            s = SamplerMath.karras(max: sigmaMax ?? s[0], min: sigmaMin ?? s[s.count - 1], steps: steps)
            ts = s.map { SamplerMath.sigmaToT($0, logSigmas: logSigmas) }
        }
        let a0 = options.alphasCumprod[0]
        let last: Float = finalSigmaMin ? ((1 - a0) / a0).squareRoot() : 0
        timesteps = ts.map { Float($0) }
        sigmas = s.map { Float($0) } + [last]
        stepIndex = nil
    }

    /// Replaces the schedule (Heun repeats its interior points).
    mutating func override(timesteps t: [Float], sigmas s: [Float]) {
        timesteps = t
        sigmas = s
    }

    /// diffusers' init_noise_sigma: sigma_max for linspace/trailing spacing, else sqrt(sigma_max^2 + 1).
    var initNoiseSigma: Float {
        let m = sigmas.max() ?? 1
        return options.spacing == .leading ? (m * m + 1).squareRoot() : m
    }

    /// The denoiser input x / sqrt(sigma^2 + 1).
    mutating func scale(_ sample: Tensor, timestep: Float, name: String) throws -> Tensor {
        let i = try current(timestep, name: name)
        try checkInRange(i, name: name)
        let s = sigmas[i]
        return try SamplerMath.divide(sample, (s * s + 1).squareRoot())
    }

    /// x0 from the denoiser output at noise level `sigma` (k-diffusion's denoised).
    func predictOriginal(_ modelOutput: Tensor, sample: Tensor, sigma: Float) throws -> Tensor {
        switch options.prediction {
        case .epsilon: return try sample - modelOutput * sigma
        case .vPrediction:
            return try modelOutput * (-sigma / (sigma * sigma + 1).squareRoot())
                + SamplerMath.divide(sample, sigma * sigma + 1)
        case .sample: return modelOutput
        }
    }

    /// x0 + sigma(t) * noise.
    func addNoise(original: Tensor, noise: Tensor, timestep: Float) throws -> Tensor {
        guard !timesteps.isEmpty else {
            throw DiffusionError.invalidArgument("timesteps", "call setTimesteps(_:) before addNoise")
        }
        return try original + noise * sigmas[try index(of: timestep)]
    }
}
