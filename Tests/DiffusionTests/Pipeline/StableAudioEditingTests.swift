import Audio
import Diffusion
import Foundation
import NN
import Tensors
import XCTest

/// Audio-to-audio, inpainting and reranking on the tiny Stable Audio pipeline (stereo 44.1 kHz, hop 8, 4 latent
/// channels): the mel path's controls through the same shared code, with the reference kept in stereo.
final class StableAudioEditingTests: XCTestCase {
    static let pipe = Result { try TextToAudioPipeline.load(folder: StableAudioGenerationTests.folder) }
    var pipe: TextToAudioPipeline { get throws { try Self.pipe.get() } }
    /// 220 samples: 27.5 latent frames, so the last of the 28 is part silence.
    let seconds = 0.005

    func options(seed: UInt64 = 5) -> GenerationOptions {
        var o = GenerationOptions(prompt: "a dog barks")
        o.negativePrompts = ["wind"]
        o.steps = 6
        o.guidanceScale = 7
        o.seed = seed
        o.seconds = seconds
        return o
    }

    /// A stereo recording at `rate`: a different sine on each side.
    func stereo(frames: Int, rate: Int = 44100) throws -> AudioBuffer {
        let l = (0..<frames).map { Float(sin(Double($0) * 2 * .pi * 440 / Double(rate))) * 0.5 }
        let r = (0..<frames).map { Float(sin(Double($0) * 2 * .pi * 1300 / Double(rate))) * 0.3 }
        return try AudioBuffer(planar: [l, r], sampleRate: rate)
    }

    /// The reference's own round trip, computed here without the pipeline's editing code: planar stereo cropped to the
    /// clip, padded with zeros to whole latent frames, posterior mean, decoded.
    func referenceDecode(_ ref: AudioBuffer) throws -> (latents: Tensor, waveform: [Float]) {
        let pipe = try self.pipe, vae = pipe.stableAudio!.vae
        let frames = pipe.latentShape(seconds: seconds)[2], n = frames * vae.hopLength, keep = Int(seconds * 44100)
        var data = [Float](repeating: 0, count: 2 * n)
        for c in 0..<2 { data.replaceSubrange((c * n)..<(c * n + keep), with: ref.channel(c).prefix(keep)) }
        let z = try GradMode.noGrad { try vae.encode(Tensor(shape: [1, 2, n], data: data)).mean }
        return (z, try pipe.decode(latents: z, samples: keep).waveforms[0])
    }

    func rms(_ a: ArraySlice<Float>, _ b: ArraySlice<Float>) -> Float {
        (zip(a, b).map { ($0 - $1) * ($0 - $1) }.reduce(0, +) / Float(a.count)).squareRoot()
    }

    /// reconstruct keeps a Stable Audio recording's channels: the Oobleck's round trip of the clip at the model's rate
    /// (computed here without the pipeline), stereo in and stereo out; a mono mel-model style call is refused by name.
    func testReconstructIsTheOobleckRoundTripInStereo() throws {
        let pipe = try self.pipe
        let ref = try stereo(frames: Int(seconds * 44100))
        let out = try pipe.reconstruct(ref)
        XCTAssertEqual(out.channels, 2)
        XCTAssertEqual(out.sampleRate, 44100)
        XCTAssertEqual(out.frameCount, ref.frameCount)
        let expected = try referenceDecode(ref).waveform
        XCTAssertEqual(out.samples.count, expected.count)
        for (a, b) in zip(out.samples, expected) { XCTAssertEqual(a, b, accuracy: 1e-6) }
        // At another rate it is resampled first, and the output is at the model's.
        XCTAssertEqual(try pipe.reconstruct(try stereo(frames: 110, rate: 22050)).frameCount, 220)
        XCTAssertThrowsError(try pipe.reconstruct([Float](repeating: 0.1, count: 100))) { e in
            XCTAssertTrue("\(e)".contains("samples"), "\(e)")
        }
    }

    func testStrengthOneIsPlainGenerationAndZeroTheReferenceDecode() throws {
        let pipe = try self.pipe
        let ref = try stereo(frames: 300)
        let plain = try pipe.generate(options())
        var one = options()
        one.setReference(ref)
        one.strength = 1
        XCTAssertEqual(try pipe.generate(one).waveforms, plain.waveforms)
        var zero = options()
        zero.setReference(ref)
        zero.strength = 0
        let z = try pipe.generate(zero)
        let expected = try referenceDecode(ref)
        XCTAssertEqual(z.latents.shape, [1, 4, 28])
        XCTAssertEqual(z.latents.scalars, expected.latents.scalars)
        XCTAssertEqual(z.waveforms[0], expected.waveform)
        XCTAssertEqual(z.waveforms[0].count, 2 * 220)
        // Part-way: neither the reference's decode nor plain generation, and closer to the reference than strength 1.
        var mid = options()
        mid.setReference(ref)
        mid.strength = 0.5
        let m = try pipe.generate(mid).waveforms[0]
        XCTAssertNotEqual(m, expected.waveform)
        XCTAssertNotEqual(m, plain.waveforms[0])
        let all = expected.waveform[...]
        XCTAssertLessThan(rms(m[...], all), rms(plain.waveforms[0][...], all))
    }

    /// A stereo file at 22.05 kHz and a mono one at 48 kHz both reach the VAE as 44.1 kHz stereo; a mono reference is
    /// the same as a stereo one with that signal on both sides.
    func testStereoAndMonoReferencesAtOtherRates() throws {
        let pipe = try self.pipe
        let st = try pipe.modelRateAudio(try stereo(frames: 150, rate: 22050))
        XCTAssertEqual(st.channels, 2)
        XCTAssertEqual(st.sampleRate, 44100)
        XCTAssertEqual(st.frameCount, 300)
        let monoIn = try AudioBuffer(mono: (0..<480).map { Float(sin(Double($0) * 0.05)) * 0.4 }, sampleRate: 48000)
        let mono = try pipe.modelRateAudio(monoIn)
        XCTAssertEqual(mono.channels, 2)
        XCTAssertEqual(mono.frameCount, 441)
        XCTAssertEqual(mono.channel(0), mono.channel(1))
        // Mixed down for a one-channel consumer (the mel models, the audio-text scorer).
        XCTAssertEqual(try pipe.modelRateAudio(try stereo(frames: 300), channels: 1).samples, try stereo(frames: 300).mixedToMono().samples)

        for ref in [st, mono] {
            var o = options()
            o.setReference(ref)
            o.strength = 0.5
            let r = try pipe.generate(o)
            XCTAssertEqual(r.waveforms[0].count, 2 * 220)
            XCTAssertTrue(r.waveforms[0].allSatisfy(\.isFinite))
        }
        // A mono reference given straight to generate is copied to both channels, exactly.
        var a = options(), b = options()
        a.reference = mono.channel(0)
        a.strength = 0.3
        b.setReference(mono)
        b.strength = 0.3
        XCTAssertEqual(try pipe.generate(a).waveforms, try pipe.generate(b).waveforms)
    }

    func testKeepingTheWholeClipReturnsTheReferenceDecode() throws {
        let pipe = try self.pipe
        let ref = try stereo(frames: 220)
        var o = options()
        o.setReference(ref)
        o.keepRange = 0...seconds
        let r = try pipe.generate(o)
        let expected = try referenceDecode(ref)
        XCTAssertEqual(r.latents.scalars, expected.latents.scalars)
        XCTAssertLessThan(rms(r.waveforms[0][...], expected.waveform[...]), 1e-6)
    }

    /// The first half kept: its latent frames are the reference's exactly, its audio is close to the reference's
    /// decode, and the generated half is not.
    func testKeepingPartOfTheClipHoldsThatPartAndRedoesTheRest() throws {
        let pipe = try self.pipe
        let ref = try stereo(frames: 220)
        var o = options()
        o.setReference(ref)
        o.keepRange = 0...(seconds / 2)
        let r = try pipe.generate(o)
        let expected = try referenceDecode(ref)
        // 110 samples at 44.1 kHz over hop 8: latent frames 0..<14 (13.75 rounded up) are kept.
        XCTAssertEqual(try r.latents.slice(axis: 2, start: 0, end: 14).scalars, try expected.latents.slice(axis: 2, start: 0, end: 14).scalars)
        XCTAssertGreaterThan(Parity.relative(try r.latents.slice(axis: 2, start: 14, end: 28), try expected.latents.slice(axis: 2, start: 14, end: 28)), 0.1)
        // Interleaved stereo: the first 80 frames (inside the kept 110) against the last 80. The tiny decoder's
        // receptive field is many latent frames wide, so the redone half leaks into the kept one (measured: kept 0.083,
        // redone 0.339).
        let kept = rms(r.waveforms[0][0..<160], expected.waveform[0..<160])
        let redone = rms(r.waveforms[0][280..<440], expected.waveform[280..<440])
        XCTAssertLessThan(kept, 0.1, "kept \(kept)")
        XCTAssertLessThan(kept, 0.35 * redone, "kept \(kept), redone \(redone)")
    }

    func testBadReferencesAndRangesNameTheOption() throws {
        let pipe = try self.pipe
        func message(_ edit: (inout GenerationOptions) -> Void) -> String {
            var o = options()
            edit(&o)
            do { _ = try pipe.generate(o); return "no error" } catch { return "\(error)" }
        }
        XCTAssertEqual(message { $0.reference = [] }, "reference: the reference recording is empty")
        XCTAssertEqual(message { $0.reference = [0, .nan, 0.1] }, "reference: non-finite sample (nan) at sample 1 (expected finite audio)")
        XCTAssertEqual(message { $0.reference = [0, 0.1, 0.2]; $0.referenceChannels = 2 },
                       "reference: expected whole frames of 2 interleaved channels, got 3 samples")
        XCTAssertEqual(message { $0.reference = [0, 0.1]; $0.keepRange = 0.001...0.01 },
                       "keep: expected a range inside the clip, 0...0.005 s, got 0.001...0.01")
        XCTAssertEqual(message { $0.reference = [0, 0.1]; $0.keepRange = -1...0.001 },
                       "keep: expected a range inside the clip, 0...0.005 s, got -1.0...0.001")
        XCTAssertEqual(message { $0.keepRange = 0...0.001 }, "keep: inpainting needs a reference recording")
        XCTAssertTrue(message { $0.style = Tensor.zeros([16]) }.hasPrefix("style: Stable Audio has no pooled class embedding to mix a style vector into"))
        XCTAssertTrue(message { $0.promptEmbeddings = ConditioningEmbeddings(pooled: Tensor.zeros([1, 16])) }
            .hasPrefix("prompt_embeds: Stable Audio builds its conditioning from prompt text"))
        XCTAssertTrue(message { $0.candidates = 2 }.hasPrefix("candidates: this model ("))
        XCTAssertTrue(message { $0.candidates = 2 }.hasSuffix("has no audio encoder aligned with its text conditioning (a contrastive audio-text model); Foley's default model has one, AudioLDM and Stable Audio folders do not"))
    }

    /// With a contrastive scorer attached (random weights at sizes that fit: 128 mel bins, T5's 16-wide pooled text),
    /// candidates go through the shared reranking: each output is the best-scoring of its candidates, scored by its mono
    /// mix, and is exactly that candidate's own generation.
    func testCandidatesAreRerankedByTheContrastiveScorer() throws {
        var parts = PipelineParts(stableAudio: try StableAudioParts.load(folder: StableAudioGenerationTests.folder), identity: "sao-tiny")
        var c = ContrastiveAudioTextConfig()
        c.numMels = 128
        c.blockOutChannels = [4, 8]
        c.normNumGroups = 2
        c.textEmbedDim = 16
        c.projectionHiddenDim = 16
        c.projectionDim = 8
        parts.contrastive = try ContrastiveAudioText(config: c)
        let pipe = try TextToAudioPipeline.assemble(parts)
        var o = options()
        o.candidates = 3
        o.count = 2
        let r = try pipe.generate(o)
        XCTAssertEqual(r.channels, 2)
        XCTAssertEqual(r.waveforms.count, 2)
        let all = try XCTUnwrap(r.candidateScores)
        XCTAssertEqual(all.map(\.count), [3, 3])
        for i in 0..<2 {
            let best = all[i].indices.max { all[i][$0] < all[i][$1] }!
            XCTAssertEqual(r.scores?[i], all[i][best])
            XCTAssertEqual(r.seeds[i], o.seed + UInt64(best * 2 + i))
            var single = options(seed: o.seed + UInt64(best * 2))
            single.count = 2
            XCTAssertEqual(r.waveforms[i], try pipe.generate(single).waveforms[i])
            let mono = try AudioBuffer(sampleRate: 44100, channels: 2, interleaved: r.waveforms[i]).mixedToMono().samples
            XCTAssertEqual(try pipe.audioTextScores([mono], prompts: ["a dog barks"])[0], all[i][best], accuracy: 1e-5)
        }
        // A scorer that does not fit the model's front end is refused when assembling.
        c.numMels = 64
        parts.contrastive = try ContrastiveAudioText(config: c)
        XCTAssertThrowsError(try TextToAudioPipeline.assemble(parts)) { e in
            XCTAssertTrue("\(e)".contains("the contrastive model takes 64 mel bins and 16-d pooled text; the model has 128 and 16"), "\(e)")
        }
    }
}
