import Audio
import Diffusion
import Foundation
import LuaHost
import Tensors
import XCTest

final class ModelBindingsTests: XCTestCase {
    let h = LuaHarness()

    /// A Stable Audio folder loads through foley.models.load and generates stereo; its missing mel parts are errors.
    func testStableAudioFolderAtThePrompt() {
        let model = repoRoot.appendingPathComponent("Tests/Fixtures/stable_audio_pipeline/model").path
        XCTAssertEqual(h.values("""
            local p = foley.models.load('\(model)')
            local a = p:generate{prompt = 'rain', negative = 'wind', steps = 2, seed = 1}
            return tostring(a), a.channels
            """), ["Audio(0.003 s, 44100 Hz, stereo, 128 samples)", "2"])
        h.assertError("foley.models.load('\(model)'):vae_decode(foley.tensor.zeros{1, 4, 2, 2})", "this model has no mel VAE (a Stable Audio model)")
    }

    /// from=, strength= and keep= on a Stable Audio folder: a stereo Audio goes in with both its channels, and the
    /// outputs are Swift's for the same reference; a kept range past the clip is an error naming keep.
    func testStableAudioFromStrengthAndKeepEqualSwift() throws {
        let model = repoRoot.appendingPathComponent("Tests/Fixtures/stable_audio_pipeline/model").path
        let v = h.values("""
            local p = foley.models.load('\(model)')
            local src = p:generate{prompt = 'rain', steps = 2, seed = 1}
            local a = p:generate{prompt = 'a dog barks', negative = 'wind', steps = 4, seed = 3, from = src, strength = 0.5}
            local k = p:generate{prompt = 'a dog barks', negative = 'wind', steps = 4, seed = 3, from = src, keep = {0, 0.001}}
            return a.channels, string.format('%.9g', a:tensor():abs():mean()), string.format('%.9g', k:tensor():abs():mean())
            """)
        let pipe = try TextToAudioPipeline.load(folder: URL(fileURLWithPath: model))
        var s = GenerationOptions(prompt: "rain")
        s.steps = 2
        s.seed = 1
        let src = try AudioBuffer(sampleRate: 44100, channels: 2, interleaved: try pipe.generate(s).waveforms[0])
        var o = GenerationOptions(prompt: "a dog barks")
        o.negativePrompts = ["wind"]
        o.steps = 4
        o.seed = 3
        o.setReference(src)
        o.strength = 0.5
        func meanAbs(_ w: [Float]) -> Double { w.reduce(0) { $0 + Double(abs($1)) } / Double(w.count) }
        let a = meanAbs(try pipe.generate(o).waveforms[0])
        o.strength = GenerationOptions.defaults.strength
        o.keepRange = 0...0.001
        let k = meanAbs(try pipe.generate(o).waveforms[0])
        XCTAssertEqual(v.count, 3)
        guard v.count == 3 else { return }
        XCTAssertEqual(v[0], "2")
        XCTAssertEqual(Double(v[1])!, a, accuracy: 1e-6 * a)
        XCTAssertEqual(Double(v[2])!, k, accuracy: 1e-6 * k)
        XCTAssertNotEqual(a, k)
        h.assertError("""
            local p = foley.models.load('\(model)')
            local src = p:generate{prompt = 'rain', steps = 1}
            p:generate{prompt = 'rain', steps = 1, from = src, keep = {0, 1}}
            """, "keep: expected a range inside the clip")
    }

    func testGenerateFromLuaEqualsSwift() throws {
        let dir = try temporaryDirectory(self)
        let path = dir.appendingPathComponent("lua.wav").path
        XCTAssertNoThrow(try h.run("""
            local p = foley.models.load('\(tinyModel)')
            local a = p:generate{prompt = 'a dog barks', negative = 'noise', steps = 3, guidance = 3, seconds = 0.03,
                                 seed = 9, sampler = 'euler_ancestral', temperature = 0.9}
            _G.samples = a:tensor()
            """))
        let pipe = try TextToAudioPipeline.load(folder: URL(fileURLWithPath: tinyModel))
        var o = GenerationOptions(prompt: "a dog barks")
        o.negativePrompts = ["noise"]
        o.steps = 3
        o.guidanceScale = 3
        o.seconds = 0.03
        o.seed = 9
        o.sampler = "euler_ancestral"
        o.noiseTemperature = 0.9
        let swift = try pipe.generate(o).waveforms[0]
        let lua = h.values("local o = {}; for _, v in ipairs(_G.samples:totable()) do o[#o + 1] = string.format('%.9g', v) end; return table.concat(o, ',')")[0]
        XCTAssertEqual(lua, swift.map { String(format: "%.9g", Double($0)) }.joined(separator: ","))
        _ = path
    }

    func testCountsSaveAndFields() throws {
        let dir = try temporaryDirectory(self)
        let base = dir.appendingPathComponent("out.wav").path
        let out = h.values("""
            local p = foley.models.load('\(tinyModel)')
            local steps = 0
            local r = p:generate{prompt = {'a', 'b'}, count = 2, steps = 2, seconds = 0.03, on_step = function() steps = steps + 1 end}
            local paths = p:save(r, '\(base)')
            return #r, steps, #paths, p.sample_rate, p.mel_bins, table.concat(p:latent_shape(0.03), 'x')
            """)
        XCTAssertEqual(out, ["4", "2", "4", "16000", "8", "1x4x60x4"])
        // Without seconds, generate makes the model's trained length: sample_size 32 x VAE 2 x hop 4 / 16 kHz.
        XCTAssertEqual(h.values("""
            local p = foley.models.load('\(tinyModel)')
            return p.default_seconds, p:generate{prompt = 'a', steps = 1}:duration()
            """), ["0.016", "0.016"])
        for i in 1...4 {
            XCTAssertTrue(FileManager.default.fileExists(atPath: dir.appendingPathComponent("out-\(i).json").path))
        }
    }

    func testOnStepStopsAndErrors() {
        XCTAssertEqual(h.values("""
            local p = foley.models.load('\(tinyModel)')
            return p:generate{prompt = 'x', steps = 5, seconds = 0.03, on_step = function(s) return s < 2 end}
            """), ["nil", "stopped by on_step at step 2 of 5; foley.last_interrupted holds the latents and a decoded x0 preview"])
        h.assertError("""
            local p = foley.models.load('\(tinyModel)')
            p:generate{prompt = 'x', steps = 2, seconds = 0.03, on_step = function() error('boom') end}
            """, "boom")
        h.assertError("foley.models.load('\(tinyModel)'):generate{prompt = 'x', steps = 'many'}",
                      "bad argument #1 to 'Pipeline:generate' (option 'steps': number expected, got string)")
        h.assertError("foley.models.load('\(tinyModel)'):generate{prompt = 'x', steps = 0, seconds = 0.03}", "steps")
        h.assertError("foley.models.load('/no/such/model')", "/no/such/model")
    }

    /// One option schema: a typo is an error naming the nearest option (it used to run 50 steps silently), and eta
    /// is refused by any sampler but DDIM, as the command line refuses it.
    func testUnknownOptionsAndEtaAreErrors() {
        h.assertError("foley.models.load('\(tinyModel)'):generate{prompt = 'x', step = 2}",
                      "bad argument #1 to 'Pipeline:generate' (step: unknown generation option; did you mean 'steps'?)")
        h.assertError("foley.models.load('\(tinyModel)'):generate{prompt = 'x', stepz = 2, sedd = 1}", "sedd: unknown generation option; did you mean 'seed'?")
        h.assertError("foley.models.load('\(tinyModel)'):generate{prompt = 'x', steps = 1, seconds = 0.03, sampler = 'euler', eta = 0.5}",
                      "eta: only the ddim sampler takes eta; this run's sampler is EulerDiscreteScheduler")
        XCTAssertEqual(h.values("return foley.models.load('\(tinyModel)'):generate{prompt = 'x', steps = 1, seconds = 0.03, sampler = 'ddim', eta = 0.5}:duration()"), ["0.03"])
        h.assertError("foley.metrics.probes(foley.models.load('\(tinyModel)'), {per_kind = 1, guidence = 2})",
                      "guidence: unknown probes option; did you mean 'guidance'?")
    }

    /// The samplers a model runs: a noise-prediction model's every one but the flow samplers (which would return
    /// noise on it), a flow model's the flow samplers.
    func testSamplersAreTheOnesTheModelRuns() throws {
        XCTAssertEqual(h.values("return table.concat(foley.models.load('\(tinyModel)'):samplers(), ',')"),
                       ["ddpm,ddim,pndm,plms,euler,euler_ancestral,heun,lms,dpmpp_2m,unipc"])
        let flow = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("../Fixtures/stable_audio_pipeline/model")
        let names = try TextToAudioPipeline.load(folder: flow).runnableSamplers
        XCTAssertTrue(names.contains("flow_euler") && names.contains("cosine_dpm"), "\(names)")
        XCTAssertEqual(h.values("return table.concat(foley.models.load('\(flow.path)'):samplers(), ',')"), [names.joined(separator: ",")])
    }

    func testCancellationStopsGeneration() {
        h.lua.register(library: "", [LuaFunction("_test_cancel") { _ in Interrupt.request(); return 0 }])
        defer { Interrupt.reset() }
        h.assertError("""
            local p = foley.models.load('\(tinyModel)')
            p:generate{prompt = 'x', steps = 5, seconds = 0.03, on_step = function(s) if s == 2 then foley._test_cancel() end end}
            """, "interrupted!")
    }

    func testEncodeUnetVaeVocode() {
        XCTAssertEqual(h.values("""
            local p = foley.models.load('\(tinyModel)')
            local c = p:encode{'a dog', 'rain'}
            local x = foley.tensor.randn({2, 4, 16, 4}, 1)
            local eps = p:unet(x, 500, c)
            local z = p:vae_encode(foley.tensor.randn({32, 8}, 2))
            local mel = p:vae_decode(z)
            local a = p:vocode(mel[1])
            return table.concat(c.pooled:shape(), 'x'), table.concat(eps:shape(), 'x'), table.concat(z:shape(), 'x'),
                   table.concat(mel:shape(), 'x'), a.rate, c.tokens == nil
            """), ["2x8", "2x4x16x4", "1x4x16x4", "1x32x8", "16000", "true"])
    }
}

extension ModelBindingsTests {
    /// p:reconstruct: the clip through the VAE and vocoder at its own length, the Swift pipeline's result exactly.
    func testReconstructKeepsTheLengthAndMatchesSwift() throws {
        let out = h.values("""
            local p = foley.models.load('\(tinyModel)')
            local t = {}
            for i = 1, 3000 do t[i] = 0.3 * math.sin(2 * math.pi * 440 * i / 16000) end
            local tone = foley.audio.from_tensor(foley.tensor.from(t), 16000)
            local r = p:reconstruct(tone)
            local ok, err = pcall(p.reconstruct, p, 5)
            return r:duration(), r.num_frames, string.format('%.6f', r:tensor():totable()[1000]), ok, tostring(err):find('Audio expected') ~= nil
            """)
        let pipe = try TextToAudioPipeline.load(folder: URL(fileURLWithPath: tinyModel))
        let tone = (1...3000).map { Float(0.3 * sin(2 * Double.pi * 440 * Double($0) / 16000)) }
        let swift = try pipe.reconstruct(tone)
        XCTAssertEqual(out, [String(3000.0 / 16000), "3000", String(format: "%.6f", swift[999]), "false", "true"])
    }
}

/// p:extract_style, p:score and generate{candidates=, style=Audio}: on the shipped model, whose contrastive
/// audio-text space they use, and the error an AudioLDM folder (no such space) gives.
final class AudioTextBindingsTests: XCTestCase {
    let h = LuaHarness()

    func testStyleScoreAndCandidatesOnTheShippedModel() {
        let out = h.values("""
            local p = foley.models.load(foley.models.default())
            local t = {}
            for i = 1, 8000 do t[i] = 0.3 * math.sin(2 * math.pi * 440 * i / 16000) end
            local tone = foley.audio.from_tensor(foley.tensor.from(t), 16000)
            local style = p:extract_style(tone)
            local one = p:score(tone, 'a steady high tone')
            local two = p:score({tone, tone}, {'a steady high tone', 'rain falling on a roof'})
            local r = p:generate{prompt = 'a steady high tone', steps = 2, seconds = 0.5, candidates = 2, style = tone, style_weight = 0.3}
            return style:shape()[1], string.format('%.5f', one), string.format('%.5f', two[1]), two[1] > two[2], r:duration()
            """)
        XCTAssertEqual(out.count, 5)
        XCTAssertEqual(out[0], "384")
        XCTAssertEqual(out[1], out[2], "one clip scored alone or in a list gives the same cosine")
        XCTAssertEqual(out[3], "true", "a tone is closer to 'a steady high tone' than to rain")
        XCTAssertEqual(out[4], "0.5")
    }

    func testModelsWithoutAnAudioTextSpaceSaySo() {
        h.assertError("""
            local p = foley.models.load('\(tinyModel)')
            p:extract_style(foley.audio.from_tensor(foley.tensor.zeros(800), 16000))
            """, "no audio encoder aligned with its text conditioning")
        h.assertError("""
            local p = foley.models.load('\(tinyModel)')
            p:generate{prompt = 'x', steps = 1, seconds = 0.03, candidates = 2}
            """, "candidates:")
    }
}
