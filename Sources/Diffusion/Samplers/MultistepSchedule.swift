import Foundation
import Tensors

/// The schedule DPM-Solver++ and UniPC share: integer timesteps over the VP process, with
/// alpha_t = 1 / sqrt(sigma^2 + 1), sigma_t = sigma * alpha_t and half-log-SNR lambda = log(alpha_t / sigma_t).
struct MultistepSchedule {
    let options: CommonOptions
    let useKarras: Bool
    /// diffusers `final_sigmas_type`: end at sigma 0 ("zero") or at the last/smallest sigma ("sigma_min").
    let finalSigmaMin: Bool
    /// Truncation of the schedule where lambda drops below this (diffusers `lambda_min_clipped`).
    let lambdaMinClipped: Double
    private(set) var timesteps: [Float] = []
    private(set) var sigmas: [Float] = []
    var stepIndex: Int?

    init(_ config: SamplerConfig, lambdaMinClipped: Double = -.infinity) throws {
        options = try CommonOptions(config, spacing: .linspace, sigmaBased: true)
        useKarras = config.useKarrasSigmas ?? false
        let final = config.finalSigmasType ?? "zero"
        guard ["zero", "sigma_min"].contains(final) else {
            throw DiffusionError.invalidArgument("final_sigmas_type", "expected zero or sigma_min, got '\(final)'")
        }
        finalSigmaMin = final == "sigma_min"
        self.lambdaMinClipped = lambdaMinClipped
    }

    mutating func set(steps: Int) throws {
        try options.validate(steps: steps)
        let ac = options.alphasCumprod
        // Timesteps whose lambda is below the clip are cut from the top of the range.
        let lambdas = ac.map { Foundation.log($0.squareRoot()) - Foundation.log((1 - $0).squareRoot()) }
        let clipped = lambdas.filter { Double($0) < lambdaMinClipped }.count
        let lastTimestep = options.numTrain - clipped
        var ts = SamplerMath.multistepTimesteps(options.spacing, numTrain: options.numTrain, lastTimestep: lastTimestep,
                                                steps: steps, offset: options.stepsOffset).map(Double.init)
        let train = SamplerMath.trainingSigmas(ac)
        var s: [Double]
        if useKarras {
            let logSigmas = train.map { Foundation.log($0) }
            s = SamplerMath.karras(max: Double(train[train.count - 1]), min: Double(train[0]), steps: steps)
            ts = s.map { SamplerMath.round(SamplerMath.sigmaToT($0, logSigmas: logSigmas)) }
        } else {
            s = ts.map { SamplerMath.interp($0, train) }
        }
        timesteps = ts.map { Float($0) }
        sigmas = s.map { Float($0) } + [finalSigmaMin ? train[0] : 0]
        stepIndex = nil
    }

    /// diffusers' index_for_timestep: second of repeated matches, the last step when absent.
    func index(of t: Float) -> Int {
        let hits = timesteps.indices.filter { timesteps[$0] == t }
        if hits.isEmpty { return timesteps.count - 1 }
        return hits.count > 1 ? hits[1] : hits[0]
    }

    mutating func current(_ timestep: Float, name: String) throws -> Int {
        guard !timesteps.isEmpty else { throw SamplerMath.notReady(name) }
        let i = stepIndex ?? index(of: timestep)
        stepIndex = i
        guard i + 1 < sigmas.count else {
            throw DiffusionError.invalidArgument(
                "timestep", "\(name): all \(timesteps.count) steps are done; call setTimesteps(_:) to start a new run")
        }
        return i
    }

    /// (alpha_t, sigma_t) of noise level `sigma`, in float32 as diffusers.
    static func alphaSigma(_ sigma: Float) -> (alpha: Float, sigma: Float) {
        let a = 1 / (sigma * sigma + 1).squareRoot()
        return (a, sigma * a)
    }

    /// lambda = log(alpha_t) - log(sigma_t); +infinity at sigma 0.
    static func lambda(_ sigma: Float) -> Float {
        let (a, s) = alphaSigma(sigma)
        return Foundation.log(a) - Foundation.log(s)
    }

    /// x0 (data prediction) from the denoiser output at step `i`.
    func dataPrediction(_ modelOutput: Tensor, sample: Tensor, index i: Int) throws -> Tensor {
        let (a, s) = Self.alphaSigma(sigmas[i])
        switch options.prediction {
        case .epsilon: return try SamplerMath.divide(try sample - modelOutput * s, a)
        case .sample: return modelOutput
        case .vPrediction: return try sample * a - modelOutput * s
        }
    }

    /// alpha_t x0 + sigma_t noise at the schedule position of `timestep`.
    func addNoise(original: Tensor, noise: Tensor, timestep: Float) throws -> Tensor {
        guard !timesteps.isEmpty else {
            throw DiffusionError.invalidArgument("timesteps", "call setTimesteps(_:) before addNoise")
        }
        let (a, s) = Self.alphaSigma(sigmas[index(of: timestep)])
        return try original * a + noise * s
    }
}
