import Foundation
import Tensors

/// Pseudo numerical methods (Liu et al. 2022), as diffusers' PNDMScheduler: Runge-Kutta warm-up, then PLMS.
// skip_prk_steps starts PLMS directly (crowsonkb's PLMS, as Stable Diffusion uses it).
public final class PNDMSampler: Sampler {
    public let config: SamplerConfig
    public var alphasCumprod: [Float] { options.alphasCumprod }
    public private(set) var timesteps: [Float] = []
    public var sigmas: [Float] { [] }
    public let initNoiseSigma: Float = 1
    public let order = 1
    public let skipPrkSteps: Bool
    public let finalAlphaCumprod: Float

    let options: CommonOptions
    /// PLMS uses the last four noise estimates.
    private let pndmOrder = 4
    private var stepCount = 0
    private var prkTimesteps: [Int] = []
    // Runge-Kutta / multistep state, reset by setTimesteps.
    private var counter = 0
    private var ets: [Tensor] = []
    private var curModelOutput: Tensor?
    private var curSample: Tensor?

    public init(config: SamplerConfig = SamplerConfig()) throws {
        self.config = config.named("PNDMScheduler")
        options = try CommonOptions(config, spacing: .leading, predictions: [.epsilon, .vPrediction])
        skipPrkSteps = config.skipPrkSteps ?? false
        finalAlphaCumprod = (config.setAlphaToOne ?? false) ? 1 : options.alphasCumprod[0]
    }

    public func setTimesteps(_ steps: Int) throws {
        try options.validate(steps: steps)
        let n = options.numTrain
        stepCount = steps
        // Ascending base schedule, as diffusers' `_timesteps`.
        let base: [Int]
        switch options.spacing {
        case .linspace: base = SamplerMath.linspace(0, Double(n - 1), steps).map { Int(SamplerMath.round($0)) }
        case .leading: base = (0..<steps).map { $0 * (n / steps) + options.stepsOffset }
        case .trailing:
            base = SamplerMath.arange(Double(n), 0, -Double(n) / Double(steps)).reversed().map { Int(SamplerMath.round($0)) - 1 }
        }
        let plms: [Int]
        if skipPrkSteps {
            // crowsonkb's PLMS: the second-to-last base timestep is visited twice (the warm-up pair).
            prkTimesteps = []
            plms = Array((Array(base.dropLast()) + Array(base.suffix(2).dropLast()) + Array(base.suffix(1))).reversed())
        } else {
            guard steps >= pndmOrder else {
                throw DiffusionError.invalidArgument("steps", "PNDM with Runge-Kutta warm-up needs at least \(pndmOrder) steps, got \(steps) (or set skip_prk_steps)")
            }
            // Each of the last three base intervals gets four RK evaluations at t, t - h/2, t - h/2, t - h.
            let half = n / steps / 2
            var prk: [Int] = []
            for t in base.suffix(pndmOrder) { prk += [t, t, t + half, t + half] }
            prk = Array(prk.dropLast(2))  // numpy: repeat(2)+tile, then [:-1].repeat(2)[1:-1]
            prk = Array(prk.dropFirst().dropLast())
            prkTimesteps = prk.reversed()
            plms = Array(base.dropLast(3).reversed())
        }
        timesteps = (prkTimesteps + plms).map(Float.init)
        counter = 0
        ets = []
        curModelOutput = nil
        curSample = nil
    }

    public func scaleModelInput(_ sample: Tensor, timestep: Float) throws -> Tensor { sample }

    public func step(modelOutput: Tensor, timestep: Float, sample: Tensor, noise: NoiseSource?) throws -> Tensor {
        guard stepCount > 0 else { throw SamplerMath.notReady("PNDM") }
        try SamplerMath.checkShapes(modelOutput, sample)
        let t = try options.trainIndex(timestep)
        if counter < prkTimesteps.count && !skipPrkSteps { return try stepPRK(modelOutput, t, sample) }
        return try stepPLMS(modelOutput, t, sample)
    }

    /// Fourth-order Runge-Kutta in the pseudo-numerical form; four calls per interval.
    private func stepPRK(_ modelOutput: Tensor, _ timestep: Int, _ sample: Tensor) throws -> Tensor {
        let diffToPrev = counter % 2 == 1 ? 0 : options.numTrain / stepCount / 2
        let prevT = timestep - diffToPrev
        let t = prkTimesteps[counter / 4 * 4]
        var output = modelOutput
        func accumulate(_ w: Float) throws {
            let term = modelOutput * w
            curModelOutput = try curModelOutput.map { try $0 + term } ?? term
        }
        switch counter % 4 {
        case 0:
            try accumulate(Float(1.0 / 6.0))
            ets.append(modelOutput)
            curSample = sample
        case 1, 2: try accumulate(Float(1.0 / 3.0))
        default:
            let term = modelOutput * Float(1.0 / 6.0)
            output = try curModelOutput.map { try $0 + term } ?? term
            curModelOutput = nil
        }
        let prev = try prevSample(curSample ?? sample, t, prevT, output)
        counter += 1
        return prev
    }

    /// Linear multistep with Adams-Bashforth weights over the stored noise estimates.
    private func stepPLMS(_ modelOutput: Tensor, _ timestep: Int, _ sample: Tensor) throws -> Tensor {
        if !skipPrkSteps && ets.count < 3 {
            throw DiffusionError.invalidArgument("timestep", "PNDM: PLMS needs the Runge-Kutta warm-up first; step through timesteps in order")
        }
        let stride = options.numTrain / stepCount
        var t = timestep, prevT = timestep - stride
        var x = sample, output = modelOutput
        if counter != 1 {
            ets = Array(ets.suffix(3))
            ets.append(modelOutput)
        } else {
            // The warm-up's second call re-does the first interval with the averaged estimate.
            prevT = timestep
            t = timestep + stride
        }
        let e = ets
        if e.count == 1 && counter == 0 {
            curSample = sample
        } else if e.count == 1 && counter == 1 {
            output = try SamplerMath.divide(try modelOutput + e[0], 2)
            guard let s = curSample else { throw SamplerMath.notReady("PNDM") }
            x = s
            curSample = nil
        } else if e.count == 2 {
            output = try SamplerMath.divide(try e[1] * 3 - e[0], 2)
        } else if e.count == 3 {
            output = try SamplerMath.divide(try e[2] * 23 - e[1] * 16 + e[0] * 5, 12)
        } else {
            output = (try e[3] * 55 - e[2] * 59 + e[1] * 37 - e[0] * 9) * Float(1.0 / 24.0)
        }
        let prev = try prevSample(x, t, prevT, output)
        counter += 1
        return prev
    }

    /// Formula (9) of the PNDM paper: the transfer from x_t to x_{t-delta} given a noise estimate.
    private func prevSample(_ sample: Tensor, _ t: Int, _ prevT: Int, _ modelOutput: Tensor) throws -> Tensor {
        let ac = options.alphasCumprod
        let alphaProd = ac[t], alphaProdPrev = prevT >= 0 ? ac[prevT] : finalAlphaCumprod
        let betaProd = 1 - alphaProd, betaProdPrev = 1 - alphaProdPrev
        var eps = modelOutput
        if options.prediction == .vPrediction {
            eps = try modelOutput * alphaProd.squareRoot() + sample * betaProd.squareRoot()
        }
        let sampleCoeff = (alphaProdPrev / alphaProd).squareRoot()
        let denom = alphaProd * betaProdPrev.squareRoot() + (alphaProd * betaProd * alphaProdPrev).squareRoot()
        return try sample * sampleCoeff - SamplerMath.divide(eps * (alphaProdPrev - alphaProd), denom)
    }

    public func addNoise(original: Tensor, noise: Tensor, timestep: Float) throws -> Tensor {
        try options.addNoise(original: original, noise: noise, timestep: timestep)
    }
}
