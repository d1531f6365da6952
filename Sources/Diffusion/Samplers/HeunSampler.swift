import Foundation
import Tensors

/// Heun's second-order method (Karras et al. 2022, Alg. 1), as diffusers' HeunDiscreteScheduler.
// Every interior timestep appears twice: once for the Euler predictor, once for the trapezoidal corrector.
public final class HeunSampler: Sampler {
    public let config: SamplerConfig
    public var alphasCumprod: [Float] { schedule.options.alphasCumprod }
    public var timesteps: [Float] { schedule.timesteps }
    public var sigmas: [Float] { schedule.sigmas }
    public var initNoiseSigma: Float { schedule.initNoiseSigma }
    public let order = 2
    /// Clamp range for the predicted x0, nil when clipping is off.
    public let clipRange: Float?

    var schedule: SigmaSchedule
    /// Predictor state carried to the corrector call.
    private var heun = HeunState()

    public init(config: SamplerConfig = SamplerConfig()) throws {
        self.config = config.named("HeunDiscreteScheduler")
        schedule = try SigmaSchedule(config, predictions: PredictionType.allCases, allowFinalSigmaMin: false)
        clipRange = (config.clipSample ?? false) ? Float(config.clipSampleRange ?? 1) : nil
    }

    public func setTimesteps(_ steps: Int) throws {
        try schedule.set(steps: steps)
        let t = schedule.timesteps, s = schedule.sigmas
        // [s0, s1, s1, ..., s_{n-1}, s_{n-1}, 0] and [t0, t1, t1, ..., t_{n-1}, t_{n-1}].
        schedule.override(timesteps: [t[0]] + t.dropFirst().flatMap { [$0, $0] },
                          sigmas: [s[0]] + s.dropFirst().dropLast().flatMap { [$0, $0] } + [s[s.count - 1]])
        heun.reset()
    }

    /// True when the next call is the Euler predictor, false when it is the trapezoidal corrector.
    public var stateInFirstOrder: Bool { heun.inFirstOrder }

    public func scaleModelInput(_ sample: Tensor, timestep: Float) throws -> Tensor {
        try schedule.scale(sample, timestep: timestep, name: "Heun")
    }

    public func step(modelOutput: Tensor, timestep: Float, sample: Tensor, noise: NoiseSource?) throws -> Tensor {
        try SamplerMath.checkShapes(modelOutput, sample)
        let i = try schedule.current(timestep, name: "Heun")
        try schedule.checkInRange(i, name: "Heun")
        let first = stateInFirstOrder
        // The corrector evaluates the model at the predictor's target, sigmas[i].
        let sigma = first ? schedule.sigmas[i] : schedule.sigmas[i - 1]
        let sigmaNext = first ? schedule.sigmas[i + 1] : schedule.sigmas[i]
        var x0 = try schedule.predictOriginal(modelOutput, sample: sample, sigma: first ? sigma : sigmaNext)
        if let r = clipRange { x0 = x0.clamp(min: -r, max: r) }

        let prev: Tensor
        if first {
            let derivative = try SamplerMath.divide(try sample - x0, sigma)
            prev = try heun.predict(sample: sample, derivative: derivative, h: sigmaNext - sigma)
        } else {
            prev = try heun.correct(derivative: try SamplerMath.divide(try sample - x0, sigmaNext), name: "Heun")
        }
        schedule.advance()
        return prev
    }

    public func addNoise(original: Tensor, noise: Tensor, timestep: Float) throws -> Tensor {
        try schedule.addNoise(original: original, noise: noise, timestep: timestep)
    }
}
