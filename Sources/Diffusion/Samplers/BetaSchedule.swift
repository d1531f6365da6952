import Foundation
import Tensors

/// Training noise schedules (betas and cumulative alpha products), bit-compatible with diffusers on CPU.
public enum BetaSchedule: String, CaseIterable {
    case linear
    case scaledLinear = "scaled_linear"
    case squaredcosCapV2 = "squaredcos_cap_v2"

    /// The betas a config describes (`trained_betas` win over `beta_schedule`), zero-SNR rescaled if asked.
    public static func betas(for config: SamplerConfig) throws -> [Float] {
        let n = config.numTrainTimesteps ?? 1000
        guard n >= 2, n <= 100_000 else {
            throw DiffusionError.invalidArgument("num_train_timesteps", "\(n) is out of range (expected an integer in 2...100000)")
        }
        var betas: [Float]
        if let trained = config.trainedBetas {
            guard trained.count == n else {
                throw DiffusionError.invalidArgument(
                    "trained_betas", "expected \(n) values (num_train_timesteps), got \(trained.count)")
            }
            betas = trained.map { Float($0) }
            if let bad = trained.firstIndex(where: { !($0 > 0 && $0 <= 1) }) {
                throw DiffusionError.invalidArgument("trained_betas[\(bad)]", "\(trained[bad]) is out of range (expected a number in (0, 1])")
            }
        } else {
            let start = config.betaStart ?? 0.0001, end = config.betaEnd ?? 0.02
            // A beta is a noise variance per step: outside (0, 1) the schedule's products go negative or NaN and
            // every sample comes out silent.
            for (key, v) in [("beta_start", start), ("beta_end", end)] where !(v > 0 && v < 1) {
                throw DiffusionError.invalidArgument(key, "\(v) is out of range (expected a number in (0, 1))")
            }
            let schedule = try SamplerConfig.option("beta_schedule", config.betaSchedule, default: BetaSchedule.linear,
                                                      allowed: BetaSchedule.allCases)
            switch schedule {
            case .linear: betas = torchLinspace(start, end, n)
            // Latent diffusion's schedule: linear in sqrt(beta), squared in float32 like torch.
            case .scaledLinear: betas = torchLinspace(start.squareRoot(), end.squareRoot(), n).map { $0 * $0 }
            case .squaredcosCapV2: betas = cosineBetas(n)
            }
        }
        if config.rescaleBetasZeroSnr == true { betas = rescaleZeroTerminalSNR(betas) }
        return betas
    }

    /// cumprod(1 - beta), accumulated in double as torch.cumprod does for float32 on CPU.
    public static func alphasCumprod(_ betas: [Float]) -> [Float] {
        var p = 1.0
        return betas.map { b in
            p *= Double(1 - b)
            return Float(p)
        }
    }

    /// torch.linspace in float32: ends rounded to float32 first, the second half counted back from the end.
    static func torchLinspace(_ start: Double, _ end: Double, _ n: Int) -> [Float] {
        let s = Double(Float(start)), e = Double(Float(end))
        let step = (e - s) / Double(n - 1)
        return (0..<n).map { i in Float(i < n / 2 ? s + step * Double(i) : e - step * Double(n - 1 - i)) }
    }

    /// GLIDE's cosine schedule (diffusers betas_for_alpha_bar), computed in double, capped at 0.999.
    static func cosineBetas(_ n: Int) -> [Float] {
        func alphaBar(_ t: Double) -> Double {
            let c = cos((t + 0.008) / 1.008 * Double.pi / 2)
            return c * c
        }
        return (0..<n).map { i in
            let t1 = Double(i) / Double(n), t2 = Double(i + 1) / Double(n)
            return Float(min(1 - alphaBar(t2) / alphaBar(t1), 0.999))
        }
    }

    /// Lin et al. 2023: shift sqrt(alpha_bar) so the last step has zero SNR, keeping the first unchanged.
    static func rescaleZeroTerminalSNR(_ betas: [Float]) -> [Float] {
        var sq = alphasCumprod(betas).map { $0.squareRoot() }
        let first = sq[0], last = sq[sq.count - 1]
        let scale = first / (first - last)
        sq = sq.map { ($0 - last) * scale }
        let bar = sq.map { $0 * $0 }
        var out = [1 - bar[0]]
        for i in 1..<bar.count { out.append(1 - bar[i] / bar[i - 1]) }
        return out
    }
}

/// The resolved options every sampler shares, read once from a config with class defaults applied.
struct CommonOptions {
    let numTrain: Int
    let alphasCumprod: [Float]
    let prediction: PredictionType
    let spacing: TimestepSpacing
    let stepsOffset: Int

    /// `sigmaBased` samplers divide by alpha_bar, so a zero-SNR schedule keeps its last value at 2^-24 (as diffusers).
    init(_ config: SamplerConfig, spacing defaultSpacing: TimestepSpacing,
         predictions: [PredictionType] = PredictionType.allCases, sigmaBased: Bool = false) throws {
        try config.rejectUnsupported()
        numTrain = config.numTrainTimesteps ?? 1000
        var ac = BetaSchedule.alphasCumprod(try BetaSchedule.betas(for: config))
        if sigmaBased && config.rescaleBetasZeroSnr == true { ac[ac.count - 1] = 0x1p-24 }
        alphasCumprod = ac
        prediction = try SamplerConfig.option("prediction_type", config.predictionType, default: .epsilon,
                                                allowed: predictions)
        spacing = try SamplerConfig.option("timestep_spacing", config.timestepSpacing, default: defaultSpacing,
                                             allowed: TimestepSpacing.allCases)
        stepsOffset = config.stepsOffset ?? 0
    }

    /// Checks a step count against the training range.
    func validate(steps: Int) throws {
        guard steps > 0 else { throw DiffusionError.invalidArgument("steps", "expected a positive integer, got \(steps)") }
        guard steps <= numTrain else {
            throw DiffusionError.invalidArgument(
                "steps", "expected at most num_train_timesteps (\(numTrain)), got \(steps)")
        }
    }

    /// The training-timestep index of a discrete timestep, or an error naming the valid range.
    func trainIndex(_ t: Float) throws -> Int {
        guard t.rounded() == t, t >= 0, Int(t) < numTrain else {
            throw DiffusionError.invalidArgument(
                "timestep", "expected an integer in 0..<\(numTrain), got \(t)")
        }
        return Int(t)
    }

    /// The forward process q(x_t | x_0) = sqrt(abar) x0 + sqrt(1 - abar) noise of DDPM/DDIM/PNDM.
    func addNoise(original: Tensor, noise: Tensor, timestep: Float) throws -> Tensor {
        let a = alphasCumprod[try trainIndex(timestep)]
        return try original * a.squareRoot() + noise * (1 - a).squareRoot()
    }
}
