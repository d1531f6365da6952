import Diffusion
import Foundation
import Tensors
import XCTest

/// Samplers driven by exact denoisers of simple data distributions, where the right answer is known.
final class ExactDenoiserSamplerTests: XCTestCase {
    static let base = SamplerContractTests.base

    static func config(_ edit: (inout SamplerConfig) -> Void = { _ in }) -> SamplerConfig {
        SamplerContractTests.config(edit)
    }

    static func randn(_ shape: [Int], seed: UInt64) -> Tensor { SamplerContractTests.randn(shape, seed: seed) }

    // MARK: Exact denoiser

    /// With the exact denoiser of a point-mass data distribution at `c`, every probability-flow path is a
    /// straight line to `c`, so any consistent sampler must land on `c` (stochastic ones too: their last
    /// step adds no noise). This checks the math of every option, including those no fixture covers.
    static func recoversPointMass(_ s: Sampler, steps: Int = 12, file: StaticString = #filePath, line: UInt = #line) throws {
        let shape = [1, 4, 6, 5]
        // Inside (-1, 1) so that DDPM/DDIM's default x0 clipping leaves the exact prediction alone.
        let c = Self.randn(shape, seed: 11).tanh() * 0.9
        try s.setTimesteps(steps)
        var x = Self.randn(shape, seed: 12) * s.initNoiseSigma
        // DPM/UniPC latents are VP (alpha c + sigma eps0); one ending at sigma_min > 0 lands there, not on c.
        var expected = c
        if let last = s.sigmas.last, last > 0 {
            let vp = { (sg: Float) in (1 / (sg * sg + 1).squareRoot(), sg / (sg * sg + 1).squareRoot()) }
            let (a0, s0) = vp(s.sigmas[0]), (aL, sL) = vp(last)
            let eps0 = try (try x - c * a0) / Tensor(scalar: s0)
            expected = try c * aL + eps0 * sL
        }
        let noise = GeneratorNoise(seed: 13)
        let prediction = PredictionType(rawValue: s.config.predictionType ?? "epsilon")!
        for (i, t) in s.timesteps.enumerated() {
            let input = try s.scaleModelInput(x, timestep: t)
            // VP coefficients of this call: the model input is alpha c + sigma eps.
            let alpha: Float, sigma: Float
            if s.sigmas.isEmpty {
                let ac = s.alphasCumprod[Int(t)]
                (alpha, sigma) = (ac.squareRoot(), (1 - ac).squareRoot())
            } else {
                let sg = s.sigmas[i]
                alpha = 1 / (sg * sg + 1).squareRoot()
                sigma = sg * alpha
            }
            let eps = try (try input - c * alpha) / Tensor(scalar: sigma)
            let output: Tensor
            switch prediction {
            case .epsilon: output = eps
            case .vPrediction: output = try eps * alpha - c * sigma
            case .sample: output = c
            }
            x = try s.step(modelOutput: output, timestep: t, sample: x, noise: noise)
        }
        let err = zip(x.scalars, expected.scalars).map { abs($0 - $1) }.max()!
        XCTAssertLessThan(err, 2e-4, "\(type(of: s)) \(s.config)", file: file, line: line)
    }

    func testExactDenoiserRecoversDataForEverySamplerAndOption() throws {
        let variants: [(String, (inout SamplerConfig) -> Void)] = [
            ("ddpm", { _ in }), ("ddpm", { $0.varianceType = "fixed_small_log" }), ("ddpm", { $0.varianceType = "fixed_large" }),
            ("ddpm", { $0.predictionType = "v_prediction"; $0.timestepSpacing = "trailing" }),
            ("ddpm", { $0.predictionType = "sample"; $0.timestepSpacing = "linspace" }),
            ("ddim", { _ in }), ("ddim", { $0.predictionType = "v_prediction"; $0.timestepSpacing = "trailing" }),
            ("ddim", { $0.predictionType = "sample"; $0.clipSample = false }), ("ddim", { $0.betaSchedule = "squaredcos_cap_v2" }),
            ("ddim", { $0.rescaleBetasZeroSnr = true; $0.timestepSpacing = "trailing"; $0.predictionType = "v_prediction" }),
            ("pndm", { $0.setAlphaToOne = true }), ("plms", { $0.setAlphaToOne = true; $0.stepsOffset = 1 }),
            ("euler", { _ in }), ("euler", { $0.useKarrasSigmas = true }), ("euler", { $0.predictionType = "v_prediction" }),
            ("euler", { $0.predictionType = "sample"; $0.timestepSpacing = "leading"; $0.stepsOffset = 1 }),
            ("euler", { $0.timestepSpacing = "trailing" }), ("euler", { $0.rescaleBetasZeroSnr = true; $0.predictionType = "v_prediction" }),
            ("euler_ancestral", { _ in }), ("euler_ancestral", { $0.predictionType = "v_prediction"; $0.timestepSpacing = "trailing" }),
            ("heun", { _ in }), ("heun", { $0.useKarrasSigmas = true; $0.predictionType = "v_prediction" }),
            ("heun", { $0.predictionType = "sample" }),
            ("lms", { _ in }), ("lms", { $0.useKarrasSigmas = true }), ("lms", { $0.predictionType = "v_prediction" }),
            ("dpmpp_2m", { _ in }), ("dpmpp_2m", { $0.useKarrasSigmas = true; $0.predictionType = "v_prediction" }),
            ("dpmpp_2m", { $0.solverType = "heun"; $0.timestepSpacing = "trailing" }),
            ("dpmpp_2m", { $0.predictionType = "sample"; $0.timestepSpacing = "leading"; $0.stepsOffset = 1 }),
            ("DPMSolverMultistepScheduler", { $0.solverOrder = 3 }),
            ("DPMSolverMultistepScheduler", { $0.solverOrder = 3; $0.lowerOrderFinal = false; $0.finalSigmasType = "sigma_min" }),
            ("DPMSolverMultistepScheduler", { $0.solverOrder = 1 }),
            ("DPMSolverMultistepScheduler", { $0.algorithmType = "dpmsolver"; $0.finalSigmasType = "sigma_min"; $0.solverOrder = 3 }),
            ("DPMSolverMultistepScheduler", { $0.algorithmType = "dpmsolver"; $0.finalSigmasType = "sigma_min"; $0.solverType = "heun" }),
            ("unipc", { $0.finalSigmasType = "sigma_min"; $0.solverOrder = 3; $0.lowerOrderFinal = false }),
            ("DPMSolverMultistepScheduler", { $0.betaSchedule = "squaredcos_cap_v2"; $0.lambdaMinClipped = -5.1 }),
            ("unipc", { _ in }), ("unipc", { $0.solverOrder = 3 }), ("unipc", { $0.solverType = "bh1" }),
            ("unipc", { $0.useKarrasSigmas = true; $0.predictionType = "v_prediction" }),
            ("unipc", { $0.solverOrder = 3; $0.disableCorrector = [0, 1] }),
        ]
        for (name, edit) in variants {
            try Self.recoversPointMass(try makeSampler(name: name, config: Self.config(edit)))
        }
        let eta = try XCTUnwrap(try makeSampler(name: "ddim", config: Self.config { $0.setAlphaToOne = true }) as? DDIMSampler)
        eta.eta = 1
        try Self.recoversPointMass(eta)
        let lms2 = try XCTUnwrap(try makeSampler(name: "lms", config: Self.base) as? LMSSampler)
        lms2.lmsOrder = 2
        try Self.recoversPointMass(lms2)
    }

    // MARK: Gaussian data

    /// Data ~ N(mu, s^2) per element has a linear exact denoiser, and its probability-flow ODE keeps
    /// z = (x_t - alpha mu) / sqrt(alpha^2 s^2 + sigma^2) constant, so the exact result of a deterministic
    /// sampler is mu + s z. Unlike a point mass, x0 predictions change along the path, so this measures
    /// the higher-order terms (multistep histories, correctors) too. Returns the max error.
    static func gaussianError(_ s: Sampler, steps: Int) throws -> Float {
        let (mu, sd): (Float, Float) = (0.3, 0.5)
        let shape = [2, 3, 4, 5]
        try s.setTimesteps(steps)
        var x = Self.randn(shape, seed: 41) * s.initNoiseSigma
        let prediction = PredictionType(rawValue: s.config.predictionType ?? "epsilon")!
        let vpSample = s.sigmas.isEmpty || s is DPMSolverMultistepSampler || s is UniPCSampler
        func vp(_ i: Int, _ t: Float) -> (Float, Float) {
            if s.sigmas.isEmpty {
                let ac = s.alphasCumprod[Int(t)]
                return (ac.squareRoot(), (1 - ac).squareRoot())
            }
            let sg = s.sigmas[i], a = 1 / (sg * sg + 1).squareRoot()
            return (a, sg * a)
        }
        var z: Tensor?
        for (i, t) in s.timesteps.enumerated() {
            let input = try s.scaleModelInput(x, timestep: t)
            let (alpha, sigma) = vp(i, t)
            let scale = (alpha * alpha * sd * sd + sigma * sigma).squareRoot()
            if z == nil { z = try (input - alpha * mu) / Tensor(scalar: scale) }
            let x0 = (input - alpha * mu) * (alpha * sd * sd / (scale * scale)) + mu
            let eps = try (try input - x0 * alpha) / Tensor(scalar: sigma)
            let output: Tensor
            switch prediction {
            case .epsilon: output = eps
            case .vPrediction: output = try eps * alpha - x0 * sigma
            case .sample: output = x0
            }
            x = try s.step(modelOutput: output, timestep: t, sample: x)
        }
        // Where the run ends: alpha_bar(0) for alpha samplers without set_alpha_to_one, sigma_min, or clean data.
        var (aL, sL): (Float, Float) = (1, 0)
        if let last = s.sigmas.last {
            (aL, sL) = (1 / (last * last + 1).squareRoot(), last / (last * last + 1).squareRoot())
        } else if let ddim = s as? DDIMSampler {
            (aL, sL) = (ddim.finalAlphaCumprod.squareRoot(), (1 - ddim.finalAlphaCumprod).squareRoot())
        } else if let pndm = s as? PNDMSampler {
            (aL, sL) = (pndm.finalAlphaCumprod.squareRoot(), (1 - pndm.finalAlphaCumprod).squareRoot())
        }
        var expected = z! * (aL * aL * sd * sd + sL * sL).squareRoot() + aL * mu
        if !vpSample { expected = try expected / Tensor(scalar: aL) }
        return zip(x.scalars, expected.scalars).map { abs($0 - $1) }.max()!
    }

    /// Every deterministic sampler converges to the exact flow; the limits at 160 steps are about twice the
    /// errors measured here and by an independent float64 NumPy transcription of diffusers' update rules
    /// (first-order methods halve their error per doubling, DPM-Solver-3 and LMS shrink much faster).
    func testDeterministicSamplersSolveTheGaussianFlow() throws {
        let cases: [(String, (inout SamplerConfig) -> Void, Float)] = [
            ("ddim", { $0.clipSample = false }, 0.05),
            ("ddim", { $0.clipSample = false; $0.predictionType = "v_prediction"; $0.timestepSpacing = "trailing" }, 0.03),
            ("pndm", { $0.setAlphaToOne = true }, 0.004), ("plms", { _ in }, 0.004),
            ("euler", { _ in }, 0.05), ("euler", { $0.useKarrasSigmas = true }, 0.035),
            ("heun", { _ in }, 0.004), ("heun", { $0.useKarrasSigmas = true }, 0.004),
            ("lms", { _ in }, 5e-5), ("lms", { $0.useKarrasSigmas = true }, 4e-4),
            ("dpmpp_2m", { _ in }, 0.02), ("dpmpp_2m", { $0.useKarrasSigmas = true; $0.predictionType = "v_prediction" }, 6e-4),
            ("dpmpp_2m", { $0.solverType = "heun" }, 0.025),
            ("DPMSolverMultistepScheduler", { $0.solverOrder = 1 }, 0.045),
            ("DPMSolverMultistepScheduler", { $0.solverOrder = 3 }, 0.007),
            ("DPMSolverMultistepScheduler", { $0.algorithmType = "dpmsolver" }, 0.012),
            ("DPMSolverMultistepScheduler", { $0.algorithmType = "dpmsolver"; $0.solverOrder = 3 }, 1e-3),
            ("DPMSolverMultistepScheduler", { $0.algorithmType = "dpmsolver"; $0.solverType = "heun" }, 0.008),
            ("unipc", { _ in }, 0.011), ("unipc", { $0.solverOrder = 1 }, 0.018), ("unipc", { $0.solverOrder = 3 }, 0.011),
            ("unipc", { $0.solverType = "bh1" }, 0.01), ("unipc", { $0.disableCorrector = Array(0..<200) }, 0.011),
        ]
        for (name, edit, limit) in cases {
            // DPM/UniPC end with a pure denoising jump to sigma 0 by default, which the ODE does not take.
            let s = try makeSampler(name: name, config: Self.config {
                if ["dpmpp_2m", "DPMSolverMultistepScheduler", "unipc"].contains(name) { $0.finalSigmasType = "sigma_min" }
                edit(&$0)
            })
            let coarse = try Self.gaussianError(s, steps: 10), fine = try Self.gaussianError(s, steps: 160)
            XCTAssertLessThan(fine, limit, "\(name) \(s.config)")
            XCTAssertLessThan(fine, coarse, "\(name) \(s.config)")
        }
    }

    /// PNDM mixes raw v outputs of different timesteps before converting, so (as in diffusers) only a step
    /// without history is exact; that step must match the epsilon sampler fed the equivalent noise.
    func testPNDMVPredictionStepMatchesEpsilonStep() throws {
        for name in ["plms", "pndm"] {
            let eps = try makeSampler(name: name, config: Self.base)
            let v = try makeSampler(name: name, config: Self.config { $0.predictionType = "v_prediction" })
            try eps.setTimesteps(10)
            try v.setTimesteps(10)
            let x = Self.randn([1, 3, 4], seed: 31), e = Self.randn([1, 3, 4], seed: 32)
            let t = eps.timesteps[0], ac = eps.alphasCumprod[Int(t)]
            let (alpha, sigma) = (ac.squareRoot(), (1 - ac).squareRoot())
            let x0 = try (try x - e * sigma) / Tensor(scalar: alpha)
            let vOut = try e * alpha - x0 * sigma
            let a = try eps.step(modelOutput: e, timestep: t, sample: x)
            let b = try v.step(modelOutput: vOut, timestep: t, sample: x)
            XCTAssertLessThan(zip(a.scalars, b.scalars).map { abs($0 - $1) }.max()!, 1e-5, name)
        }
    }

    /// The noise-prediction solver must stop at sigma_min; on a point mass it lands on alpha c + sigma eps0.
    func testDPMSolverNoisePredictionEndsAtSigmaMin() throws {
        let s = try makeSampler(name: "DPMSolverMultistepScheduler",
                                config: Self.config { $0.algorithmType = "dpmsolver"; $0.finalSigmasType = "sigma_min" })
        let shape = [1, 2, 3, 4]
        let c = Self.randn(shape, seed: 21)
        try s.setTimesteps(10)
        var x = Self.randn(shape, seed: 22)
        let (a0, s0) = { (sg: Float) in (1 / (sg * sg + 1).squareRoot(), sg / (sg * sg + 1).squareRoot()) }(s.sigmas[0])
        let eps0 = try (try x - c * a0) / Tensor(scalar: s0)
        for (i, t) in s.timesteps.enumerated() {
            let sg = s.sigmas[i], alpha = 1 / (sg * sg + 1).squareRoot()
            let eps = try (try x - c * alpha) / Tensor(scalar: sg * alpha)
            x = try s.step(modelOutput: eps, timestep: t, sample: x)
        }
        let last = s.sigmas.last!
        XCTAssertEqual(last, ((1 - s.alphasCumprod[0]) / s.alphasCumprod[0]).squareRoot())
        let aL = 1 / (last * last + 1).squareRoot()
        let expected = try c * aL + eps0 * (last * aL)
        XCTAssertLessThan(zip(x.scalars, expected.scalars).map { abs($0 - $1) }.max()!, 1e-4)
    }
}
