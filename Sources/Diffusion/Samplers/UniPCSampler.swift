import Foundation
import Tensors

/// UniPC predictor-corrector (Zhao et al. 2023), as diffusers' UniPCMultistepScheduler (x0 prediction).
// The multistep predictor (UniP) result is refined by the corrector (UniC) once the next model output is known.
public final class UniPCSampler: Sampler {
    /// B(h) of the paper: bh1 = h, bh2 = e^h - 1 (the default, better for guided sampling).
    public enum SolverType: String, CaseIterable { case bh1, bh2 }

    public let config: SamplerConfig
    public var alphasCumprod: [Float] { schedule.options.alphasCumprod }
    public var timesteps: [Float] { schedule.timesteps }
    public var sigmas: [Float] { schedule.sigmas }
    public let initNoiseSigma: Float = 1
    public let order = 1
    public let solverOrder: Int
    public let solverType: SolverType
    public let lowerOrderFinal: Bool
    /// Step indices after which the corrector is skipped.
    public let disableCorrector: [Int]

    var schedule: MultistepSchedule
    private var modelOutputs: [Tensor?] = []
    private var lowerOrderNums = 0
    private var lastSample: Tensor?
    private var thisOrder = 1

    public init(config: SamplerConfig = SamplerConfig()) throws {
        var c = config
        // diffusers maps DPM-Solver's solver types onto bh2.
        if let s = c.solverType, ["midpoint", "heun", "logrho"].contains(s) { c.solverType = "bh2" }
        self.config = c.named("UniPCMultistepScheduler")
        schedule = try MultistepSchedule(c)
        solverOrder = c.solverOrder ?? 2
        guard solverOrder >= 1 else {
            throw DiffusionError.invalidArgument("solver_order", "expected a positive integer, got \(solverOrder)")
        }
        solverType = try SamplerConfig.option("solver_type", c.solverType, default: .bh2, allowed: SolverType.allCases)
        lowerOrderFinal = c.lowerOrderFinal ?? true
        disableCorrector = c.disableCorrector ?? []
        if c.predictX0 == false {
            throw DiffusionError.invalidArgument("predict_x0", "expected true (noise-prediction UniPC is not supported)")
        }
    }

    public func setTimesteps(_ steps: Int) throws {
        try schedule.set(steps: steps)
        modelOutputs = Array(repeating: nil, count: solverOrder)
        lowerOrderNums = 0
        lastSample = nil
        thisOrder = 1
    }

    public func scaleModelInput(_ sample: Tensor, timestep: Float) throws -> Tensor { sample }

    public func step(modelOutput: Tensor, timestep: Float, sample: Tensor, noise: NoiseSource?) throws -> Tensor {
        try SamplerMath.checkShapes(modelOutput, sample)
        let i = try schedule.current(timestep, name: "UniPC")
        let useCorrector = i > 0 && !disableCorrector.contains(i - 1) && lastSample != nil
        let m = try schedule.dataPrediction(modelOutput, sample: sample, index: i)
        var x = sample
        if useCorrector, let last = lastSample {
            x = try corrector(modelT: m, lastSample: last, thisSample: sample, order: thisOrder, i: i)
        }
        modelOutputs.removeFirst()
        modelOutputs.append(m)
        let wanted = lowerOrderFinal ? min(solverOrder, schedule.timesteps.count - i) : solverOrder
        thisOrder = min(wanted, lowerOrderNums + 1)  // warm up: no more history than we have
        lastSample = x
        let prev = try predictor(sample: x, order: thisOrder, i: i)
        if lowerOrderNums < solverOrder { lowerOrderNums += 1 }
        schedule.stepIndex = i + 1
        return prev
    }

    private func history(_ back: Int) throws -> Tensor {
        guard let m = modelOutputs[modelOutputs.count - 1 - back] else { throw SamplerMath.notReady("UniPC") }
        return m
    }

    /// The B(h)-weighted coefficients shared by predictor and corrector: h*phi_1, B(h), R (powers of r_k) and b.
    private func coefficients(h: Float, rks: [Float], order: Int) -> (hPhi1: Float, bh: Float, r: [[Float]], b: [Float]) {
        let hh = -h  // data prediction integrates in -h
        let hPhi1 = Foundation.expm1(hh)
        var hPhiK = hPhi1 / hh - 1
        var factorial: Float = 1
        let bh = solverType == .bh1 ? hh : Foundation.expm1(hh)
        var r: [[Float]] = [], b: [Float] = []
        for k in 1...order {
            r.append(rks.map { Foundation.pow($0, Float(k - 1)) })
            b.append(hPhiK * factorial / bh)
            factorial *= Float(k + 1)
            hPhiK = hPhiK / hh - 1 / factorial
        }
        return (hPhi1, bh, r, b)
    }

    /// Ratios r_k and scaled differences D1_k of the history against the newest output m0.
    private func differences(sigmaIndices: [Int], lambda0: Float, h: Float, m0: Tensor) throws -> (rks: [Float], d1s: [Tensor]) {
        var rks: [Float] = [], d1s: [Tensor] = []
        for (k, si) in sigmaIndices.enumerated() {
            let rk = (MultistepSchedule.lambda(schedule.sigmas[si]) - lambda0) / h
            rks.append(rk)
            d1s.append(try SamplerMath.divide(try history(k + 1) - m0, rk))
        }
        return (rks + [1], d1s)
    }

    /// UniP: x_t from the stored x0 predictions.
    private func predictor(sample x: Tensor, order: Int, i: Int) throws -> Tensor {
        let m0 = try history(0)
        let (alphaT, sigmaT) = MultistepSchedule.alphaSigma(schedule.sigmas[i + 1])
        let (_, sigmaS0) = MultistepSchedule.alphaSigma(schedule.sigmas[i])
        let lambda0 = MultistepSchedule.lambda(schedule.sigmas[i])
        let h = MultistepSchedule.lambda(schedule.sigmas[i + 1]) - lambda0
        let (rks, d1s) = try differences(sigmaIndices: (1..<max(order, 1)).map { i - $0 }, lambda0: lambda0, h: h, m0: m0)
        let c = coefficients(h: h, rks: rks, order: order)
        let xt = try x * (sigmaT / sigmaS0) - m0 * (alphaT * c.hPhi1)
        guard !d1s.isEmpty else { return xt }
        // Order 2 uses rho = 0.5, as diffusers; higher orders solve the truncated system.
        let rhos = order == 2 ? [Float(0.5)]
            : SamplerMath.solve(Array(c.r.dropLast().map { Array($0.dropLast()) }), Array(c.b.dropLast()))
        var res = d1s[0] * rhos[0]
        for k in 1..<d1s.count { res = try res + d1s[k] * rhos[k] }
        return try xt - res * (alphaT * c.bh)
    }

    /// UniC: refines the previous prediction `thisSample` with the fresh output `modelT`.
    private func corrector(modelT: Tensor, lastSample x: Tensor, thisSample: Tensor, order: Int, i: Int) throws -> Tensor {
        let m0 = try history(0)
        let (alphaT, sigmaT) = MultistepSchedule.alphaSigma(schedule.sigmas[i])
        let (_, sigmaS0) = MultistepSchedule.alphaSigma(schedule.sigmas[i - 1])
        let lambda0 = MultistepSchedule.lambda(schedule.sigmas[i - 1])
        let h = MultistepSchedule.lambda(schedule.sigmas[i]) - lambda0
        let (rks, d1s) = try differences(sigmaIndices: (1..<max(order, 1)).map { i - ($0 + 1) }, lambda0: lambda0, h: h, m0: m0)
        let c = coefficients(h: h, rks: rks, order: order)
        let rhos = order == 1 ? [Float(0.5)] : SamplerMath.solve(c.r, c.b)
        let xt = try x * (sigmaT / sigmaS0) - m0 * (alphaT * c.hPhi1)
        var corr: Tensor?
        for k in 0..<d1s.count {
            let term = d1s[k] * rhos[k]
            corr = try corr.map { try $0 + term } ?? term
        }
        let d1t = try modelT - m0
        let last = d1t * rhos[rhos.count - 1]
        let total = try corr.map { try $0 + last } ?? last
        return try xt - total * (alphaT * c.bh)
    }

    public func addNoise(original: Tensor, noise: Tensor, timestep: Float) throws -> Tensor {
        try schedule.addNoise(original: original, noise: noise, timestep: timestep)
    }
}
