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
    // Predictor state carried to the corrector call.
    private var prevDerivative: Tensor?
    private var dt: Float?
    private var predictorSample: Tensor?

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
        prevDerivative = nil
        dt = nil
        predictorSample = nil
    }

    /// True when the next call is the Euler predictor, false when it is the trapezoidal corrector.
    public var stateInFirstOrder: Bool { dt == nil }

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
            let h = sigmaNext - sigma
            prevDerivative = derivative
            dt = h
            predictorSample = sample
            prev = try sample + derivative * h
        } else {
            guard let d0 = prevDerivative, let h = dt, let x = predictorSample else { throw SamplerMath.notReady("Heun") }
            let d1 = try SamplerMath.divide(try sample - x0, sigmaNext)
            let derivative = try SamplerMath.divide(try d0 + d1, 2)
            prevDerivative = nil
            dt = nil
            predictorSample = nil
            prev = try x + derivative * h
        }
        schedule.advance()
        return prev
    }

    public func addNoise(original: Tensor, noise: Tensor, timestep: Float) throws -> Tensor {
        try schedule.addNoise(original: original, noise: noise, timestep: timestep)
    }
}
