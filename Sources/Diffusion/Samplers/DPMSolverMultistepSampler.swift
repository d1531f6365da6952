import Foundation
import Tensors

/// DPM-Solver(++) multistep (Lu et al. 2022), as diffusers' DPMSolverMultistepScheduler ("DPM++ 2M" by default).
// dpmsolver++ with order 2 and the midpoint update is the popular "DPM++ 2M"; use_karras_sigmas makes it "Karras".
public final class DPMSolverMultistepSampler: Sampler {
    /// Which quantity the solver extrapolates: x0 (++, better with guidance) or the noise.
    public enum Algorithm: String, CaseIterable { case dpmsolverPlusPlus = "dpmsolver++", dpmsolver }
    /// Second-order update form.
    public enum SolverType: String, CaseIterable { case midpoint, heun }

    public let config: SamplerConfig
    public var alphasCumprod: [Float] { schedule.options.alphasCumprod }
    public var timesteps: [Float] { schedule.timesteps }
    public var sigmas: [Float] { schedule.sigmas }
    public let initNoiseSigma: Float = 1
    public let order = 1
    public let solverOrder: Int
    public let algorithm: Algorithm
    public let solverType: SolverType
    public let lowerOrderFinal: Bool
    public let eulerAtFinal: Bool

    var schedule: MultistepSchedule
    private var modelOutputs: [Tensor?] = []
    private var lowerOrderNums = 0

    public init(config: SamplerConfig = SamplerConfig()) throws {
        var c = config
        // diffusers' own aliases: deis runs as dpmsolver++, UniPC's bh1/bh2 (and logrho) as midpoint.
        if c.algorithmType == "deis" { c.algorithmType = "dpmsolver++" }
        if let s = c.solverType, ["logrho", "bh1", "bh2"].contains(s) { c.solverType = "midpoint" }
        self.config = c.named("DPMSolverMultistepScheduler")
        schedule = try MultistepSchedule(c, lambdaMinClipped: c.lambdaMinClipped ?? -.infinity)
        solverOrder = c.solverOrder ?? 2
        guard (1...3).contains(solverOrder) else {
            throw DiffusionError.invalidArgument("solver_order", "expected 1, 2 or 3, got \(solverOrder)")
        }
        algorithm = try SamplerConfig.option("algorithm_type", c.algorithmType, default: .dpmsolverPlusPlus,
                                               allowed: Algorithm.allCases)
        solverType = try SamplerConfig.option("solver_type", c.solverType, default: .midpoint, allowed: SolverType.allCases)
        lowerOrderFinal = c.lowerOrderFinal ?? true
        eulerAtFinal = c.eulerAtFinal ?? false
        if let v = c.varianceType, !v.isEmpty {
            throw DiffusionError.invalidArgument("variance_type", "expected null (learned variances are not supported), got '\(v)'")
        }
        // At sigma 0 the noise-prediction form divides by zero; diffusers refuses the same combination.
        if algorithm == .dpmsolver && !schedule.finalSigmaMin {
            throw DiffusionError.invalidArgument("final_sigmas_type", "expected sigma_min with algorithm_type dpmsolver, got zero")
        }
    }

    public func setTimesteps(_ steps: Int) throws {
        try schedule.set(steps: steps)
        modelOutputs = Array(repeating: nil, count: solverOrder)
        lowerOrderNums = 0
    }

    public func scaleModelInput(_ sample: Tensor, timestep: Float) throws -> Tensor { sample }

    /// The quantity the solver works on: x0 for ++, epsilon otherwise.
    private func convert(_ modelOutput: Tensor, sample: Tensor, index i: Int) throws -> Tensor {
        if algorithm == .dpmsolverPlusPlus { return try schedule.dataPrediction(modelOutput, sample: sample, index: i) }
        let (a, s) = MultistepSchedule.alphaSigma(schedule.sigmas[i])
        switch schedule.options.prediction {
        case .epsilon: return modelOutput
        case .sample: return try SamplerMath.divide(try sample - modelOutput * a, s)
        case .vPrediction: return try modelOutput * a + sample * s
        }
    }

    public func step(modelOutput: Tensor, timestep: Float, sample: Tensor, noise: NoiseSource?) throws -> Tensor {
        try SamplerMath.checkShapes(modelOutput, sample)
        let i = try schedule.current(timestep, name: "DPM-Solver")
        let n = schedule.timesteps.count
        // Short schedules finish with lower orders, which are more stable (diffusers lower_order_final).
        let lowerFinal = i == n - 1 && (eulerAtFinal || (lowerOrderFinal && n < 15) || !schedule.finalSigmaMin)
        let lowerSecond = i == n - 2 && lowerOrderFinal && n < 15
        let m = try convert(modelOutput, sample: sample, index: i)
        modelOutputs.removeFirst()
        modelOutputs.append(m)

        let prev: Tensor
        if solverOrder == 1 || lowerOrderNums < 1 || lowerFinal {
            prev = try firstOrder(m, sample: sample, i: i)
        } else if solverOrder == 2 || lowerOrderNums < 2 || lowerSecond {
            prev = try secondOrder(sample: sample, i: i)
        } else {
            prev = try thirdOrder(sample: sample, i: i)
        }
        if lowerOrderNums < solverOrder { lowerOrderNums += 1 }
        schedule.stepIndex = i + 1
        return prev
    }

    private func history(_ back: Int) throws -> Tensor {
        guard let m = modelOutputs[modelOutputs.count - 1 - back] else { throw SamplerMath.notReady("DPM-Solver") }
        return m
    }

    /// (alpha, sigma, lambda) at sigma index `j`.
    private func point(_ j: Int) -> (alpha: Float, sigma: Float, lambda: Float) {
        let (a, s) = MultistepSchedule.alphaSigma(schedule.sigmas[j])
        return (a, s, Foundation.log(a) - Foundation.log(s))
    }

    /// DDIM-equivalent first-order step.
    private func firstOrder(_ m: Tensor, sample: Tensor, i: Int) throws -> Tensor {
        let t = point(i + 1), s = point(i)
        let h = t.lambda - s.lambda
        switch algorithm {
        case .dpmsolverPlusPlus: return try sample * (t.sigma / s.sigma) - m * (t.alpha * (Foundation.exp(-h) - 1))
        case .dpmsolver: return try sample * (t.alpha / s.alpha) - m * (t.sigma * (Foundation.exp(h) - 1))
        }
    }

    private func secondOrder(sample: Tensor, i: Int) throws -> Tensor {
        let t = point(i + 1), s0 = point(i), s1 = point(i - 1)
        let m0 = try history(0), m1 = try history(1)
        let h = t.lambda - s0.lambda, h0 = s0.lambda - s1.lambda
        let r0 = h0 / h
        let d0 = m0, d1 = (try m0 - m1) * (1 / r0)
        switch (algorithm, solverType) {
        case (.dpmsolverPlusPlus, .midpoint):
            let c = t.alpha * (Foundation.exp(-h) - 1)
            return try sample * (t.sigma / s0.sigma) - d0 * c - d1 * (0.5 * c)
        case (.dpmsolverPlusPlus, .heun):
            return try sample * (t.sigma / s0.sigma) - d0 * (t.alpha * (Foundation.exp(-h) - 1))
                + d1 * (t.alpha * ((Foundation.exp(-h) - 1) / h + 1))
        case (.dpmsolver, .midpoint):
            let c = t.sigma * (Foundation.exp(h) - 1)
            return try sample * (t.alpha / s0.alpha) - d0 * c - d1 * (0.5 * c)
        case (.dpmsolver, .heun):
            return try sample * (t.alpha / s0.alpha) - d0 * (t.sigma * (Foundation.exp(h) - 1))
                - d1 * (t.sigma * ((Foundation.exp(h) - 1) / h - 1))
        }
    }

    private func thirdOrder(sample: Tensor, i: Int) throws -> Tensor {
        let t = point(i + 1), s0 = point(i), s1 = point(i - 1), s2 = point(i - 2)
        let m0 = try history(0), m1 = try history(1), m2 = try history(2)
        let h = t.lambda - s0.lambda, h0 = s0.lambda - s1.lambda, h1 = s1.lambda - s2.lambda
        let r0 = h0 / h, r1 = h1 / h
        let d10 = (try m0 - m1) * (1 / r0), d11 = (try m1 - m2) * (1 / r1)
        let d1 = try d10 + (try d10 - d11) * (r0 / (r0 + r1))
        let d2 = (try d10 - d11) * (1 / (r0 + r1))
        switch algorithm {
        case .dpmsolverPlusPlus:
            let e = Foundation.exp(-h) - 1
            return try sample * (t.sigma / s0.sigma) - m0 * (t.alpha * e) + d1 * (t.alpha * (e / h + 1))
                - d2 * (t.alpha * ((e + h) / (h * h) - 0.5))
        case .dpmsolver:
            let e = Foundation.exp(h) - 1
            return try sample * (t.alpha / s0.alpha) - m0 * (t.sigma * e) - d1 * (t.sigma * (e / h - 1))
                - d2 * (t.sigma * ((e - h) / (h * h) - 0.5))
        }
    }

    public func addNoise(original: Tensor, noise: Tensor, timestep: Float) throws -> Tensor {
        try schedule.addNoise(original: original, noise: noise, timestep: timestep)
    }
}
