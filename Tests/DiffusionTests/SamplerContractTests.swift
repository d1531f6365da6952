import Diffusion
import Foundation
import Tensors
import XCTest

/// Behaviour every sampler shares, checked over all of them and over the options no fixture covers.
final class SamplerContractTests: XCTestCase {
    /// A Stable-Diffusion-like training schedule.
    static let base = SamplerConfig(betaStart: 0.00085, betaEnd: 0.012, betaSchedule: "scaled_linear")

    static func config(_ edit: (inout SamplerConfig) -> Void = { _ in }) -> SamplerConfig {
        var c = base
        edit(&c)
        return c
    }

    /// Denoiser calls for `steps` inference steps.
    static func expectedCount(_ name: String, _ steps: Int) -> Int {
        switch name {
        case "heun", "flow_heun": return 2 * steps - 1
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
            XCTAssertEqual(s.order, ["heun", "flow_heun"].contains(name) ? 2 : 1)
        }
    }

    func testTimestepsDescendWithinTrainingRange() throws {
        for name in samplerNames {
            let s = try makeSampler(name: name, config: Self.base)
            try s.setTimesteps(30)
            XCTAssertTrue(zip(s.timesteps, s.timesteps.dropFirst()).allSatisfy { $0 >= $1 }, name)
            // Flow timesteps are sigma * 1000 with sigma_max = 1; the cosine solver's are atan(sigma) * 2 / pi.
            let top: Float = name.hasPrefix("flow_") ? 1000 : name == "cosine_dpm" ? 1 : 999
            XCTAssertTrue(s.timesteps.allSatisfy { $0 >= 0 && $0 <= top }, name)
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
            if name.hasPrefix("flow_") {
                expected = try n * s.sigmas[3] + x0 * (1 - s.sigmas[3])  // the flow's straight line
            } else if s.sigmas.isEmpty || ["dpmpp_2m", "unipc"].contains(name) {
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
            let back = try SamplerConfig.decode(try s.config.jsonData())
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
        let c = try SamplerConfig.load(path: path)
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
        let c = try SamplerConfig.decode(Data(json.utf8))
        XCTAssertEqual(c.lambdaMinClipped, -.infinity)
        XCTAssertNil(c.varianceType)
        XCTAssertEqual(c.useKarrasSigmas, true)
        let url = FileManager.default.temporaryDirectory.appendingPathComponent("foley-scheduler-\(getpid()).json")
        defer { try? FileManager.default.removeItem(at: url) }
        try c.save(path: url.path)
        XCTAssertTrue(try String(contentsOf: url, encoding: .utf8).contains("\"lambda_min_clipped\" : -Infinity"))
        XCTAssertEqual(try SamplerConfig.load(path: url.path), c)
        XCTAssertTrue(try makeSampler(config: c) is DPMSolverMultistepSampler)
    }

    func testMissingConfigFileNamesThePath() {
        XCTAssertThrowsError(try SamplerConfig.load(path: "/nonexistent/scheduler_config.json")) { e in
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
            XCTAssertTrue(m.hasPrefix("sampler: expected one of ddpm, ddim, pndm, plms, euler, euler_ancestral, heun, lms, dpmpp_2m, unipc, flow_euler, flow_heun, cosine_dpm"), m)
            XCTAssertTrue(m.contains("UniPCMultistepScheduler"), m)
            XCTAssertTrue(m.hasSuffix("got 'karras_ve'"), m)
        }
        XCTAssertThrowsError(try makeSampler(config: SamplerConfig())) { e in
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

    /// beta_start 2, beta_end -1 used to be accepted by every sampler, and the outputs came out silent.
    func testBetasOutsideTheUnitIntervalAreRejected() {
        func message(_ name: String, _ edit: (inout SamplerConfig) -> Void) -> String {
            do { _ = try makeSampler(name: name, config: Self.config(edit)); return "no error" } catch { return "\(error)" }
        }
        // The flow and cosine samplers have no beta schedule (their noise levels are sigmas), so betas mean nothing to them.
        for name in samplerNames where !["flow_euler", "flow_heun", "cosine_dpm"].contains(name) {
            XCTAssertEqual(message(name) { $0.betaStart = 2; $0.betaEnd = -1 }, "beta_start: 2.0 is out of range (expected a number in (0, 1))", name)
            XCTAssertEqual(message(name) { $0.betaEnd = .nan }, "beta_end: nan is out of range (expected a number in (0, 1))", name)
        }
        XCTAssertEqual(message("ddim") { $0.numTrainTimesteps = 0 }, "num_train_timesteps: 0 is out of range (expected an integer in 2...100000)")
        XCTAssertEqual(message("ddim") { $0.numTrainTimesteps = 3; $0.trainedBetas = [0.1, 0.2, 1.5] },
                       "trained_betas[2]: 1.5 is out of range (expected a number in (0, 1])")
    }

    func testInvalidOptionsNameTheKeyAndTheAcceptedValues() {
        func message(_ name: String, _ edit: (inout SamplerConfig) -> Void) -> String {
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

    // MARK: Flow matching and the cosine solver

    func testFlowAndCosineNamesAndOptions() throws {
        XCTAssertTrue(try makeSampler(name: "FlowMatchEulerDiscreteScheduler") is FlowMatchEulerSampler)
        XCTAssertTrue(try makeSampler(name: "flow_heun") is FlowMatchHeunSampler)
        XCTAssertTrue(try makeSampler(name: "CosineDPMSolverMultistepScheduler") is CosineDPMSolverMultistepSampler)
        let sao = try XCTUnwrap(try makeSampler(name: "cosine_dpm") as? CosineDPMSolverMultistepSampler)
        // diffusers' defaults are Stable Audio Open's published config.
        XCTAssertEqual(sao.sigmaMin, 0.3)
        XCTAssertEqual(sao.sigmaMax, 500)
        XCTAssertEqual(sao.sigmaData, 1)
        XCTAssertEqual(sao.rho, 7)
        XCTAssertEqual(sao.prediction, .vPrediction)
        XCTAssertEqual(sao.sigmaSchedule, .exponential)
        XCTAssertEqual(sao.initNoiseSigma, Float((500.0 * 500 + 1).squareRoot()))
        try sao.setTimesteps(5)
        XCTAssertEqual(sao.sigmas.first!, 500, accuracy: 1e-3)
        XCTAssertEqual(sao.sigmas[4], 0.3, accuracy: 1e-6)
        XCTAssertEqual(sao.sigmas.last, 0)
        XCTAssertEqual(sao.timesteps[4], Float(atan(0.3) * 2 / Double.pi), accuracy: 1e-6)

        func message(_ name: String, _ edit: (inout SamplerConfig) -> Void) -> String {
            var c = SamplerConfig()
            edit(&c)
            do { _ = try makeSampler(name: name, config: c); return "no error" } catch { return "\(error)" }
        }
        XCTAssertEqual(message("flow_euler") { $0.timeShiftType = "cosine" }, "time_shift_type: expected exponential or linear, got 'cosine'")
        XCTAssertEqual(message("flow_euler") { $0.shift = 0 }, "shift: expected a positive number, got 0.0")
        XCTAssertEqual(message("flow_heun") { $0.shift = -1 }, "shift: expected a positive number, got -1.0")
        XCTAssertEqual(message("flow_euler") { $0.shiftTerminal = 1 }, "shift_terminal: expected a value in [0, 1), got 1.0")
        XCTAssertEqual(message("flow_euler") { $0.useBetaSigmas = true }, "use_beta_sigmas: not supported by Foley's samplers (expected false)")
        XCTAssertEqual(message("cosine_dpm") { $0.solverOrder = 3 }, "solver_order: expected 1 or 2, got 3")
        XCTAssertEqual(message("cosine_dpm") { $0.sigmaSchedule = "linear" }, "sigma_schedule: expected exponential or karras, got 'linear'")
        XCTAssertEqual(message("cosine_dpm") { $0.predictionType = "sample" }, "prediction_type: expected epsilon or v_prediction, got 'sample'")
        XCTAssertEqual(message("cosine_dpm") { $0.sigmaData = 0 }, "sigma_data: expected a positive number, got 0.0")
        XCTAssertEqual(message("cosine_dpm") { $0.sigmaMin = 600 }, "sigma_min: expected 0 < sigma_min < sigma_max, got 600.0 and 500.0")
        XCTAssertEqual(message("cosine_dpm") { $0.solverType = "bh2" }, "no error")  // diffusers maps it to midpoint
    }

    func testFlowEulerDynamicShiftingNeedsMu() throws {
        var c = SamplerConfig()
        c.useDynamicShifting = true
        let s = try XCTUnwrap(try makeSampler(name: "flow_euler", config: c) as? FlowMatchEulerSampler)
        XCTAssertThrowsError(try s.setTimesteps(4)) { e in XCTAssertTrue("\(e)".hasPrefix("mu: use_dynamic_shifting needs mu"), "\(e)") }
        // diffusers' calculate_shift: 0.5 at 256 tokens, 1.15 at 4096.
        XCTAssertEqual(s.calculateShift(sequenceLength: 256), 0.5, accuracy: 1e-12)
        XCTAssertEqual(s.calculateShift(sequenceLength: 4096), 1.15, accuracy: 1e-12)
        try applySamplerOptions(["mu": 1.15], to: s)
        try s.setTimesteps(4)
        // exp(mu) / (exp(mu) + 1/t - 1) at t = 0.5 is sigmoid(mu).
        let unshifted = try makeSampler(name: "flow_euler")
        try unshifted.setTimesteps(4)
        XCTAssertGreaterThan(s.sigmas[1], unshifted.sigmas[1])
        XCTAssertThrowsError(try applySamplerOptions(["mu": 1], to: try makeSampler(name: "flow_heun"))) { e in
            XCTAssertTrue("\(e)".hasPrefix("mu: only the flow_euler sampler takes mu"), "\(e)")
        }
    }

    func testFlowEulerStochasticAndCosineSolverDrawOneNoisePerStep() throws {
        var c = SamplerConfig()
        c.stochasticSampling = true
        for s in [try makeSampler(name: "flow_euler", config: c), try makeSampler(name: "cosine_dpm")] {
            try s.setTimesteps(3)
            let x = Self.randn([1, 2, 3], seed: 2) * s.initNoiseSigma
            XCTAssertThrowsError(try s.step(modelOutput: x, timestep: s.timesteps[0], sample: x)) { e in
                XCTAssertTrue("\(e)".contains("pass a NoiseSource"), "\(e)")
            }
            let draws = RecordedNoise((0..<3).map { Self.randn([1, 2, 3], seed: 50 + UInt64($0)) })
            var y = x
            for t in s.timesteps { y = try s.step(modelOutput: try s.scaleModelInput(y, timestep: t).tanh(), timestep: t, sample: y, noise: draws) }
            XCTAssertEqual(draws.consumed, 3)
            XCTAssertTrue(y.scalars.allSatisfy(\.isFinite))
        }
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
        let linear = try BetaSchedule.betas(for: SamplerConfig())
        XCTAssertEqual(linear.first, 0.0001)
        XCTAssertEqual(linear.last, 0.02)
        let cosine = BetaSchedule.alphasCumprod(try BetaSchedule.betas(for: SamplerConfig(betaSchedule: "squaredcos_cap_v2")))
        XCTAssertEqual(Double(cosine[499]), pow(cos((0.5 + 0.008) / 1.008 * .pi / 2), 2) / pow(cos(0.008 / 1.008 * .pi / 2), 2),
                       accuracy: 1e-5)
        var trained = SamplerConfig(numTrainTimesteps: 3)
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
        func timesteps(_ name: String, _ edit: (inout SamplerConfig) -> Void) throws -> [Float] {
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
