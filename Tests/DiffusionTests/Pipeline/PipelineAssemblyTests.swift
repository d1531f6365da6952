import Audio
import Diffusion
import Foundation
import XCTest

final class PipelineAssemblyTests: XCTestCase {
    /// A foley.yaml written before the one front-end value (sample_rate at the top, mel: with f_min/f_max) reads as
    /// the same front end, and is written back in the one spelling.
    func testFoleyYAMLOldLayoutReadsAndNewIsWritten() throws {
        let old = """
            name: m
            sample_rate: 22050
            conditioning: both
            text_encoder: minilm
            mel:
              n_fft: 1024
              hop_length: 256
              n_mels: 80
              f_min: 0e+0
              f_max: 8e+3
            vocoder: griffin-lim
            griffin_lim_iterations: 16
            """
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("assembly-\(getpid())")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: dir) }
        let oldPath = dir.appendingPathComponent("old.yaml").path, newPath = dir.appendingPathComponent("new.yaml").path
        try Data(old.utf8).write(to: URL(fileURLWithPath: oldPath))
        let c = try FoleyModelConfig.load(path: oldPath)
        XCTAssertEqual(c.audio, AudioFrontEnd(sampleRate: 22050, nFFT: 1024, hopLength: 256, nMels: 80, fMin: 0, fMax: 8000))
        XCTAssertEqual(c.sampleRate, 22050)
        XCTAssertEqual(c.griffinLimIterations, 16)
        try c.save(path: newPath)
        let written = try String(contentsOfFile: newPath, encoding: .utf8)
        XCTAssertTrue(written.contains("audio:\n  sample_rate: 22050\n"), written)
        XCTAssertFalse(written.contains("mel:"), written)
        XCTAssertEqual(try FoleyModelConfig.load(path: newPath), c)
    }

    /// The shipped model's foley.yaml (old layout) gives AudioLDM's 16 kHz front end.
    func testShippedModelFrontEnd() throws {
        let path = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("../../../models/default/foley.yaml").path
        let c = try FoleyModelConfig.load(path: path)
        XCTAssertEqual(c.audio, AudioFrontEnd())
    }

    /// A diffusers vocoder's front end: its rate, hop = product of upsample rates, mels = model_in_dim.
    func testHiFiGANFrontEnd() throws {
        var cfg = HiFiGANConfig()
        cfg.modelInDim = 8
        cfg.upsampleRates = [2, 2]
        cfg.upsampleKernelSizes = [4, 4]
        cfg.upsampleInitialChannel = 8
        let v = try HiFiGAN(config: cfg)
        XCTAssertEqual(v.frontEnd, AudioFrontEnd(sampleRate: 16000, nFFT: 1024, hopLength: 4, nMels: 8, fMax: 8000))
    }
}
