import Foundation
import Tensors

/// The stochastic DPM-Solver++ (2M SDE) of Stable Audio Open, as diffusers' CosineDPMSolverMultistepScheduler.
// EDM preconditioning (c_in, c_skip, c_out with sigma_data) around a v- or epsilon-predicting denoiser whose
// timestep is atan(sigma) * 2 / pi; sigmas spaced exponentially or Karras-style between sigma_max and sigma_min.
// Each step draws fresh noise from Foley's generator: the reference's torchsde Brownian tree is how diffusers
// makes that noise, not part of the solver, and parity fixtures replay the draws.
public final class CosineDPMSolverMultistepSampler: Sampler {
    public let config: SamplerConfig
    /// The EDM parameterisation has no beta schedule.
    public let alphasCumprod: [Float] = []
    public private(set) var timesteps: [Float] = []
    public private(set) var sigmas: [Float] = []
    public let initNoiseSigma: Float
    public let order = 1
    public let sigmaMin: Double
    public let sigmaMax: Double
    public let sigmaData: Float
    public let sigmaSchedule: SigmaSpacing
    public let rho: Double
    public let solverOrder: Int
    public let solverType: SolverType
    public let prediction: PredictionType
    public let lowerOrderFinal: Bool
    public let eulerAtFinal: Bool
    /// True when the last sigma is sigma_min rather than 0.
    public let finalSigmaMin: Bool

    /// diffusers `sigma_schedule`.
    public enum SigmaSpacing: String, CaseIterable {
        case exponential, karras
    }

    /// diffusers `solver_type` of the second-order update.
    public enum SolverType: String, CaseIterable {
        case midpoint, heun
    }

    private var stepIndex: Int?
    private var modelOutputs: [Tensor] = []
    private var lowerOrderNums = 0

    public init(config: SamplerConfig = SamplerConfig()) throws {
        self.config = config.named("CosineDPMSolverMultistepScheduler")
        sigmaMin = config.sigmaMin ?? 0.3
        sigmaMax = config.sigmaMax ?? 500
        guard sigmaMin > 0, sigmaMax > sigmaMin else {
            throw DiffusionError.invalidArgument("sigma_min", "expected 0 < sigma_min < sigma_max, got \(sigmaMin) and \(sigmaMax)")
        }
        let sd = config.sigmaData ?? 1
        guard sd > 0 else { throw DiffusionError.invalidArgument("sigma_data", "expected a positive number, got \(sd)") }
        sigmaData = Float(sd)
        sigmaSchedule = try SamplerConfig.option("sigma_schedule", config.sigmaSchedule, default: .exponential,
                                                   allowed: SigmaSpacing.allCases)
        rho = config.rho ?? 7
        guard rho > 0 else { throw DiffusionError.invalidArgument("rho", "expected a positive number, got \(rho)") }
        solverOrder = config.solverOrder ?? 2
        // diffusers' update chain has no third-order branch for this class.
        guard solverOrder == 1 || solverOrder == 2 else {
            throw DiffusionError.invalidArgument("solver_order", "expected 1 or 2, got \(solverOrder)")
        }
        // diffusers maps UniPC's and DEIS' solver names to midpoint.
        var st = config.solverType
        if let s = st, ["logrho", "bh1", "bh2"].contains(s) { st = "midpoint" }
        solverType = try SamplerConfig.option("solver_type", st, default: .midpoint, allowed: SolverType.allCases)
        prediction = try SamplerConfig.option("prediction_type", config.predictionType, default: .vPrediction,
                                                allowed: [.epsilon, .vPrediction])
        lowerOrderFinal = config.lowerOrderFinal ?? true
        eulerAtFinal = config.eulerAtFinal ?? false
        let final = config.finalSigmasType ?? "zero"
        guard ["zero", "sigma_min"].contains(final) else {
            throw DiffusionError.invalidArgument("final_sigmas_type", "expected zero or sigma_min, got '\(final)'")
        }
        finalSigmaMin = final == "sigma_min"
        let n = config.numTrainTimesteps ?? 1000
        guard n >= 1 else { throw DiffusionError.invalidArgument("num_train_timesteps", "expected an integer >= 1, got \(n)") }
        numTrain = n
        initNoiseSigma = Float((sigmaMax * sigmaMax + 1).squareRoot())
    }

    private let numTrain: Int

    public func setTimesteps(_ steps: Int) throws {
        guard steps > 0 else { throw DiffusionError.invalidArgument("steps", "expected a positive integer, got \(steps)") }
        guard steps <= numTrain else {
            throw DiffusionError.invalidArgument("steps", "expected at most num_train_timesteps (\(numTrain)), got \(steps)")
        }
        let s: [Float]
        switch sigmaSchedule {
        case .exponential:
            // torch.linspace(log sigma_min, log sigma_max, n).exp().flip(0), in float32.
            s = SamplerMath.torchLinspaceFloat32(Foundation.log(sigmaMin), Foundation.log(sigmaMax), steps).map { Foundation.exp($0) }.reversed()
        case .karras:
            // (max^(1/rho) + ramp (min^(1/rho) - max^(1/rho)))^rho: the scalars in double, the ramp in float32.
            let minInv = pow(sigmaMin, 1 / rho), maxInv = pow(sigmaMax, 1 / rho)
            let span = Float(minInv - maxInv), start = Float(maxInv)
            s = SamplerMath.torchLinspaceFloat32(0, 1, steps).map { Foundation.pow(start + $0 * span, Float(rho)) }
        }
        // precondition_noise: the denoiser's timestep is atan(sigma) / pi * 2.
        timesteps = s.map { Foundation.atan($0) / Float.pi * 2 }
        sigmas = s + [finalSigmaMin ? Float(sigmaMin) : 0]
        stepIndex = nil
        modelOutputs = []
        lowerOrderNums = 0
    }

    private func current(_ timestep: Float) throws -> Int {
        guard !timesteps.isEmpty else { throw SamplerMath.notReady("Cosine DPM-Solver") }
        if let i = stepIndex { return i }
        let hits = timesteps.indices.filter { timesteps[$0] == timestep }
        guard let first = hits.first else {
            throw DiffusionError.invalidArgument("timestep", "expected one of the sampler's timesteps, got \(timestep)")
        }
        let i = hits.count > 1 ? hits[1] : first
        stepIndex = i
        return i
    }

    /// EDM's c_in = 1 / sqrt(sigma^2 + sigma_data^2).
    public func scaleModelInput(_ sample: Tensor, timestep: Float) throws -> Tensor {
        let i = try current(timestep)
        guard i + 1 < sigmas.count else { throw finished() }
        let s = sigmas[i]
        return try sample * (1 / (s * s + sigmaData * sigmaData).squareRoot())
    }

    private func finished() -> DiffusionError {
        .invalidArgument("timestep", "Cosine DPM-Solver: all \(timesteps.count) steps are done; call setTimesteps(_:) to start a new run")
    }

    public func step(modelOutput: Tensor, timestep: Float, sample: Tensor, noise: NoiseSource?) throws -> Tensor {
        try SamplerMath.checkShapes(modelOutput, sample)
        let i = try current(timestep)
        guard i + 1 < sigmas.count else { throw finished() }
        guard let noise else { throw SamplerMath.needsNoise("Cosine DPM-Solver") }
        let n = timesteps.count
        // With solver_order <= 2, diffusers' lower_order_second changes nothing: only the final step drops order.
        let lowerFinal = i == n - 1 && (eulerAtFinal || (lowerOrderFinal && n < 15) || !finalSigmaMin)

        // precondition_outputs: x0 = c_skip x + c_out F.
        let sigma = sigmas[i], sd2 = sigmaData * sigmaData
        let cSkip = sd2 / (sigma * sigma + sd2)
        let cOut = (prediction == .epsilon ? sigma : -sigma) * sigmaData / (sigma * sigma + sd2).squareRoot()
        let x0 = try sample * cSkip + modelOutput * cOut
        modelOutputs.append(x0)
        if modelOutputs.count > solverOrder { modelOutputs.removeFirst() }
        let z = try noise.nextNoise(shape: sample.shape)

        // alpha_t = 1 (inputs are pre-scaled), so lambda = -log sigma; at sigma_t = 0, h = inf and the update is x0.
        let sigmaT = sigmas[i + 1], sigmaS0 = sigmas[i]
        let lambdaT = -Foundation.log(sigmaT), lambdaS0 = -Foundation.log(sigmaS0)
        let h = lambdaT - lambdaS0
        let decay = sigmaT / sigmaS0 * Foundation.exp(-h)
        let gain = 1 - Foundation.exp(-2 * h)
        let noiseScale = sigmaT * (1 - Foundation.exp(-2 * h)).squareRoot()
        let prev: Tensor
        if solverOrder == 1 || lowerOrderNums < 1 || lowerFinal {
            prev = try sample * decay + x0 * gain + z * noiseScale
        } else {
            let sigmaS1 = sigmas[i - 1]
            let h0 = lambdaS0 - (-Foundation.log(sigmaS1))
            let r0 = h0 / h
            let m0 = modelOutputs[modelOutputs.count - 1], m1 = modelOutputs[modelOutputs.count - 2]
            let d1 = try (m0 - m1) * (1 / r0)
            let d1Coefficient = solverType == .midpoint ? 0.5 * gain : (1 - Foundation.exp(-2 * h)) / (-2 * h) + 1
            prev = try sample * decay + x0 * gain + d1 * d1Coefficient + z * noiseScale
        }
        if lowerOrderNums < solverOrder { lowerOrderNums += 1 }
        stepIndex = i + 1
        return prev
    }

    /// The EDM forward process x0 + sigma(t) noise.
    public func addNoise(original: Tensor, noise: Tensor, timestep: Float) throws -> Tensor {
        guard !timesteps.isEmpty else { throw DiffusionError.invalidArgument("timesteps", "call setTimesteps(_:) before addNoise") }
        guard let i = timesteps.firstIndex(of: timestep) else {
            throw DiffusionError.invalidArgument("timestep", "expected one of the sampler's timesteps, got \(timestep)")
        }
        return try original + noise * sigmas[i]
    }
}
