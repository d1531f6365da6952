import Foundation
import Tensors

/// Heun's second-order method along a rectified flow, as diffusers' FlowMatchHeunDiscreteScheduler.
// Every interior timestep appears twice: once for the Euler predictor, once for the trapezoidal corrector. The
// only options are `num_train_timesteps` and `shift`.
public final class FlowMatchHeunSampler: Sampler {
    public let config: SamplerConfig
    /// Flows have no beta schedule.
    public let alphasCumprod: [Float] = []
    public var timesteps: [Float] { schedule.timesteps }
    public var sigmas: [Float] { schedule.sigmas }
    public let initNoiseSigma: Float = 1
    public let order = 2
    public let shift: Double

    var schedule: FlowMatchSchedule
    /// Predictor state carried to the corrector call.
    private var heun = HeunState()

    public init(config: SamplerConfig = SamplerConfig()) throws {
        self.config = config.named("FlowMatchHeunDiscreteScheduler")
        shift = config.shift ?? 1
        schedule = try FlowMatchSchedule(config, shift: shift, shiftAtInit: true)
    }

    public func setTimesteps(_ steps: Int) throws {
        let s = try schedule.unshiftedSigmas(steps: steps).map { Float(FlowMatchSchedule.shifted($0, shift: shift)) }
        let n = Float(schedule.numTrain)
        let t = s.map { $0 * n }
        // [t0, t1, t1, ..., t_{n-1}, t_{n-1}] and [s0, s1, s1, ..., s_{n-1}, s_{n-1}, 0].
        schedule.set(timesteps: [t[0]] + t.dropFirst().flatMap { [$0, $0] },
                     sigmas: [s[0]] + s.dropFirst().flatMap { [$0, $0] } + [0])
        heun.reset()
    }

    /// True when the next call is the Euler predictor, false when it is the trapezoidal corrector.
    public var stateInFirstOrder: Bool { heun.inFirstOrder }

    /// Flow denoisers take the sample as it is.
    public func scaleModelInput(_ sample: Tensor, timestep: Float) throws -> Tensor {
        _ = try schedule.current(timestep, name: "Flow-match Heun")
        return sample
    }

    public func step(modelOutput: Tensor, timestep: Float, sample: Tensor, noise: NoiseSource?) throws -> Tensor {
        try SamplerMath.checkShapes(modelOutput, sample)
        let i = try schedule.current(timestep, name: "Flow-match Heun")
        try schedule.checkInRange(i, name: "Flow-match Heun")
        let prev: Tensor
        if stateInFirstOrder {
            let sigma = schedule.sigmas[i], sigmaNext = schedule.sigmas[i + 1]
            // diffusers goes through the denoised sample, so the derivative is rounded as it rounds it.
            let denoised = try sample - modelOutput * sigma
            let derivative = try SamplerMath.divide(try sample - denoised, sigma)
            prev = try heun.predict(sample: sample, derivative: derivative, h: sigmaNext - sigma)
        } else {
            let sigmaNext = schedule.sigmas[i]
            let denoised = try sample - modelOutput * sigmaNext
            prev = try heun.correct(derivative: try SamplerMath.divide(try sample - denoised, sigmaNext), name: "Flow-match Heun")
        }
        schedule.advance()
        return prev
    }

    public func addNoise(original: Tensor, noise: Tensor, timestep: Float) throws -> Tensor {
        try schedule.addNoise(original: original, noise: noise, timestep: timestep)
    }
}
