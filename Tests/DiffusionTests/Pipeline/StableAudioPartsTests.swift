import Diffusion
import Foundation
import NN
import Tensors
import XCTest

/// A whole tiny diffusers StableAudioPipeline folder (Tests/Fixtures/stable_audio_pipeline, made by
/// scripts/reference/stable_audio_fixtures.py pipeline) loaded as it is, and one guided generation with the
/// cosine DPM-Solver reproduced step by step from the given latents and the recorded per-step noise.
final class StableAudioPartsTests: XCTestCase {
    static var folder: URL { Fixture.url("stable_audio_pipeline", "model") }

    func testLoadsTheFolderAsSaved() throws {
        let parts = try StableAudioParts.load(folder: Self.folder)
        XCTAssertEqual(parts.samplerConfig.className, "CosineDPMSolverMultistepScheduler")
        XCTAssertEqual(parts.conditioner.maxLength, 8)  // tokenizer_config.json's model_max_length
        XCTAssertEqual(parts.vae.sampleRate, 44100)
        XCTAssertEqual(parts.vae.audioChannels, 2)
        XCTAssertEqual(parts.maxSeconds, 128.0 / 44100, accuracy: 1e-12)
    }

    func testReproducesTheGenerationStepByStep() throws {
        let parts = try StableAudioParts.load(folder: Self.folder)
        let ref = try Fixture.cases("stable_audio_pipeline")
        let caseData = try Data(contentsOf: Fixture.url("stable_audio_pipeline", "case.json"))
        let c = try XCTUnwrap(JSONSerialization.jsonObject(with: caseData) as? [String: Any])
        let prompt = try XCTUnwrap(c["prompt"] as? String), negative = try XCTUnwrap(c["negative_prompt"] as? String)
        let steps = try XCTUnwrap(c["num_inference_steps"] as? Int), guidance = Float(try XCTUnwrap(c["guidance_scale"] as? Double))

        // Rows: negative, positive (diffusers' encode_prompt).
        let embeds = try Tensor.concat([try parts.encodePrompt([negative]), try parts.encodePrompt([prompt])], axis: 0)
        Parity.check(embeds, try ref.tensor("prompt_embeds"), "stable audio prompt_embeds")

        let (tokens, global) = try parts.conditioning(prompts: [prompt], negative: [negative], start: 0, end: parts.maxSeconds, guided: true)
        XCTAssertEqual(tokens.shape, [2, 10, 10])
        XCTAssertEqual(global.shape, [2, 1, 20])
        let sampler = try makeSampler(config: parts.samplerConfig)
        try sampler.setTimesteps(steps)
        let noise = RecordedNoise(try (0..<steps).map { try ref.tensor("noise_\($0)") })
        var x = try ref.tensor("latents") * sampler.initNoiseSigma
        var worst: Float = 0
        for (i, t) in sampler.timesteps.enumerated() {
            let out = try parts.guidedOutput(try sampler.scaleModelInput(x, timestep: t), timestep: t, tokens: tokens,
                                             global: global, guidance: guidance)
            x = try sampler.step(modelOutput: out, timestep: t, sample: x, noise: noise)
            worst = max(worst, Parity.check(x, try ref.tensor("latents_step_\(i)"), tol: 1e-3, "stable audio latents_step_\(i)"))
        }
        XCTAssertEqual(noise.consumed, steps)
        let audio = try GradMode.noGrad { try parts.vae.decode(x) }
        let end = Int(parts.maxSeconds * 44100)
        let wave = try audio.slice(axis: 2, start: 0, end: min(end, audio.shape[2]))
        Parity.check(wave, try ref.tensor("waveform"), tol: 1e-3, "stable audio waveform")
        print("PARITY stable audio pipeline: worst per-step latents relative \(worst)")
    }

    func testUnguidedAndNegativeFreeConditioning() throws {
        let parts = try StableAudioParts.load(folder: Self.folder)
        let plain = try parts.conditioning(prompts: ["rain"], negative: nil, start: 0, end: 0.002, guided: false)
        XCTAssertEqual(plain.tokens.shape, [1, 10, 10])
        // Without a negative prompt the unconditional tokens are zeros; the global token is shared.
        let guided = try parts.conditioning(prompts: ["rain"], negative: nil, start: 0, end: 0.002, guided: true)
        XCTAssertEqual(try guided.tokens.slice(axis: 0, start: 0, end: 1).scalars.allSatisfy { $0 == 0 }, true)
        XCTAssertEqual(try guided.tokens.slice(axis: 0, start: 1, end: 2).scalars, plain.tokens.scalars)
        XCTAssertEqual(try guided.global.slice(axis: 0, start: 0, end: 1).scalars, plain.global.scalars)
        XCTAssertThrowsError(try parts.conditioning(prompts: ["a", "b"], negative: ["c"], start: 0, end: 0.002, guided: true)) { e in
            XCTAssertEqual("\(e)", "negative_prompt: expected 2 negative prompts (one per prompt), got 1")
        }
    }
}
