import Diffusion
import LuaHost
import Tensors
import XCTest

final class SamplerBindingsTests: XCTestCase {
    let h = LuaHarness()

    func testNamesAndConfig() {
        XCTAssertEqual(h.values("return table.concat(foley.samplers.names(), ',')"), [samplerNames.joined(separator: ",")])
        XCTAssertEqual(h.values("""
            local s = foley.samplers.new('ddim', {num_train_timesteps = 100, beta_schedule = 'linear', eta = 0.5})
            s:set_timesteps(4)
            return table.concat(s:timesteps(), ','), s.init_noise_sigma, s.order, s.steps, s:config().num_train_timesteps, #s:alphas_cumprod()
            """), ["75.0,50.0,25.0,0.0", "1.0", "1", "4", "100", "100"])
        XCTAssertEqual(h.values("local s = foley.samplers.new('heun'); s:set_timesteps(3); return s.order, s.init_noise_sigma > 1"), ["2", "true"])
        // Flow matching: dynamic shifting takes mu as a per-run option; flows have no beta schedule.
        XCTAssertEqual(h.values("""
            local s = foley.samplers.new('flow_euler', {use_dynamic_shifting = true, mu = 0.8, shift = 3})
            s:set_timesteps(2)
            return s:timesteps()[1], #s:sigmas(), s:sigmas()[3], #s:alphas_cumprod(), s.init_noise_sigma
            """), ["1000.0", "3", "0.0", "0", "1.0"])
        XCTAssertEqual(h.values("local s = foley.samplers.new('cosine_dpm'); s:set_timesteps(4); return #s:timesteps(), s.init_noise_sigma > 500"), ["4", "true"])
    }

    func testStepMatchesSwift() throws {
        let out = h.values("""
            local s = foley.samplers.new('euler')
            s:set_timesteps(5)
            local x = foley.tensor.randn({1, 2, 3, 3}, 1) * s.init_noise_sigma
            for _, t in ipairs(s:timesteps()) do x = s:step(s:scale(x, t) * 0.1, t, x) end
            local r = x:totable()[1][1][1]; return string.format('%.9g,%.9g,%.9g', r[1], r[2], r[3])
            """)
        let s = try makeSampler(name: "euler")
        try s.setTimesteps(5)
        var x = Tensor.randn([1, 2, 3, 3], generator: RandomGenerator(seed: 1)) * s.initNoiseSigma
        for t in s.timesteps { x = try s.step(modelOutput: try s.scaleModelInput(x, timestep: t) * 0.1, timestep: t, sample: x) }
        XCTAssertEqual(out, [x.scalars[0..<3].map { String(format: "%.9g", Double($0)) }.joined(separator: ",")])
    }

    /// A stochastic step takes its noise as a tensor (replayed as given), which equals the same noise drawn from its
    /// seed; the sampler says what its model output means; a model's own sampler is named as foley.samplers names it.
    func testStepWithGivenNoiseAndPredictionType() {
        XCTAssertEqual(h.values("""
            local s = foley.samplers.new('ddpm', {prediction_type = 'v_prediction'}); s:set_timesteps(4)
            local x, v, t = foley.tensor.ones(1, 1, 2, 2), foley.tensor.zeros(1, 1, 2, 2), s:timesteps()[1]
            local given = s:step(v, t, x, foley.tensor.randn({1, 1, 2, 2}, 9))
            local seeded = s:step(v, t, x, 9)
            local other = s:step(v, t, x, foley.tensor.zeros(1, 1, 2, 2))
            return s.prediction_type, (given - seeded):abs():max(), (given - other):abs():max() > 0.01
            """), ["v_prediction", "0.0", "true"])
        XCTAssertEqual(h.values("return foley.samplers.new('euler').prediction_type"), ["epsilon"])
        // A flow sampler's denoiser predicts the velocity noise - x0, whatever prediction_type its config leaves out.
        XCTAssertEqual(h.values("return foley.samplers.new('flow_euler').prediction_type"), ["flow_prediction"])
        // The tiny model's scheduler_config.json names DDIMScheduler.
        XCTAssertEqual(h.values("local p = foley.models.load('\(tinyModel)'); return p:sampler().name, p:sampler('euler').name"), ["ddim", "euler"])
        // However a sampler is asked for (a class name, an alias), it prints the short name of what it is.
        XCTAssertEqual(h.values("""
            local p = foley.models.load('\(tinyModel)')
            return tostring(p:sampler()), tostring(p:sampler('DDIMScheduler')), foley.samplers.new('PNDMScheduler').name,
                   foley.samplers.new('plms').name, foley.samplers.new('DPMSolverMultistepScheduler').name
            """), ["Sampler(ddim, 0 steps)", "Sampler(ddim, 0 steps)", "pndm", "plms", "dpmpp_2m"])
        h.assertError("local s = foley.samplers.new('ddpm'); s:set_timesteps(2); return s:step(foley.tensor.zeros(1, 2), s:timesteps()[1], foley.tensor.zeros(1, 2), foley.tensor.zeros(3))",
                      "expected [1, 2]")
    }

    func testAddNoiseAndSeededStochasticStep() {
        XCTAssertEqual(h.values("""
            local s = foley.samplers.new('euler_ancestral'); s:set_timesteps(4)
            local x, e, t = foley.tensor.ones(1, 1, 2, 2), foley.tensor.zeros(1, 1, 2, 2), s:timesteps()[1]
            local a, b = s:step(e, t, x, 5), (function() s:set_timesteps(4); return s:step(e, t, x, 5) end)()
            local d = foley.samplers.new('ddpm'); d:set_timesteps(10)
            local n = d:add_noise(foley.tensor.zeros(4), foley.tensor.ones(4), 999)
            return a:equal(b), n:max() > 0.99
            """), ["true", "true"])
    }

    /// add_noise takes one timestep per row (a training batch): row r is what a single-row call at t[r] gives.
    func testAddNoiseWithPerRowTimesteps() {
        XCTAssertEqual(h.values("""
            local d = foley.samplers.new('ddpm')
            local x, n = foley.tensor.randn({3, 2, 2}, 1), foley.tensor.randn({3, 2, 2}, 2)
            local y = d:add_noise(x, n, {10, 500, 999})
            local z = d:add_noise(x, n, foley.tensor.from{10, 500, 999})
            local ok = y:equal(z)
            for r, t in ipairs{10, 500, 999} do
              local one = d:add_noise(x:narrow(1, r, 1), n:narrow(1, r, 1), t)
              ok = ok and one:equal(y:narrow(1, r, 1))
            end
            return ok, y:narrow(1, 1, 1):equal(y:narrow(1, 3, 1))
            """), ["true", "false"])
        h.assertError("foley.samplers.new('ddpm'):add_noise(foley.tensor.zeros{2, 2}, foley.tensor.zeros{2, 2}, {1, 2, 3})",
                      "timesteps: expected one per row (2), got 3")
    }

    /// A DDIM loop written in Lua against pipe:unet equals the pipeline's DDIM run within 1e-5.
    func testLuaDDIMLoopEqualsPipeline() {
        let out = h.values("""
            local p = foley.models.load('\(tinyModel)')
            local s = p:sampler('ddim'); s:set_timesteps(4)
            local cond = p:encode('a dog')
            local x = foley.tensor.randn(p:latent_shape(0.03), 3) * s.init_noise_sigma
            for _, t in ipairs(s:timesteps()) do x = s:step(p:unet(s:scale(x, t), t, cond), t, x) end
            local ref
            p:generate{prompt = 'a dog', sampler = 'ddim', steps = 4, seconds = 0.03, seed = 3, guidance = 1,
                       on_step = function(_, _, l) ref = l end}
            return (x - ref):abs():max()
            """)
        XCTAssertLessThan(Double(out.first ?? "1") ?? 1, 1e-5)
    }

    func testErrors() {
        h.assertError("foley.samplers.new('nope')", "expected one of ddpm")
        h.assertError("foley.samplers.new('ddim', {bogus = 1})", "bad argument #2 to 'foley.samplers.new' (bogus: unknown sampler config key")
        h.assertError("foley.samplers.new('ddim', {beta_shedule = 'linear'})", "beta_shedule: unknown sampler config key; did you mean 'beta_schedule'?")
        h.assertError("foley.samplers.new('euler', {eta = 1})", "eta: only the ddim sampler takes eta")
        h.assertError("foley.samplers.new('flow_heun', {mu = 1})", "mu: only the flow_euler sampler takes mu")
        h.assertError("foley.samplers.new('flow_euler', {mu = 'x'})", "config 'mu': number expected")
        h.assertError("foley.samplers.new('ddim'):set_timesteps(0)", "bad argument #1 to 'Sampler:set_timesteps' (positive number of steps")
        h.assertError("local s = foley.samplers.new('ddim'); s:set_timesteps(2); s:step(1, 2, 3)", "bad argument #1 to 'Sampler:step' (Tensor expected, got number)")
    }
}
