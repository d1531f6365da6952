import Diffusion
import Foundation
import Tensors
import XCTest

/// Replays every case of Tests/Fixtures/schedulers (recorded with diffusers 0.42.1) step for step.
final class SamplerParityTests: XCTestCase {
    /// Maximum errors of one case, relative to each reference tensor's scale max(1, max|ref|).
    struct Errors {
        var timesteps: Float = 0, sigmas: Float = 0, modelInput: Float = 0, modelOutput: Float = 0
        var sample: Float = 0, addNoise: Float = 0
    }

    static let cases = ["ddim", "ddim_eta", "ddim_vpred", "ddpm", "ddpm_linear", "dpmpp_2m", "dpmpp_2m_karras_vpred",
                        "euler", "euler_ancestral", "euler_karras", "heun", "lms", "pndm_plms", "pndm_prk", "unipc"]

    /// The Stable Audio family's cases (flow matching, cosine DPM-Solver), recorded by
    /// scripts/reference/stable_audio_fixtures.py with diffusers 0.42.
    static let stableAudioCases = ["cosine_dpm", "cosine_dpm_karras_heun", "flow_euler", "flow_euler_dynamic",
                                   "flow_euler_invert", "flow_euler_karras", "flow_euler_linear_terminal", "flow_euler_shift",
                                   "flow_euler_stochastic", "flow_heun"]

    static var stableAudioDir: URL {
        fixtureDir.deletingLastPathComponent().appendingPathComponent("schedulers_stable_audio")
    }

    static var fixtureDir: URL {
        var url = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
        while url.path != "/" {
            let candidate = url.appendingPathComponent("Tests/Fixtures")
            if FileManager.default.fileExists(atPath: candidate.path) { return candidate.appendingPathComponent("schedulers") }
            url = url.deletingLastPathComponent()
        }
        fatalError("Tests/Fixtures not found above \(#filePath)")
    }

    static func index(_ dir: URL = fixtureDir) throws -> [String: [String: Any]] {
        let data = try Data(contentsOf: dir.appendingPathComponent("index.json"))
        return try XCTUnwrap(JSONSerialization.jsonObject(with: data) as? [String: [String: Any]])
    }

    /// max |a - b| / max(1, max |b|).
    static func relError(_ a: [Float], _ b: [Float]) -> Float {
        precondition(a.count == b.count, "length \(a.count) vs \(b.count)")
        let scale = max(1, b.map(abs).max() ?? 0)
        return zip(a, b).map { abs($0 - $1) }.max().map { $0 / scale } ?? 0
    }

    /// Largest relative difference of two schedules (timesteps, sigmas), each value against itself.
    static func scheduleError(_ a: [Float], _ b: [Float]) -> Float {
        zip(a, b).map { abs($0 - $1) / max(abs($1), 1e-6) }.max() ?? 0
    }

    /// The stand-in denoiser the fixtures were recorded with: 0.8 tanh(x) + 0.1 cos(t / 100).
    static func fakeModel(_ x: Tensor, _ t: Float) -> Tensor {
        x.tanh() * 0.8 + Float(0.1 * cos(Double(t) / 100))
    }

    func run(_ name: String, in dir: URL = fixtureDir, file: StaticString = #filePath, line: UInt = #line) throws -> Errors {
        let entry = try XCTUnwrap(try Self.index(dir)[name], "no case \(name)")
        var config = try SamplerConfig.decode(try JSONSerialization.data(withJSONObject: entry["config"]!))
        config.className = entry["class"] as? String
        let sampler = try makeSampler(config: config)
        if let eta = (entry["step_kwargs"] as? [String: Any])?["eta"] as? Double {
            try XCTUnwrap(sampler as? DDIMSampler).eta = Float(eta)
        }
        if let mu = (entry["set_timesteps_kwargs"] as? [String: Any])?["mu"] as? Double {
            try XCTUnwrap(sampler as? FlowMatchEulerSampler).mu = mu
        }
        let ref = try SafeTensorsFile(path: dir.appendingPathComponent("\(name).safetensors").path)
        var e = Errors()

        // Flows and the EDM-style cosine solver have no beta schedule.
        XCTAssertEqual(sampler.alphasCumprod.count, dir == Self.fixtureDir ? 1000 : 0)
        try sampler.setTimesteps(try XCTUnwrap(entry["num_inference_steps"] as? Int))
        let refT = try ref.tensor("timesteps").scalars
        XCTAssertEqual(sampler.timesteps.count, refT.count, "\(name) timestep count", file: file, line: line)
        e.timesteps = Self.scheduleError(sampler.timesteps, refT)
        if ref.entries["sigmas"] != nil {
            let refS = try ref.tensor("sigmas").scalars
            XCTAssertEqual(sampler.sigmas.count, refS.count, "\(name) sigma count", file: file, line: line)
            e.sigmas = Self.scheduleError(sampler.sigmas, refS)
        } else {
            XCTAssertTrue(sampler.sigmas.isEmpty)
        }

        let draws = try XCTUnwrap(entry["noise_draws"] as? Int)
        let noise = RecordedNoise(try (0..<draws).map { try ref.tensor("noise_\($0)") })
        // The fixtures start the loop from `init` as is: model_input_0 equals init for alpha samplers and
        // init / sqrt(sigma_0^2 + 1) for sigma samplers, so init was not pre-multiplied by init_noise_sigma.
        var x = try ref.tensor("init")
        for (i, t) in sampler.timesteps.enumerated() {
            let input = try sampler.scaleModelInput(x, timestep: t)
            e.modelInput = max(e.modelInput, Self.relError(input.scalars, try ref.tensor("model_input_\(i)").scalars))
            let eps = Self.fakeModel(input, t)
            e.modelOutput = max(e.modelOutput, Self.relError(eps.scalars, try ref.tensor("model_output_\(i)").scalars))
            x = try sampler.step(modelOutput: eps, timestep: t, sample: x, noise: noise)
            XCTAssertEqual(x.shape, [1, 4, 8, 4])
            XCTAssertTrue(x.scalars.allSatisfy(\.isFinite), "\(name) step \(i)")
            e.sample = max(e.sample, Self.relError(x.scalars, try ref.tensor("sample_\(i)").scalars))
        }
        XCTAssertEqual(noise.consumed, draws, "\(name) noise draws", file: file, line: line)

        // DDPM-family fixtures noise at any training timestep; the Stable Audio cases at their fourth inference
        // timestep, taken as the sampler's own (the two agree to the schedule tolerance checked above).
        let refTimestep = try ref.tensor("add_noise_t").item
        let t = dir == Self.fixtureDir ? refTimestep
            : try XCTUnwrap(sampler.timesteps.min { abs($0 - refTimestep) < abs($1 - refTimestep) })
        let noisy = try sampler.addNoise(original: try ref.tensor("add_noise_x0"), noise: try ref.tensor("add_noise_noise"), timestep: t)
        e.addNoise = Self.relError(noisy.scalars, try ref.tensor("add_noise_out").scalars)

        XCTAssertLessThanOrEqual(e.timesteps, 1e-6, "\(name) timesteps", file: file, line: line)
        XCTAssertLessThanOrEqual(e.sigmas, 1e-6, "\(name) sigmas", file: file, line: line)
        XCTAssertLessThanOrEqual(e.modelInput, 1e-5, "\(name) model inputs", file: file, line: line)
        XCTAssertLessThanOrEqual(e.modelOutput, 1e-5, "\(name) model outputs", file: file, line: line)
        XCTAssertLessThanOrEqual(e.sample, 1e-5, "\(name) samples", file: file, line: line)
        XCTAssertLessThanOrEqual(e.addNoise, 1e-5, "\(name) add_noise", file: file, line: line)
        print(String(format: "parity %-22@ timesteps %.1e sigmas %.1e model_input %.1e sample %.1e add_noise %.1e",
                     name as NSString, e.timesteps, e.sigmas, e.modelInput, e.sample, e.addNoise))
        return e
    }

    func testFixtureIndexListsExactlyTheCoveredCases() throws {
        XCTAssertEqual(Set(try Self.index().keys), Set(Self.cases))
    }

    func testStableAudioFixtureIndexListsExactlyTheCoveredCases() throws {
        XCTAssertEqual(Set(try Self.index(Self.stableAudioDir).keys), Set(Self.stableAudioCases))
    }

    func testFlowMatchEuler() throws { _ = try run("flow_euler", in: Self.stableAudioDir) }
    func testFlowMatchEulerShift() throws { _ = try run("flow_euler_shift", in: Self.stableAudioDir) }
    func testFlowMatchEulerDynamicShift() throws { _ = try run("flow_euler_dynamic", in: Self.stableAudioDir) }
    func testFlowMatchEulerLinearShiftToTerminal() throws { _ = try run("flow_euler_linear_terminal", in: Self.stableAudioDir) }
    func testFlowMatchEulerKarras() throws { _ = try run("flow_euler_karras", in: Self.stableAudioDir) }
    func testFlowMatchEulerInvertedSigmas() throws { _ = try run("flow_euler_invert", in: Self.stableAudioDir) }
    func testFlowMatchEulerStochastic() throws { _ = try run("flow_euler_stochastic", in: Self.stableAudioDir) }
    func testFlowMatchHeun() throws { _ = try run("flow_heun", in: Self.stableAudioDir) }
    /// Stable Audio Open 1.0's own scheduler config.
    func testCosineDPMSolverStableAudioOpen() throws { _ = try run("cosine_dpm", in: Self.stableAudioDir) }
    func testCosineDPMSolverKarrasHeunEpsilon() throws { _ = try run("cosine_dpm_karras_heun", in: Self.stableAudioDir) }

    func testDDIM() throws { _ = try run("ddim") }
    func testDDIMEta() throws { _ = try run("ddim_eta") }
    func testDDIMVPredictionTrailing() throws { _ = try run("ddim_vpred") }
    func testDDPM() throws { _ = try run("ddpm") }
    func testDDPMLinear() throws { _ = try run("ddpm_linear") }
    func testDPMSolverPP2M() throws { _ = try run("dpmpp_2m") }
    func testDPMSolverPP2MKarrasVPrediction() throws { _ = try run("dpmpp_2m_karras_vpred") }
    func testEuler() throws { _ = try run("euler") }
    func testEulerAncestral() throws { _ = try run("euler_ancestral") }
    func testEulerKarras() throws { _ = try run("euler_karras") }
    func testHeun() throws { _ = try run("heun") }
    func testLMS() throws { _ = try run("lms") }
    func testPNDMPLMS() throws { _ = try run("pndm_plms") }
    func testPNDMPRK() throws { _ = try run("pndm_prk") }
    func testUniPC() throws { _ = try run("unipc") }

    /// The training schedule itself: scaled_linear is bit-exact; linear within one float32 ulp.
    func testAlphasCumprodMatchesDiffusers() throws {
        for (name, exact) in [("ddim", true), ("euler", true), ("ddim_eta", false), ("pndm_prk", false)] {
            let entry = try XCTUnwrap(try Self.index()[name])
            var config = try SamplerConfig.decode(try JSONSerialization.data(withJSONObject: entry["config"]!))
            config.className = entry["class"] as? String
            let ours = try makeSampler(config: config).alphasCumprod
            let ref = try SafeTensorsFile(path: Self.fixtureDir.appendingPathComponent("\(name).safetensors").path)
                .tensor("alphas_cumprod").scalars
            let err = zip(ours, ref).map { abs($0 - $1) }.max()!
            if exact { XCTAssertEqual(ours, ref, name) } else { XCTAssertLessThanOrEqual(err, 6e-8, name) }
        }
    }
}
