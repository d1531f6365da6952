import Audio
import Diffusion
import Foundation
import NN
import Tensors
import XCTest

/// A Stable Audio folder through the one loader and assembler (`TextToAudioPipeline.load`) and `generate`.
final class StableAudioGenerationTests: XCTestCase {
    static var folder: URL { Fixture.url("stable_audio_pipeline", "model") }

    func options(_ prompt: String = "a dog barks") -> GenerationOptions {
        var o = GenerationOptions(prompt: prompt)
        o.negativePrompts = ["wind"]
        o.steps = 4
        o.guidanceScale = 7
        o.seed = 5
        return o
    }

    func testLoadsThroughTheAssemblerAndGeneratesStereo() throws {
        let pipe = try TextToAudioPipeline.load(folder: Self.folder)
        XCTAssertNotNil(pipe.stableAudio)
        XCTAssertNil(pipe.unet)
        XCTAssertEqual(pipe.sampleRate, 44100)
        XCTAssertEqual(pipe.audioChannels, 2)
        XCTAssertEqual(pipe.samplerConfig.className, "CosineDPMSolverMultistepScheduler")
        XCTAssertEqual(pipe.defaultSeconds, 128.0 / 44100, accuracy: 1e-12)
        XCTAssertTrue(pipe.identity.contains("StableAudioPipeline"))
        let r = try pipe.generate(options())
        XCTAssertEqual(r.channels, 2)
        XCTAssertEqual(r.sampleRate, 44100)
        XCTAssertEqual(r.latents.shape, [1, 4, 16])
        XCTAssertEqual(r.waveforms.count, 1)
        XCTAssertEqual(r.waveforms[0].count, 2 * 128)
        XCTAssertTrue(r.waveforms[0].allSatisfy(\.isFinite))
        // Left and right differ: the VAE decodes two channels.
        let left = stride(from: 0, to: 256, by: 2).map { r.waveforms[0][$0] }, right = stride(from: 1, to: 256, by: 2).map { r.waveforms[0][$0] }
        XCTAssertNotEqual(left, right)
        // Same seed, same samples; another seed, others.
        XCTAssertEqual(try pipe.generate(options()).waveforms, r.waveforms)
        var other = options()
        other.seed = 6
        XCTAssertNotEqual(try pipe.generate(other).waveforms, r.waveforms)
    }

    /// `--seconds` sets the latent length and the seconds_total conditioning; given latents are used as they are.
    func testSecondsSetTheLatentLengthAndTheConditioning() throws {
        let pipe = try TextToAudioPipeline.load(folder: Self.folder)
        var o = options()
        o.seconds = 0.01
        o.count = 2
        let r = try pipe.generate(o)
        XCTAssertEqual(r.latents.shape, [2, 4, 56])  // ceil(0.01 s * 44100 / 8)
        XCTAssertEqual(r.waveforms.map(\.count), [2 * 441, 2 * 441])
        XCTAssertEqual(pipe.latentShape(seconds: 0.01, batch: 3), [3, 4, 56])
        // The given latents are used as they are (times the sampler's initial sigma).
        var given = options()
        given.latents = try Fixture.cases("stable_audio_pipeline").tensor("latents")
        given.sampler = "flow_euler"
        let a = try pipe.generate(given), b = try pipe.generate(given)
        XCTAssertEqual(a.waveforms, b.waveforms)
        given.latents = Tensor.zeros([1, 4, 15])
        XCTAssertThrowsError(try pipe.generate(given)) { e in
            XCTAssertEqual("\(e)", "latents: expected shape [1, 4, 16], got [1, 4, 15]")
        }
    }

    func testWritesStereoFilesWithTheSidecarAndChecksSamplerOptions() throws {
        let pipe = try TextToAudioPipeline.load(folder: Self.folder)
        var o = options()
        o.seconds = 0.5  // loudness needs 0.4 s (BS.1770 gating blocks)
        o.loudness = -20
        let r = try pipe.generate(o)
        let measured = try Loudness.integrated(try AudioBuffer(sampleRate: 44100, channels: 2, interleaved: r.waveforms[0]))
        XCTAssertEqual(measured, -20, accuracy: 0.1)
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("foley-sao-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: dir) }
        let paths = try OutputWriter.write(r, options: o, pipeline: pipe, to: dir.appendingPathComponent("out.wav").path,
                                           spectrogram: dir.appendingPathComponent("out.png").path)
        let audio = try AudioFile.read(paths[0])
        XCTAssertEqual(audio.channels, 2)
        XCTAssertEqual(audio.sampleRate, 44100)
        XCTAssertEqual(audio.frameCount, 22050)
        let sidecar = try XCTUnwrap(JSONSerialization.jsonObject(with: Data(contentsOf: dir.appendingPathComponent("out.json"))) as? [String: Any])
        XCTAssertEqual(sidecar["channels"] as? Int, 2)
        XCTAssertEqual(sidecar["samples"] as? Int, 22050)
        XCTAssertTrue(FileManager.default.fileExists(atPath: dir.appendingPathComponent("out.png").path))

        func message(_ edit: (inout GenerationOptions) -> Void) -> String {
            var o = options()
            edit(&o)
            do { _ = try pipe.generate(o); return "no error" } catch { return "\(error)" }
        }
        XCTAssertEqual(message { $0.samplerOptions = ["eta": 0.5] },
                       "eta: only the ddim sampler takes eta; this run's sampler is CosineDPMSolverMultistepScheduler (choose ddim, or drop eta)")
    }
}
