import Foundation
import Tensors

/// Euler steps along a rectified flow, as diffusers' FlowMatchEulerDiscreteScheduler.
// The denoiser predicts the velocity v = noise - x0; a step is x + (sigma_next - sigma) v. Options, all diffusers
// config keys: `shift` (static), `use_dynamic_shifting` with `mu` (a per-run option, computed from the latent
// length by `calculateShift`), `time_shift_type`, `shift_terminal`, `use_karras_sigmas`, `invert_sigmas`, and
// `stochastic_sampling` (each step re-noises the predicted x0 to the next level with a fresh draw).
public final class FlowMatchEulerSampler: Sampler {
    public let config: SamplerConfig
    /// Flows have no beta schedule.
    public let alphasCumprod: [Float] = []
    public var timesteps: [Float] { schedule.timesteps }
    public var sigmas: [Float] { schedule.sigmas }
    public let initNoiseSigma: Float = 1
    public let order = 1
    public let shift: Double
    public let useDynamicShifting: Bool
    public let timeShiftType: TimeShiftType
    public let shiftTerminal: Double?
    public let useKarrasSigmas: Bool
    public let invertSigmas: Bool
    public let stochasticSampling: Bool
    /// The dynamic shift's mu (log of the shift for the exponential type); required when `use_dynamic_shifting`.
    public var mu: Double?

    /// diffusers `time_shift_type`: how mu shifts the sigmas when shifting is dynamic.
    public enum TimeShiftType: String, CaseIterable {
        case exponential, linear
    }

    var schedule: FlowMatchSchedule

    public init(config: SamplerConfig = SamplerConfig()) throws {
        self.config = config.named("FlowMatchEulerDiscreteScheduler")
        shift = config.shift ?? 1
        useDynamicShifting = config.useDynamicShifting ?? false
        timeShiftType = try SamplerConfig.option("time_shift_type", config.timeShiftType, default: .exponential,
                                                   allowed: TimeShiftType.allCases)
        shiftTerminal = config.shiftTerminal
        if let t = shiftTerminal, !(t >= 0 && t < 1) {
            throw DiffusionError.invalidArgument("shift_terminal", "expected a value in [0, 1), got \(t)")
        }
        useKarrasSigmas = config.useKarrasSigmas ?? false
        invertSigmas = config.invertSigmas ?? false
        stochasticSampling = config.stochasticSampling ?? false
        schedule = try FlowMatchSchedule(config, shift: shift, shiftAtInit: !useDynamicShifting)
    }

    /// diffusers pipelines' calculate_shift: mu linear in the latent sequence length between
    /// (base_image_seq_len, base_shift) and (max_image_seq_len, max_shift).
    public func calculateShift(sequenceLength: Int) -> Double {
        let baseLen = Double(config.baseImageSeqLen ?? 256), maxLen = Double(config.maxImageSeqLen ?? 4096)
        let base = config.baseShift ?? 0.5, top = config.maxShift ?? 1.15
        let m = (top - base) / (maxLen - baseLen)
        return Double(sequenceLength) * m + (base - m * baseLen)
    }

    public func setTimesteps(_ steps: Int) throws {
        var s = try schedule.unshiftedSigmas(steps: steps)
        if useDynamicShifting {
            guard let mu else {
                throw DiffusionError.invalidArgument(
                    "mu", "use_dynamic_shifting needs mu: set the sampler option mu (or calculateShift(sequenceLength:))")
            }
            // time_shift(mu, 1.0, t): (1/t - 1) ** 1.0 is exact, so it is left out.
            s = s.map { t in
                timeShiftType == .exponential ? exp(mu) / (exp(mu) + (1 / t - 1)) : mu / (mu + (1 / t - 1))
            }
        } else {
            s = s.map { FlowMatchSchedule.shifted($0, shift: shift) }
        }
        if let terminal = shiftTerminal, terminal > 0 {
            // Stretch so that the last sigma lands exactly on shift_terminal (LTX-Video's rule).
            let scale = (1 - s[s.count - 1]) / (1 - terminal)
            s = s.map { 1 - (1 - $0) / scale }
        }
        if useKarrasSigmas {
            s = SamplerMath.karras(max: s[0], min: s[s.count - 1], steps: steps)
        }
        var sigmas = s.map { Float($0) }
        let n = Float(schedule.numTrain)
        if invertSigmas {
            sigmas = sigmas.map { 1 - $0 }
            schedule.set(timesteps: sigmas.map { $0 * n }, sigmas: sigmas + [1])
        } else {
            schedule.set(timesteps: sigmas.map { $0 * n }, sigmas: sigmas + [0])
        }
    }

    /// Flow denoisers take the sample as it is.
    public func scaleModelInput(_ sample: Tensor, timestep: Float) throws -> Tensor {
        _ = try schedule.current(timestep, name: "Flow-match Euler")
        return sample
    }

    public func step(modelOutput: Tensor, timestep: Float, sample: Tensor, noise: NoiseSource?) throws -> Tensor {
        try SamplerMath.checkShapes(modelOutput, sample)
        let i = try schedule.current(timestep, name: "Flow-match Euler")
        try schedule.checkInRange(i, name: "Flow-match Euler")
        let sigma = schedule.sigmas[i], sigmaNext = schedule.sigmas[i + 1]
        let prev: Tensor
        if stochasticSampling {
            guard let noise else { throw SamplerMath.needsNoise("Flow-match Euler with stochastic_sampling") }
            let x0 = try sample - modelOutput * sigma
            let z = try noise.nextNoise(shape: sample.shape)
            prev = try x0 * (1 - sigmaNext) + z * sigmaNext
        } else {
            prev = try sample + modelOutput * (sigmaNext - sigma)
        }
        schedule.advance()
        return prev
    }

    public func addNoise(original: Tensor, noise: Tensor, timestep: Float) throws -> Tensor {
        try schedule.addNoise(original: original, noise: noise, timestep: timestep)
    }
}
