import Diffusion
import Foundation
import NN
import Tensors
@testable import Training
import XCTest

/// `foley preprocess --latents`: the cache holds each clip's posterior, LDM training reads it, and a cache made by
/// another VAE is refused by name.
final class LatentCacheTests: XCTestCase {
    func testCacheHoldsThePosteriorAndTrainingReadsIt() throws {
        let root = try TrainFixture.tempDir("latents")
        defer { try? FileManager.default.removeItem(at: root) }
        let data = try TrainFixture.dataset(root, count: 4)
        let vaeFile = try TrainFixture.vaeCheckpoint(root)
        let info = try LatentCache.build(dataset: data.path, model: vaeFile.path)
        XCTAssertEqual(info.clips, 4)
        XCTAssertEqual(info.downsampling, 2)

        // The stored posterior is the VAE's on the whole clip, padded with silence to a multiple of its down-sampling.
        let source = try VAESource.resolve(vaeFile.path, log: { _ in })
        let vae = try AutoencoderKL(config: source.config)
        try vae.load(stateDict: source.weights)
        let cache = try LatentCache(dataset: data.path, vae: vae, vaeSource: "test")
        let dataset = try MelDataset(folder: data.path)
        let e = dataset.entries[0]
        let frames = (e.frames + 1) / 2 * 2
        let mel = Tensor.zeros([1, 1, frames, dataset.melBins])
        try dataset.crop(0, start: 0, frames: frames, into: mel.pointer)
        let want = try GradMode.noGrad { try vae.encode(mel) }
        let (mean, std) = try cache.posterior(e.id)
        XCTAssertEqual(mean.scalars, try want.mean.squeeze(0).scalars)
        XCTAssertEqual(std.scalars, try want.std.squeeze(0).scalars)
        // A batch crop is the stored mean from the crop's start, rounded down to a latent frame.
        let silence = Tensor.zeros([4, 8, dataset.melBins / 2])
        let (crop, cropStd) = try cache.batch(ids: [e.id], starts: [5], frames: 16, silence: silence)
        XCTAssertEqual(cropStd.shape, crop.shape)
        XCTAssertEqual(crop.shape, [1, 4, 8, dataset.melBins / 2])
        let w = dataset.melBins / 2, total = mean.shape[1]
        XCTAssertEqual(crop.scalars[0..<w].map { $0 }, Array(mean.scalars[(2 * w)..<(3 * w)]))  // channel 0, latent frame 2 = mel frame 4
        XCTAssertEqual(crop.scalars[(8 * w)..<(9 * w)].map { $0 }, Array(mean.scalars[((total + 2) * w)..<((total + 3) * w)]))  // channel 1

        // Training on the cache runs; the cache must be this VAE's.
        let runs = root.appendingPathComponent("runs")
        let yaml = TrainFixture.ldmYAML(data: data, vae: vaeFile, steps: 3).replacingOccurrences(of: "  segment_frames: 16\n", with: "  segment_frames: 16\n  latents: true\n")
        let config = try TrainingConfig.parse(yaml: yaml)
        XCTAssertTrue(config.data.latents)
        let result = try LDMTrainer(config: config, options: TrainFixture.quiet(runs, name: "cached"), conditioner: try TrainFixture.conditioner()).run()
        XCTAssertEqual(result.losses.count, 3)
        XCTAssertTrue(result.losses.allSatisfy { $0.loss.isFinite && $0.loss > 0 })

        let other = root.appendingPathComponent("other")
        try FileManager.default.createDirectory(at: other, withIntermediateDirectories: true)
        NNRandom.manualSeed(99)
        var c = source.config
        c.scalingFactor = 1
        let foreign = try AutoencoderKL(config: c)
        XCTAssertThrowsError(try LatentCache(dataset: data.path, vae: foreign, vaeSource: "another.safetensors")) {
            XCTAssertTrue("\($0)".contains("data.latents") && "\($0)".contains("another VAE") && "\($0)".contains("another.safetensors"), "\($0)")
        }
        XCTAssertThrowsError(try LatentCache(dataset: other.path, vae: vae, vaeSource: "x")) {
            XCTAssertTrue("\($0)".contains("foley preprocess --latents"), "\($0)")
        }
        let vaeYAML = TrainFixture.vaeYAML(data: data).replacingOccurrences(of: "  segment_frames: 16\n", with: "  segment_frames: 16\n  latents: true\n")
        XCTAssertThrowsError(try TrainingConfig.parse(yaml: vaeYAML)) { XCTAssertTrue("\($0)".contains("data.latents"), "\($0)") }
    }
}
