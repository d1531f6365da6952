import Diffusion
import Foundation
import Tensors
import XCTest

final class TextToAudioPipelineTests: XCTestCase {
    static var cached: TextToAudioPipeline?
    var pipe: TextToAudioPipeline {
        get throws {
            if let p = Self.cached { return p }
            let p = try TextToAudioPipeline.load(folder: Fixture.url("audioldm_pipeline", "model"))
            Self.cached = p
            return p
        }
    }

    func caseJSON() throws -> [String: Any] {
        try JSONSerialization.jsonObject(with: Data(contentsOf: Fixture.url("audioldm_pipeline", "case.json"))) as! [String: Any]
    }

    /// The fixture run: the same latents through 5 DDIM steps at guidance 2.5 with a negative prompt.
    func testReproducesAudioLDMFixtureStepByStep() throws {
        let c = try caseJSON(), cases = try Fixture.cases("audioldm_pipeline")
        let pipe = try self.pipe
        let prompt = c["prompt"] as! String, negative = c["negative_prompt"] as! String
        let embeds = try Tensor.concat([try pipe.encode(prompts: [negative], negative: true).pooled!,
                                        try pipe.encode(prompts: [prompt]).pooled!], axis: 0)
        let want = try cases.tensor("prompt_embeds")
        Parity.check(try embeds.slice(axis: 0, start: 0, end: 1), try want.slice(axis: 0, start: 0, end: 1), "prompt_embeds negative")
        Parity.check(try embeds.slice(axis: 0, start: 1, end: 2), try want.slice(axis: 0, start: 1, end: 2), "prompt_embeds positive")

        var o = GenerationOptions(prompt: prompt)
        o.negativePrompts = [negative]
        o.guidanceScale = Float(c["guidance_scale"] as! Double)
        o.steps = c["num_inference_steps"] as! Int
        o.seconds = c["audio_length_in_s"] as! Double
        o.latents = try cases.tensor("latents")
        var steps: [Tensor] = []
        let result = try pipe.generate(o) { steps.append($0.latents); return true }
        XCTAssertEqual(steps.count, 5)
        for (i, s) in steps.enumerated() { Parity.check(s, try cases.tensor("latents_step_\(i)"), tol: 1e-3, "latents_step_\(i)") }
        Parity.check(Tensor(shape: [1, result.waveforms[0].count], data: result.waveforms[0]), try cases.tensor("waveform"),
                     tol: 1e-3, "waveform")
    }

    func small(_ prompt: String = "A dog barking", seed: UInt64 = 3) -> GenerationOptions {
        var o = GenerationOptions(prompt: prompt)
        o.steps = 3
        o.seconds = 0.03
        o.seed = seed
        return o
    }

    /// Without seconds, the length is the UNet's sample_size, as diffusers' AudioLDMPipeline computes it for
    /// audio_length_in_s=None: 32 latent frames x VAE factor 2 x hop 4 / 16 kHz = 16 ms = 256 samples.
    func testDefaultLengthIsTheUNetSampleSize() throws {
        let pipe = try self.pipe
        XCTAssertEqual(pipe.unet.config.sampleSize, .int(32))
        XCTAssertEqual(pipe.defaultSeconds, 0.016, accuracy: 1e-12)
        var o = small()
        o.seconds = nil
        let r = try pipe.generate(o)
        XCTAssertEqual(r.latents.shape[2], 32)
        XCTAssertEqual(r.waveforms[0].count, 256)
    }

    func testSeedsReproduceBytesAndDifferentSeedsDiffer() throws {
        let a = try pipe.generate(small()).waveforms[0]
        XCTAssertEqual(try pipe.generate(small()).waveforms[0], a)
        XCTAssertNotEqual(try pipe.generate(small(seed: 4)).waveforms[0], a)
    }

    func testBatchPositionDoesNotChangeAnOutput() throws {
        var two = small()
        two.prompts = ["rain on a roof", "A dog barking"]
        let batch = try pipe.generate(two)
        let alone = try pipe.generate(small(seed: 4))  // row 1 of the batch uses seed + 1
        XCTAssertEqual(batch.seeds, [3, 4])
        XCTAssertEqual(batch.waveforms[1], alone.waveforms[0])
    }

    func testGuidanceOneIsTheConditionalBranchAlone() throws {
        var one = small()
        one.guidanceScale = 1
        let a = try pipe.generate(one).latents
        // With the unconditional branch equal to the conditional one, guidance cancels to the same prediction.
        var same = small()
        same.guidanceScale = 4
        same.negativePrompts = ["A dog barking"]
        let b = try pipe.generate(same).latents
        XCTAssertLessThan(Parity.relative(b, a), 1e-5)
    }

    func testNegativePromptChangesTheResult() throws {
        var a = small(), b = small()
        a.guidanceScale = 3
        b.guidanceScale = 3
        b.negativePrompts = ["low quality, noise"]
        // Far above float32 noise (1e-7): the tiny random model's text pathway is weak but real.
        XCTAssertGreaterThan(Parity.relative(try pipe.generate(b).latents, try pipe.generate(a).latents), 1e-5)
    }

    func testDurationRuleRoundsUpThenTrimsToExactLength() throws {
        let pipe = try self.pipe
        // 16 kHz, hop 4 (the fixture's vocoder), VAE factor 2, UNet factor 2: frames round up to multiples of 4.
        XCTAssertEqual(pipe.melFrames(seconds: 0.016), 64)
        XCTAssertEqual(pipe.melFrames(seconds: 0.0165), 68)
        var o = small()
        o.seconds = 0.0123
        let r = try pipe.generate(o)
        XCTAssertEqual(r.waveforms[0].count, 196)
        XCTAssertEqual(r.latents.shape[2] * pipe.vaeScaleFactor, pipe.melFrames(seconds: 0.0123))
    }

    func testStrengthZeroReturnsReconstructionAndOneIgnoresReference() throws {
        let pipe = try self.pipe
        let ref = (0..<480).map { Float(sin(Double($0) * 0.3)) * 0.5 }
        var zero = small()
        zero.reference = ref
        zero.strength = 0
        let frames = pipe.melFrames(seconds: zero.seconds!)
        let recon = try pipe.decode(latents: try pipe.encodeReference(ref, frames: frames, batch: 1), samples: 480).waveforms[0]
        XCTAssertEqual(try pipe.generate(zero).waveforms[0], recon)
        var one = small()
        one.reference = ref
        one.strength = 1
        XCTAssertEqual(try pipe.generate(one).waveforms[0], try pipe.generate(small()).waveforms[0])
        var mid = small()
        mid.reference = ref
        mid.strength = 0.5
        let m = try pipe.generate(mid).waveforms[0]
        XCTAssertNotEqual(m, recon)
        XCTAssertEqual(m.count, 480)
    }

    /// reconstruct is the strength-0 path at the recording's own length: log-mel (frames rounded up to the VAE
    /// factor) -> posterior mode -> decode -> vocoder, trimmed back.
    func testReconstructIsTheAutoencoderRoundTripAtTheRecordingsLength() throws {
        let pipe = try self.pipe
        let ref = (0..<333).map { Float(sin(Double($0) * 0.2)) * 0.4 }
        let f = pipe.vaeScaleFactor
        let frames = (try pipe.frontEnd(ref).frames + f - 1) / f * f
        let expected = try pipe.decode(latents: try pipe.encodeReference(ref, frames: frames, batch: 1), samples: ref.count).waveforms[0]
        let got = try pipe.reconstruct(ref)
        XCTAssertEqual(got.count, 333)
        XCTAssertEqual(got, expected)
        XCTAssertNotEqual(got, ref)
        XCTAssertThrowsError(try pipe.reconstruct([])) { e in XCTAssertTrue("\(e)".contains("samples"), "\(e)") }
    }

    func testInpaintingKeepsTheReferenceRange() throws {
        let pipe = try self.pipe
        let ref = (0..<480).map { Float(sin(Double($0) * 0.2)) * 0.5 }
        var o = small()
        o.reference = ref
        o.keepRange = 0...0.01
        let r = try pipe.generate(o)
        let refLatents = try pipe.encodeReference(ref, frames: pipe.melFrames(seconds: o.seconds!), batch: 1)
        // Latent frames covering 0-10 ms (16 kHz / hop 4 / VAE 2 = 2000 latent frames per second): the first 20.
        let kept = try r.latents.slice(axis: 2, start: 0, end: 20), want = try refLatents.slice(axis: 2, start: 0, end: 20)
        XCTAssertEqual(kept.scalars, want.scalars)
        XCTAssertGreaterThan(Parity.relative(try r.latents.slice(axis: 2, start: 20, end: 24), try refLatents.slice(axis: 2, start: 20, end: 24)), 1e-3)
    }

    func testCallbackCancels() throws {
        XCTAssertThrowsError(try pipe.generate(small()) { $0.step < 2 }) { e in
            XCTAssertEqual("\(e)", "cancelled at step 2")
        }
    }

    func testBadArgumentsGiveClearErrors() throws {
        func message(_ body: () throws -> Void) -> String {
            do { try body(); return "no error" } catch { return "\(error)" }
        }
        XCTAssertTrue(message { _ = try TextToAudioPipeline.load(folder: URL(fileURLWithPath: "/no/such/model")) }.contains("/no/such/model: no such model folder"))
        var o = small()
        o.sampler = "warp"
        XCTAssertTrue(message { _ = try pipe.generate(o) }.contains("ddim"))
        o = small()
        o.seconds = -1
        XCTAssertEqual(message { _ = try pipe.generate(o) }, "seconds: -1.0 is out of range (expected a duration in (0, 600] seconds)")
        o = small()
        o.steps = 0
        XCTAssertEqual(message { _ = try pipe.generate(o) }, "steps: 0 is out of range (expected an integer in 1...10000)")
        o = small()
        o.strength = 2
        XCTAssertTrue(message { _ = try pipe.generate(o) }.hasPrefix("strength:"))
    }

    /// Every numeric option is range-checked before anything runs: each of these used to be accepted (and
    /// `seconds: 1e9` ended in a failed allocation, `loudness: nan` failed only after generating).
    func testEveryNumericOptionIsRangeCheckedBeforeGenerating() throws {
        func message(_ change: (inout GenerationOptions) -> Void) -> String {
            var o = small()
            change(&o)
            var steps = 0
            do { _ = try pipe.generate(o) { _ in steps += 1; return true }; return "no error" } catch {
                XCTAssertEqual(steps, 0, "\(error) came after \(steps) steps")
                return "\(error)"
            }
        }
        XCTAssertEqual(message { $0.seconds = 1e9 }, "seconds: 1000000000.0 is out of range (expected a duration in (0, 600] seconds)")
        XCTAssertEqual(message { $0.styleWeight = 2 }, "style_weight: 2.0 is out of range (expected a number in [0, 1])")
        XCTAssertEqual(message { $0.styleWeight = .nan }, "style_weight: nan is out of range (expected a number in [0, 1])")
        XCTAssertEqual(message { $0.loudness = -1000 }, "loudness: -1000.0 is out of range (expected a loudness in [-70, 0] LUFS)")
        XCTAssertEqual(message { $0.loudness = .nan }, "loudness: nan is out of range (expected a loudness in [-70, 0] LUFS)")
        XCTAssertEqual(message { $0.noiseTemperature = 1e30 }, "temperature: 1e+30 is out of range (expected a number in (0, 10])")
        XCTAssertEqual(message { $0.guidanceScale = .infinity }, "guidance: inf is out of range (expected a number in [0, 100])")
        XCTAssertEqual(message { $0.count = 100_000 }, "count: 100000 is out of range (expected an integer in 1...256)")
        XCTAssertEqual(message { $0.seed = .max; $0.count = 2 },
                       "seed: 18446744073709551615 is out of range (expected at most 18446744073709551614, so that the 2 outputs' seeds seed...seed+1 do not wrap)")
        XCTAssertEqual(message { $0.seed = .max }, "no error")
    }

    func testEverySamplerRunsThroughThePipeline() throws {
        for name in samplerNames {
            var o = small()
            o.steps = 4  // PNDM's Runge-Kutta warm-up needs four
            o.sampler = name
            let r = try pipe.generate(o)
            XCTAssertTrue(r.waveforms[0].allSatisfy(\.isFinite), name)
        }
    }

    func testLoudnessTargetIsApplied() throws {
        var o = small()
        o.seconds = 0.5
        o.loudness = -30
        let w = try pipe.generate(o).waveforms[0]
        XCTAssertGreaterThan(w.map(abs).max()!, 0)
    }
}
