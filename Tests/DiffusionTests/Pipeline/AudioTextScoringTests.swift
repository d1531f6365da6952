import Audio
import Diffusion
import Foundation
import NN
import Tensors
import XCTest

/// Style vectors, scores and reranking through a pipeline's contrastive model: the fixture AudioLDM pipeline
/// with a random `ContrastiveAudioText` sized to its 8-d pooled text and 8 mel bins.
final class AudioTextScoringTests: XCTestCase {
    static var cached: (plain: TextToAudioPipeline, scored: TextToAudioPipeline)?

    func pipes() throws -> (plain: TextToAudioPipeline, scored: TextToAudioPipeline) {
        if let c = Self.cached { return c }
        let p = try TextToAudioPipeline.load(folder: Fixture.url("audioldm_pipeline", "model"))
        var cfg = ContrastiveAudioTextConfig()
        cfg.numMels = p.melBins
        cfg.blockOutChannels = [4]
        cfg.normNumGroups = 2
        cfg.textEmbedDim = 8
        cfg.projectionHiddenDim = 16
        cfg.projectionDim = 8
        NNRandom.manualSeed(5)
        let clap = try ContrastiveAudioText(config: cfg)
        let scored = try TextToAudioPipeline.assemble(PipelineParts(
            unet: p.unet, vae: p.vae, vocoder: .model(p.vocoder), conditioner: p.conditioner, negativeConditioner: p.negativeConditioner,
            samplerConfig: p.samplerConfig, conditioning: p.conditioning, audio: p.audio, identity: "fixture + contrastive",
            contrastive: clap))
        Self.cached = (p, scored)
        return (p, scored)
    }

    func small(seed: UInt64 = 3) -> GenerationOptions {
        var o = GenerationOptions(prompt: "A dog barking")
        o.steps = 3
        o.seconds = 0.1
        o.seed = seed
        return o
    }

    func tone(_ hz: Double, seconds: Double = 0.5, rate: Int = 16000) -> [Float] {
        (0..<Int(seconds * Double(rate))).map { Float(0.3 * sin(2 * Double.pi * hz * Double($0) / Double(rate))) }
    }

    func testPooledConditioningGoesThroughTheTextProjection() throws {
        let (plain, scored) = try pipes()
        let raw = try XCTUnwrap(try plain.encode(prompts: ["A dog barking"]).pooled)
        let projected = try XCTUnwrap(try scored.encode(prompts: ["A dog barking"]).pooled)
        let expected = try GradMode.noGrad { try scored.contrastive!.textEmbeddings(raw) }
        XCTAssertEqual(projected.scalars, expected.scalars)
        XCTAssertEqual(try scored.textEmbeddings(["A dog barking"]).scalars, expected.scalars)
    }

    func testStyleVectorIsAUnitAudioEmbeddingAtAnyRate() throws {
        let (_, scored) = try pipes()
        let style = try scored.extractStyle(tone(440), sampleRate: 16000)
        XCTAssertEqual(style.shape, [8])
        XCTAssertEqual(style.scalars.reduce(0) { $0 + $1 * $1 }, 1, accuracy: 1e-5)
        XCTAssertEqual(style.scalars, try scored.audioEmbeddings([tone(440)]).scalars)
        let at8k = try scored.extractStyle(tone(440, rate: 8000), sampleRate: 8000)
        let cos = zip(style.scalars, at8k.scalars).reduce(0) { $0 + $1.0 * $1.1 }
        XCTAssertGreaterThan(cos, 0.9, "a resampled copy of the same tone embeds nearby")
        XCTAssertNotEqual(style.scalars, try scored.extractStyle(tone(3000), sampleRate: 16000).scalars)
        var o = small()
        o.style = style
        o.styleWeight = 1
        XCTAssertNotEqual(try scored.generate(o).waveforms[0], try scored.generate(small()).waveforms[0])
    }

    func testRerankingKeepsTheBestCandidateAndItsSeedReproducesIt() throws {
        let (_, scored) = try pipes()
        var o = small(seed: 10)
        o.count = 2
        o.candidates = 3
        let r = try scored.generate(o)
        let all = try XCTUnwrap(r.candidateScores)
        XCTAssertEqual(all.count, 2)
        for i in 0..<2 {
            XCTAssertEqual(all[i].count, 3)
            XCTAssertEqual(r.scores![i], all[i].max()!)
            // Candidate k of output i used seed + k * outputs + i; generating that seed alone gives the same audio, up
            // to float rounding: a batch of one and a batch of six may take different BLAS kernel paths (OpenBLAS's
            // AVX2 kernels differ by about 1e-6 here; its AVX-512 ones happened to agree bit for bit).
            let k = all[i].firstIndex(of: all[i].max()!)!
            XCTAssertEqual(r.seeds[i], 10 + UInt64(k * 2 + i))
            var alone = small(seed: r.seeds[i])
            alone.count = 1
            let single = try scored.generate(alone).waveforms[0]
            XCTAssertEqual(single.count, r.waveforms[i].count)
            XCTAssertLessThan(zip(single, r.waveforms[i]).map { abs($0 - $1) }.max() ?? 1, 1e-5)
            XCTAssertEqual(try scored.audioTextScores([r.waveforms[i]], prompts: ["A dog barking"])[0], r.scores![i], accuracy: 1e-6)
        }
        // Candidate 0 is the output generation without reranking gives.
        var plain = small(seed: 10)
        plain.count = 2
        let first = try scored.generate(plain)
        XCTAssertEqual(try scored.audioTextScores(first.waveforms, prompts: ["A dog barking", "A dog barking"]), all.map { $0[0] })
    }

    /// A long recording's style vector is built a window at a time (its memory used to grow 0.3 GB per minute of
    /// input): from samples or streamed from the file, the same vector; a non-finite recording is refused.
    func testLongRecordingsAreEmbeddedAWindowAtATime() throws {
        let (_, scored) = try pipes()
        let long = tone(440, seconds: 12) + tone(3000, seconds: 13)
        let path = NSTemporaryDirectory() + "foley-style-\(UUID().uuidString).wav"
        defer { try? FileManager.default.removeItem(atPath: path) }
        try AudioFile.write(AudioBuffer(mono: long, sampleRate: 16000), to: path)
        let stored = try AudioFile.read(path).samples
        let fromFile = try scored.extractStyle(file: path)
        let fromSamples = try scored.extractStyle(stored, sampleRate: 16000)
        XCTAssertEqual(fromFile.shape, [8])
        for (a, b) in zip(fromFile.scalars, fromSamples.scalars) { XCTAssertEqual(a, b, accuracy: 1e-6) }
        XCTAssertEqual(fromFile.scalars.reduce(0) { $0 + $1 * $1 }, 1, accuracy: 1e-5)
        // Three windows (10 + 10 + 5 s): the length-weighted mean of their embeddings, renormalized.
        let w = [Array(stored[0..<160_000]), Array(stored[160_000..<320_000]), Array(stored[320_000...])]
        let e = try w.map { try scored.audioEmbeddings([$0]).scalars }
        var mean = [Float](repeating: 0, count: 8)
        for (row, n) in zip(e, w.map(\.count)) { for i in 0..<8 { mean[i] += row[i] * Float(n) } }
        let norm = mean.reduce(0) { $0 + $1 * $1 }.squareRoot()
        for (a, b) in zip(fromSamples.scalars, mean.map { $0 / norm }) { XCTAssertEqual(a, b, accuracy: 1e-5) }
        XCTAssertThrowsError(try scored.extractStyle([0.1, .nan, 0.2], sampleRate: 16000)) { e in
            XCTAssertEqual("\(e)", "audio: non-finite sample (nan) at sample 1 (expected finite audio)")
        }
    }

    func testModelsWithoutAnAudioEncoderSaySo() throws {
        let (plain, scored) = try pipes()
        func message(_ body: () throws -> Void) -> String {
            do { try body(); return "no error" } catch { return "\(error)" }
        }
        XCTAssertTrue(message { _ = try plain.extractStyle(self.tone(440), sampleRate: 16000) }.contains("no audio encoder aligned with its text conditioning"))
        var o = small()
        o.candidates = 2
        XCTAssertTrue(message { _ = try plain.generate(o) }.hasPrefix("candidates:"))
        o.candidates = 0
        XCTAssertEqual(message { _ = try scored.generate(o) }, "candidates: 0 is out of range (expected an integer in 1...64)")
        XCTAssertTrue(message { _ = try scored.audioTextScores([self.tone(440)], prompts: []) }.hasPrefix("prompts:"))
        XCTAssertTrue(message { _ = try scored.extractStyle([], sampleRate: 16000) }.contains("empty"))
    }
}
