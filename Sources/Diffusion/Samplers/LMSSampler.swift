import Foundation
import Tensors

/// Linear multistep in sigma (k-diffusion's sample_lms), as diffusers' LMSDiscreteScheduler.
// Up to four past derivatives, weighted by integrals of their Lagrange basis polynomials.
public final class LMSSampler: Sampler {
    public let config: SamplerConfig
    public var alphasCumprod: [Float] { schedule.options.alphasCumprod }
    public var timesteps: [Float] { schedule.timesteps }
    public var sigmas: [Float] { schedule.sigmas }
    public var initNoiseSigma: Float { schedule.initNoiseSigma }
    public let order = 1
    /// How many past derivatives the multistep formula uses (diffusers' step `order`, default 4).
    public var lmsOrder = 4

    var schedule: SigmaSchedule
    private var derivatives: [Tensor] = []

    public init(config: SamplerConfig = SamplerConfig()) throws {
        self.config = config.named("LMSDiscreteScheduler")
        schedule = try SigmaSchedule(config, predictions: PredictionType.allCases, allowFinalSigmaMin: false)
    }

    public func setTimesteps(_ steps: Int) throws {
        try schedule.set(steps: steps)
        derivatives = []
    }

    public func scaleModelInput(_ sample: Tensor, timestep: Float) throws -> Tensor {
        try schedule.scale(sample, timestep: timestep, name: "LMS")
    }

    /// The weight of the derivative `current` steps back: the integral over [sigma_t, sigma_{t+1}] of its
    /// Lagrange basis polynomial. Evaluated in float32 as diffusers' torch scalars are, integrated like
    /// scipy.integrate.quad (epsrel 1e-4); exact for these low-degree polynomials.
    public func coefficient(order: Int, t: Int, current: Int) -> Double {
        let s = schedule.sigmas
        let basis: (Double) -> Double = { tau in
            let x = Float(tau)
            var prod: Float = 1
            for k in 0..<order where k != current {
                prod *= (x - s[t - k]) / (s[t - current] - s[t - k])
            }
            return Double(prod)
        }
        return SamplerMath.quad(basis, Double(s[t]), Double(s[t + 1]), epsrel: 1e-4)
    }

    public func step(modelOutput: Tensor, timestep: Float, sample: Tensor, noise: NoiseSource?) throws -> Tensor {
        try SamplerMath.checkShapes(modelOutput, sample)
        guard lmsOrder >= 1 else { throw DiffusionError.invalidArgument("lmsOrder", "expected a positive integer, got \(lmsOrder)") }
        let i = try schedule.current(timestep, name: "LMS")
        try schedule.checkInRange(i, name: "LMS")
        let sigma = schedule.sigmas[i]
        let x0 = try schedule.predictOriginal(modelOutput, sample: sample, sigma: sigma)
        derivatives.append(try SamplerMath.divide(try sample - x0, sigma))
        if derivatives.count > lmsOrder { derivatives.removeFirst() }
        // Fewer history terms at the start. diffusers uses min(step + 1, order) even when a run starts
        // mid-schedule (img2img) with less history; counting the derivatives we hold keeps the weights valid.
        let order = min(i + 1, lmsOrder, derivatives.count)
        var update: Tensor?
        for (k, d) in derivatives.reversed().prefix(order).enumerated() {
            let term = d * Float(coefficient(order: order, t: i, current: k))
            update = try update.map { try $0 + term } ?? term
        }
        schedule.advance()
        return try sample + update!
    }

    public func addNoise(original: Tensor, noise: Tensor, timestep: Float) throws -> Tensor {
        try schedule.addNoise(original: original, noise: noise, timestep: timestep)
    }
}
