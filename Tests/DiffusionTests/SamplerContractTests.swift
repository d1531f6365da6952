import Diffusion
import Foundation
import Tensors
import XCTest

/// Behaviour every sampler shares, checked over all of them and over the options no fixture covers.
final class SamplerContractTests: XCTestCase {
    /// A Stable-Diffusion-like training schedule.
    static let base = SchedulerConfig(betaStart: 0.00085, betaEnd: 0.012, betaSchedule: "scaled_linear")

    static func config(_ edit: (inout SchedulerConfig) -> Void = { _ in }) -> SchedulerConfig {
        var c = base
        edit(&c)
        return c
    }

    /// Denoiser calls for `steps` inference steps.
    static func expectedCount(_ name: String, _ steps: Int) -> Int {
        switch name {
        case "heun": return 2 * steps - 1
        case "pndm": return steps + 9  // 12 Runge-Kutta calls replace 3 PLMS steps
        case "plms": return steps == 1 ? 1 : steps + 1  // the warm-up pair visits one timestep twice
        default: return steps
        }
    }

    static func randn(_ shape: [Int], seed: UInt64) -> Tensor { Tensor.randn(shape, generator: RandomGenerator(seed: seed)) }

    /// Runs a full loop with a smooth stand-in denoiser.
    static func sample(_ s: Sampler, steps: Int, shape: [Int], seed: UInt64) throws -> Tensor {
        try s.setTimesteps(steps)
        var x = randn(shape, seed: seed) * s.initNoiseSigma
        let noise = GeneratorNoise(seed: seed + 1)
        for t in s.timesteps {
            let input = try s.scaleModelInput(x, timestep: t)
            XCTAssertEqual(input.shape, shape)
            x = try s.step(modelOutput: input.tanh() * 0.5, timestep: t, sample: x, noise: noise)
            XCTAssertEqual(x.shape, shape)
        }
        return x
    }

    func testEveryNameSamplesWithShapePreservedAndExpectedStepCount() throws {
        for name in samplerNames {
            let s = try makeSampler(name: name, config: Self.base)
            for steps in [1, 4, 25] where !(name == "pndm" && steps < 4) {
                try s.setTimesteps(steps)
                XCTAssertEqual(s.timesteps.count, Self.expectedCount(name, steps), "\(name) \(steps)")
                if !s.sigmas.isEmpty { XCTAssertEqual(s.sigmas.count, s.timesteps.count + 1, name) }
                let out = try Self.sample(s, steps: steps, shape: [2, 3, 5, 4], seed: 7)
                XCTAssertTrue(out.scalars.allSatisfy(\.isFinite), "\(name) \(steps)")
            }
            XCTAssertEqual(s.order, name == "heun" ? 2 : 1)
        }
    }

    func testTimestepsDescendWithinTrainingRange() throws {
        for name in samplerNames {
            let s = try makeSampler(name: name, config: Self.base)
            try s.setTimesteps(30)
            XCTAssertTrue(zip(s.timesteps, s.timesteps.dropFirst()).allSatisfy { $0 >= $1 }, name)
            XCTAssertTrue(s.timesteps.allSatisfy { $0 >= 0 && $0 <= 999 }, name)
            XCTAssertGreaterThan(s.initNoiseSigma, 0, name)
        }
    }

    /// Same seeds, same result: setTimesteps resets every piece of multistep state.
    func testSecondRunReproducesFirst() throws {
        for name in samplerNames {
            let s = try makeSampler(name: name, config: Self.base)
            let a = try Self.sample(s, steps: 8, shape: [1, 2, 3, 4], seed: 3)
            let b = try Self.sample(s, steps: 8, shape: [1, 2, 3, 4], seed: 3)
            XCTAssertEqual(a.scalars, b.scalars, name)
        }
    }

    // MARK: Exact denoiser

    /// With the exact denoiser of a point-mass data distribution at `c`, every probability-flow path is a
    /// straight line to `c`, so any consistent sampler must land on `c` (stochastic ones too: their last
    /// step adds no noise). This checks the math of every option, including those no fixture covers.
    static func recoversPointMass(_ s: Sampler, steps: Int = 12, file: StaticString = #filePath, line: UInt = #line) throws {
        let shape = [1, 4, 6, 5]
        // Inside (-1, 1) so that DDPM/DDIM's default x0 clipping leaves the exact prediction alone.
        let c = randn(shape, seed: 11).tanh() * 0.9
        try s.setTimesteps(steps)
        var x = randn(shape, seed: 12) * s.initNoiseSigma
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
        let variants: [(String, (inout SchedulerConfig) -> Void)] = [
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
        var x = randn(shape, seed: 41) * s.initNoiseSigma
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
        let cases: [(String, (inout SchedulerConfig) -> Void, Float)] = [
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

    /// Karras churn raises sigma to sigma_hat with fresh noise before the Euler step: one draw per step
    /// while sigma is inside [sTmin, sTmax], none outside.
    func testEulerChurnDrawsNoiseOnlyInsideItsWindow() throws {
        let s = try XCTUnwrap(try makeSampler(name: "euler", config: Self.base) as? EulerSampler)
        let plain = try Self.sample(s, steps: 6, shape: [1, 2, 3], seed: 4)
        s.sChurn = 1
        try s.setTimesteps(6)
        s.sTmin = (s.sigmas[2] + s.sigmas[3]) / 2
        var x = Self.randn([1, 2, 3], seed: 4) * s.initNoiseSigma
        let draws = RecordedNoise((0..<3).map { Self.randn([1, 2, 3], seed: 100 + UInt64($0)) })
        for t in s.timesteps {
            x = try s.step(modelOutput: try s.scaleModelInput(x, timestep: t).tanh() * 0.5, timestep: t, sample: x, noise: draws)
        }
        XCTAssertEqual(draws.consumed, 3)  // sigmas[0...2] are >= sTmin, the rest are below
        XCTAssertNotEqual(x.scalars, plain.scalars)
        XCTAssertTrue(x.scalars.allSatisfy(\.isFinite))
    }

    // MARK: addNoise

    func testAddNoiseIsTheForwardProcess() throws {
        let x0 = Self.randn([2, 3, 4], seed: 1), n = Self.randn([2, 3, 4], seed: 2)
        for name in samplerNames {
            let s = try makeSampler(name: name, config: Self.base)
            try s.setTimesteps(10)
            let t = s.timesteps[3]
            let out = try s.addNoise(original: x0, noise: n, timestep: t)
            let expected: Tensor
            if s.sigmas.isEmpty || ["dpmpp_2m", "unipc"].contains(name) {
                // VP form alpha x0 + sigma n (DPM/UniPC derive alpha, sigma from their sigma table).
                let ac = s.sigmas.isEmpty ? s.alphasCumprod[Int(t)] : 1 / (s.sigmas[3] * s.sigmas[3] + 1)
                expected = try x0 * ac.squareRoot() + n * (1 - ac).squareRoot()
            } else {
                expected = try x0 + n * s.sigmas[3]  // k-diffusion form
            }
            XCTAssertLessThan(zip(out.scalars, expected.scalars).map { abs($0 - $1) }.max()!, 1e-5, name)
        }
    }

    // MARK: Config

    func testConfigEncodeDecodeRoundTripForEverySampler() throws {
        for name in samplerNames {
            let s = try makeSampler(name: name, config: Self.config { $0.trainedBetas = nil; $0.stepsOffset = 1 })
            let back = try SchedulerConfig.decode(try s.config.jsonData())
            XCTAssertEqual(back, s.config, name)
            XCTAssertNotNil(back.className, name)
            let again = try makeSampler(config: back)
            XCTAssertTrue(type(of: again) == type(of: s), name)
            try s.setTimesteps(9)
            try again.setTimesteps(9)
            XCTAssertEqual(again.timesteps, s.timesteps, name)
            XCTAssertEqual(again.sigmas, s.sigmas, name)
        }
    }

    func testLoadsDiffusersSchedulerConfigFile() throws {
        let path = SamplerParityTests.fixtureDir.deletingLastPathComponent()
            .appendingPathComponent("audioldm_pipeline/model/scheduler/scheduler_config.json").path
        let c = try SchedulerConfig.load(path: path)
        XCTAssertEqual(c.className, "DDIMScheduler")
        XCTAssertEqual(c.diffusersVersion, "0.42.1")
        XCTAssertEqual(c.betaEnd, 0.012)
        XCTAssertEqual(c.betaSchedule, "scaled_linear")
        XCTAssertEqual(c.setAlphaToOne, false)
        XCTAssertEqual(c.timestepSpacing, "leading")
        XCTAssertNil(c.trainedBetas)
        let s = try XCTUnwrap(try makeSampler(config: c) as? DDIMSampler)
        try s.setTimesteps(10)
        XCTAssertEqual(s.timesteps, [900, 800, 700, 600, 500, 400, 300, 200, 100, 0])
        XCTAssertEqual(s.finalAlphaCumprod, s.alphasCumprod[0])
    }

    /// Python's json writes -Infinity bare; it must load and save that way.
    func testConfigWithInfinityAndNullsRoundTripsThroughAFile() throws {
        let json = """
        {"_class_name": "DPMSolverMultistepScheduler", "lambda_min_clipped": -Infinity, "variance_type": null,
         "solver_order": 2, "trained_betas": null, "use_karras_sigmas": true, "unknown_key": 3}
        """
        let c = try SchedulerConfig.decode(Data(json.utf8))
        XCTAssertEqual(c.lambdaMinClipped, -.infinity)
        XCTAssertNil(c.varianceType)
        XCTAssertEqual(c.useKarrasSigmas, true)
        let url = FileManager.default.temporaryDirectory.appendingPathComponent("foley-scheduler-\(getpid()).json")
        defer { try? FileManager.default.removeItem(at: url) }
        try c.save(path: url.path)
        XCTAssertTrue(try String(contentsOf: url, encoding: .utf8).contains("\"lambda_min_clipped\" : -Infinity"))
        XCTAssertEqual(try SchedulerConfig.load(path: url.path), c)
        XCTAssertTrue(try makeSampler(config: c) is DPMSolverMultistepSampler)
    }

    func testMissingConfigFileNamesThePath() {
        XCTAssertThrowsError(try SchedulerConfig.load(path: "/nonexistent/scheduler_config.json")) { e in
            XCTAssertTrue("\(e)".hasPrefix("/nonexistent/scheduler_config.json: "), "\(e)")
        }
    }

    // MARK: Names

    func testAliasesAndClassNamesPickTheRightSampler() throws {
        let expected: [(String, Sampler.Type)] = [
            ("ddpm", DDPMSampler.self), ("DDIMScheduler", DDIMSampler.self), ("plms", PNDMSampler.self),
            ("Euler_A", EulerAncestralSampler.self), ("euler_ancestral", EulerAncestralSampler.self),
            ("EulerDiscreteScheduler", EulerSampler.self), ("HeunDiscreteScheduler", HeunSampler.self),
            ("LMSDiscreteScheduler", LMSSampler.self), ("dpm++2m", DPMSolverMultistepSampler.self),
            ("dpmsolver++", DPMSolverMultistepSampler.self), ("UniPCMultistepScheduler", UniPCSampler.self),
        ]
        for (name, type) in expected { XCTAssertTrue(Swift.type(of: try makeSampler(name: name)) == type, name) }
        XCTAssertEqual(try XCTUnwrap(try makeSampler(name: "plms") as? PNDMSampler).skipPrkSteps, true)
        XCTAssertEqual(try XCTUnwrap(try makeSampler(name: "pndm") as? PNDMSampler).skipPrkSteps, false)
        let dpm = try XCTUnwrap(try makeSampler(name: "dpmpp_2m", config: Self.config { $0.solverOrder = 3 })
            as? DPMSolverMultistepSampler)
        XCTAssertEqual(dpm.solverOrder, 2)
        XCTAssertEqual(dpm.algorithm, .dpmsolverPlusPlus)
        XCTAssertEqual(dpm.config.className, "DPMSolverMultistepScheduler")
        // A config written for another class is shared, as diffusers' from_config does.
        let fromDDIM = try makeSampler(name: "euler", config: Self.config { $0.className = "DDIMScheduler"; $0.timestepSpacing = "leading" })
        XCTAssertEqual(fromDDIM.config.className, "EulerDiscreteScheduler")
        XCTAssertEqual(fromDDIM.config.timestepSpacing, "leading")
    }

    func testUnknownNameListsTheValidNames() {
        XCTAssertThrowsError(try makeSampler(name: "karras_ve")) { e in
            let m = "\(e)"
            XCTAssertTrue(m.hasPrefix("sampler: expected one of ddpm, ddim, pndm, plms, euler, euler_ancestral, heun, lms, dpmpp_2m, unipc"), m)
            XCTAssertTrue(m.contains("UniPCMultistepScheduler"), m)
            XCTAssertTrue(m.hasSuffix("got 'karras_ve'"), m)
        }
        XCTAssertThrowsError(try makeSampler(config: SchedulerConfig())) { e in
            XCTAssertTrue("\(e)".hasPrefix("_class_name: the scheduler config names no class"), "\(e)")
        }
    }

    // MARK: Errors

    func testStepCountsOutOfRangeAreRejected() throws {
        for name in samplerNames {
            let s = try makeSampler(name: name, config: Self.base)
            XCTAssertThrowsError(try s.setTimesteps(0), name) { e in
                XCTAssertEqual("\(e)", "steps: expected a positive integer, got 0")
            }
            XCTAssertThrowsError(try s.setTimesteps(-3), name)
            XCTAssertThrowsError(try s.setTimesteps(1001), name) { e in
                XCTAssertEqual("\(e)", "steps: expected at most num_train_timesteps (1000), got 1001")
            }
        }
        XCTAssertThrowsError(try makeSampler(name: "pndm").setTimesteps(3)) { e in
            XCTAssertTrue("\(e)".hasPrefix("steps: PNDM with Runge-Kutta warm-up needs at least 4 steps"), "\(e)")
        }
    }

    func testInvalidOptionsNameTheKeyAndTheAcceptedValues() {
        func message(_ name: String, _ edit: (inout SchedulerConfig) -> Void) -> String {
            do { _ = try makeSampler(name: name, config: Self.config(edit)); return "no error" } catch { return "\(error)" }
        }
        XCTAssertEqual(message("ddim") { $0.predictionType = "x0" },
                       "prediction_type: expected epsilon, v_prediction or sample, got 'x0'")
        XCTAssertEqual(message("pndm") { $0.predictionType = "sample" }, "prediction_type: expected epsilon or v_prediction, got 'sample'")
        XCTAssertEqual(message("euler_a") { $0.predictionType = "sample" }, "prediction_type: expected epsilon or v_prediction, got 'sample'")
        XCTAssertEqual(message("euler") { $0.betaSchedule = "cosine" },
                       "beta_schedule: expected linear, scaled_linear or squaredcos_cap_v2, got 'cosine'")
        XCTAssertEqual(message("unipc") { $0.timestepSpacing = "uniform" },
                       "timestep_spacing: expected leading, trailing or linspace, got 'uniform'")
        XCTAssertEqual(message("ddpm") { $0.varianceType = "learned" },
                       "variance_type: expected fixed_small, fixed_small_log or fixed_large, got 'learned'")
        XCTAssertEqual(message("dpmpp_2m") { $0.finalSigmasType = "last" }, "final_sigmas_type: expected zero or sigma_min, got 'last'")
        XCTAssertEqual(message("DPMSolverMultistepScheduler") { $0.algorithmType = "dpmsolver" },
                       "final_sigmas_type: expected sigma_min with algorithm_type dpmsolver, got zero")
        XCTAssertEqual(message("DPMSolverMultistepScheduler") { $0.algorithmType = "sde-dpmsolver++" },
                       "algorithm_type: expected dpmsolver++ or dpmsolver, got 'sde-dpmsolver++'")
        XCTAssertEqual(message("DPMSolverMultistepScheduler") { $0.solverOrder = 4 }, "solver_order: expected 1, 2 or 3, got 4")
        XCTAssertEqual(message("ddim") { $0.thresholding = true }, "thresholding: not supported by Foley's samplers (expected false)")
        XCTAssertEqual(message("euler") { $0.interpolationType = "log_linear" }, "interpolation_type: expected linear, got 'log_linear'")
        XCTAssertEqual(message("ddim") { $0.trainedBetas = [0.1, 0.2] }, "trained_betas: expected 1000 values (num_train_timesteps), got 2")
        XCTAssertEqual(message("unipc") { $0.predictX0 = false }, "predict_x0: expected true (noise-prediction UniPC is not supported)")
        // diffusers' own aliases are accepted.
        XCTAssertEqual(message("dpmpp_2m") { $0.solverType = "bh2" }, "no error")
        XCTAssertEqual(message("unipc") { $0.solverType = "midpoint" }, "no error")
        XCTAssertEqual(message("DPMSolverMultistepScheduler") { $0.algorithmType = "deis" }, "no error")
        XCTAssertThrowsError(try DDIMSampler(config: Self.base, eta: -1)) { e in
            XCTAssertEqual("\(e)", "eta: expected a value >= 0, got -1.0")
        }
    }

    func testStepBeforeSetTimestepsAndForeignTimestepsThrow() throws {
        let x = Tensor.zeros([1, 2, 2])
        for name in samplerNames {
            let s = try makeSampler(name: name, config: Self.base)
            XCTAssertThrowsError(try s.step(modelOutput: x, timestep: 999, sample: x, noise: GeneratorNoise(seed: 1)), name) { e in
                XCTAssertTrue("\(e)".contains("call setTimesteps(_:) before step"), "\(name): \(e)")
            }
            try s.setTimesteps(10)
            XCTAssertThrowsError(try s.step(modelOutput: Tensor.zeros([1, 2, 3]), timestep: s.timesteps[0], sample: x,
                                            noise: GeneratorNoise(seed: 1)), name) { e in
                XCTAssertEqual("\(e)", "modelOutput: expected the sample's shape [1, 2, 2], got [1, 2, 3]")
            }
        }
        let euler = try makeSampler(name: "euler", config: Self.base)
        try euler.setTimesteps(10)
        XCTAssertThrowsError(try euler.scaleModelInput(x, timestep: 500)) { e in
            XCTAssertEqual("\(e)", "timestep: expected one of the sampler's timesteps, got 500.0")
        }
        let ddim = try makeSampler(name: "ddim", config: Self.base)
        try ddim.setTimesteps(10)
        XCTAssertThrowsError(try ddim.step(modelOutput: x, timestep: 1000.5, sample: x)) { e in
            XCTAssertEqual("\(e)", "timestep: expected an integer in 0..<1000, got 1000.5")
        }
    }

    func testStochasticSamplersRequireANoiseSource() throws {
        let x = Tensor.zeros([1, 2, 2])
        let ddim = try XCTUnwrap(try makeSampler(name: "ddim", config: Self.base) as? DDIMSampler)
        ddim.eta = 0.5
        for s in [try makeSampler(name: "ddpm", config: Self.base), try makeSampler(name: "euler_a", config: Self.base), ddim] {
            try s.setTimesteps(5)
            XCTAssertThrowsError(try s.step(modelOutput: x, timestep: s.timesteps[0], sample: x)) { e in
                XCTAssertTrue("\(e)".hasPrefix("noise: "), "\(e)")
                XCTAssertTrue("\(e)".contains("pass a NoiseSource"), "\(e)")
            }
        }
        // Deterministic samplers need none.
        let euler = try makeSampler(name: "euler", config: Self.base)
        try euler.setTimesteps(5)
        XCTAssertNoThrow(try euler.step(modelOutput: x, timestep: euler.timesteps[0], sample: x))
    }

    // MARK: Noise sources

    func testGeneratorNoiseIsSeededAndScaledByTemperature() throws {
        let a = try GeneratorNoise(seed: 5).nextNoise(shape: [64])
        let b = try GeneratorNoise(seed: 5, temperature: 0.5).nextNoise(shape: [64])
        XCTAssertEqual(b.scalars, a.scalars.map { $0 * 0.5 })
        XCTAssertEqual(try RandomGenerator(seed: 5).nextNoise(shape: [64]).scalars, a.scalars)
        XCTAssertNotEqual(try GeneratorNoise(seed: 6).nextNoise(shape: [64]).scalars, a.scalars)
        // Temperature reaches the sampler: an ancestral run at temperature 0 is the noise-free update.
        let s = try makeSampler(name: "euler_a", config: Self.base)
        try s.setTimesteps(4)
        let x = Self.randn([1, 2, 3], seed: 9) * s.initNoiseSigma
        let cold = try s.step(modelOutput: x.tanh(), timestep: s.timesteps[0], sample: x, noise: GeneratorNoise(seed: 1, temperature: 0))
        try s.setTimesteps(4)
        let zero = RecordedNoise([Tensor.zeros([1, 2, 3])])
        XCTAssertEqual(try s.step(modelOutput: x.tanh(), timestep: s.timesteps[0], sample: x, noise: zero).scalars, cold.scalars)
    }

    func testRecordedNoiseReplaysInOrderAndReportsExhaustion() throws {
        let r = RecordedNoise([Tensor([1, 2]), Tensor([3, 4])])
        XCTAssertEqual(try r.nextNoise(shape: [2]).scalars, [1, 2])
        XCTAssertThrowsError(try r.nextNoise(shape: [3])) { e in
            XCTAssertEqual("\(e)", "noise: recorded draw 1 has shape [2], expected [3]")
        }
        XCTAssertEqual(try r.nextNoise(shape: [2]).scalars, [3, 4])
        XCTAssertEqual(r.consumed, 2)
        XCTAssertThrowsError(try r.nextNoise(shape: [2])) { e in
            XCTAssertEqual("\(e)", "noise: recorded noise exhausted after 2 draws")
        }
    }

    // MARK: Schedules

    func testBetaSchedules() throws {
        let linear = try BetaSchedule.betas(for: SchedulerConfig())
        XCTAssertEqual(linear.first, 0.0001)
        XCTAssertEqual(linear.last, 0.02)
        let cosine = BetaSchedule.alphasCumprod(try BetaSchedule.betas(for: SchedulerConfig(betaSchedule: "squaredcos_cap_v2")))
        XCTAssertEqual(Double(cosine[499]), pow(cos((0.5 + 0.008) / 1.008 * .pi / 2), 2) / pow(cos(0.008 / 1.008 * .pi / 2), 2),
                       accuracy: 1e-5)
        var trained = SchedulerConfig(numTrainTimesteps: 3)
        trained.trainedBetas = [0.1, 0.2, 0.5]
        for (a, b) in zip(BetaSchedule.alphasCumprod(try BetaSchedule.betas(for: trained)), [0.9, 0.72, 0.36] as [Float]) {
            XCTAssertEqual(a, b, accuracy: 1e-7)
        }
        // Zero terminal SNR: the last alpha_bar is 0, except in sigma samplers which keep 2^-24 to stay finite.
        var zsnr = Self.base
        zsnr.rescaleBetasZeroSnr = true
        XCTAssertEqual(try makeSampler(name: "ddim", config: zsnr).alphasCumprod.last, 0)
        XCTAssertEqual(try makeSampler(name: "euler", config: zsnr).alphasCumprod.last, 0x1p-24)
        XCTAssertEqual(try makeSampler(name: "ddim", config: zsnr).alphasCumprod.first!,
                       try makeSampler(name: "ddim", config: Self.base).alphasCumprod.first!, accuracy: 1e-7)
    }

    func testKarrasSigmasSpanTheTrainingRange() throws {
        let s = try makeSampler(name: "euler", config: Self.config { $0.useKarrasSigmas = true })
        try s.setTimesteps(20)
        let train = s.alphasCumprod.map { ((1 - $0) / $0).squareRoot() }
        XCTAssertEqual(s.sigmas.first!, train.last!, accuracy: 1e-5 * train.last!)
        XCTAssertEqual(s.sigmas[19], train.first!, accuracy: 1e-6)
        XCTAssertEqual(s.sigmas.last, 0)
        XCTAssertEqual(s.timesteps.first, 999)
        XCTAssertEqual(s.timesteps.last!, 0, accuracy: 1e-3)
        // rho = 7: sigma^(1/7) is linear in the step index.
        let r = s.sigmas.dropLast().map { pow(Double($0), 1 / 7) }
        for i in 1..<(r.count - 1) { XCTAssertEqual(r[i + 1] - r[i], r[1] - r[0], accuracy: 1e-5) }
    }

    /// Spacings for a step count that does not divide 1000, against values computed with NumPy
    /// (np.round rounds halves to even: 832.5 -> 832, 499.5 -> 500).
    func testTimestepSpacingsMatchNumPy() throws {
        func timesteps(_ name: String, _ edit: (inout SchedulerConfig) -> Void) throws -> [Float] {
            let s = try makeSampler(name: name, config: Self.config(edit))
            try s.setTimesteps(7)
            return s.timesteps
        }
        XCTAssertEqual(try timesteps("ddim") { $0.timestepSpacing = "trailing" }, [999, 856, 713, 570, 428, 285, 142])
        XCTAssertEqual(try timesteps("ddim") { $0.timestepSpacing = "linspace" }, [999, 832, 666, 500, 333, 166, 0])
        XCTAssertEqual(try timesteps("ddpm") { $0.stepsOffset = 1 }, [853, 711, 569, 427, 285, 143, 1])
        XCTAssertEqual(try timesteps("dpmpp_2m") { _ in }, [999, 856, 714, 571, 428, 285, 143])
        XCTAssertEqual(try timesteps("unipc") { $0.timestepSpacing = "leading" }, [875, 750, 625, 500, 375, 250, 125])
        XCTAssertEqual(try timesteps("dpmpp_2m") { $0.timestepSpacing = "trailing" }, [999, 856, 713, 570, 428, 285, 142])
        XCTAssertEqual(try timesteps("euler") { _ in }, [999, 832.5, 666, 499.5, 333, 166.5, 0])
        XCTAssertEqual(try timesteps("plms") { $0.timestepSpacing = "linspace" }, [999, 832, 832, 666, 500, 333, 166, 0])
        // Fractional Euler timesteps interpolate the training sigmas linearly.
        let euler = try makeSampler(name: "euler", config: Self.base)
        try euler.setTimesteps(7)
        let train = euler.alphasCumprod.map { ((1 - $0) / $0).squareRoot() }
        XCTAssertEqual(euler.sigmas[1], (train[832] + train[833]) / 2, accuracy: 1e-6 * train[832])
    }

    func testEulerInitNoiseSigmaDependsOnSpacing() throws {
        let lin = try makeSampler(name: "euler", config: Self.base)
        try lin.setTimesteps(10)
        XCTAssertEqual(lin.initNoiseSigma, lin.sigmas[0])
        let lead = try makeSampler(name: "euler", config: Self.config { $0.timestepSpacing = "leading"; $0.stepsOffset = 1 })
        try lead.setTimesteps(10)
        XCTAssertEqual(lead.timesteps, [901, 801, 701, 601, 501, 401, 301, 201, 101, 1])
        XCTAssertEqual(lead.initNoiseSigma, (lead.sigmas[0] * lead.sigmas[0] + 1).squareRoot())
    }

    func testLMSCoefficientsIntegrateLagrangeBasis() throws {
        let s = try XCTUnwrap(try makeSampler(name: "lms", config: Self.base) as? LMSSampler)
        try s.setTimesteps(10)
        let sg = s.sigmas.map(Double.init)
        for t in 0..<10 {
            let order = min(t + 1, 4)
            // The weights of a consistent method sum to the step length.
            let sum = (0..<order).map { s.coefficient(order: order, t: t, current: $0) }.reduce(0, +)
            XCTAssertEqual(sum, sg[t + 1] - sg[t], accuracy: 1e-6 * abs(sg[t + 1] - sg[t]) + 1e-9)
        }
        // Order 2, current 0: integral of (tau - s_{t-1}) / (s_t - s_{t-1}) over [s_t, s_{t+1}].
        let (a, b, p) = (sg[5], sg[6], sg[4])
        let exact = ((b - p) * (b - p) - (a - p) * (a - p)) / (2 * (a - p))
        XCTAssertEqual(s.coefficient(order: 2, t: 5, current: 0), exact, accuracy: 1e-6 * abs(exact))
    }
}
