import Diffusion
import Foundation
import Tensors
@testable import Training
import XCTest

/// Foley's Stable Audio exports load in diffusers as they are: the folders in Tests/Fixtures/stable_audio_export were
/// written by Foley's trainer and loaded strictly by diffusers 0.42 (scripts/reference/stable_audio_export_fixture.py),
/// whose outputs Foley's own reading of the same folders must match.
final class StableAudioExportTests: XCTestCase {
    static let folder = TrainFixture.repositoryRoot.appendingPathComponent("Tests/Fixtures/stable_audio_export")

    func relative(_ a: Tensor, _ b: Tensor) -> Float {
        XCTAssertEqual(a.shape, b.shape)
        let scale = b.scalars.map(abs).max() ?? 1
        return zip(a.scalars, b.scalars).map { abs($0 - $1) }.max()! / max(scale, 1e-12)
    }

    func testOobleckExportMatchesDiffusers() throws {
        let f = try SafeTensorsFile(path: Self.folder.appendingPathComponent("outputs.safetensors").path)
        let vae = try AutoencoderOobleck.load(folder: Self.folder.appendingPathComponent("vae"))
        vae.eval()
        let posterior = try vae.encode(try f.tensor("audio"))
        XCTAssertLessThan(relative(posterior.mean, try f.tensor("posterior_mean")), 1e-4)
        XCTAssertLessThan(relative(posterior.std, try f.tensor("posterior_std")), 1e-4)
        XCTAssertLessThan(relative(try vae.decode(try f.tensor("latents")), try f.tensor("decoded")), 1e-4)
    }

    func testDiTAndProjectionExportsMatchDiffusers() throws {
        let f = try SafeTensorsFile(path: Self.folder.appendingPathComponent("outputs.safetensors").path)
        let dit = try StableAudioDiTModel.load(folder: Self.folder.appendingPathComponent("transformer"))
        let proj = try StableAudioProjectionModel.load(folder: Self.folder.appendingPathComponent("projection_model"))
        let (tokens, global) = try StableAudioParts.assemble(text: try proj.projectText(try f.tensor("text")),
                                                             start: try proj.secondsStart(try f.tensor("seconds_start")),
                                                             end: try proj.secondsEnd(try f.tensor("seconds_end")))
        XCTAssertLessThan(relative(tokens, try f.tensor("tokens")), 1e-4)
        XCTAssertLessThan(relative(global, try f.tensor("global")), 1e-4)
        let out = try dit(try f.tensor("dit_input"), timestep: try f.tensor("timesteps"), encoderHiddenStates: try f.tensor("tokens"),
                          globalHiddenStates: try f.tensor("global"))
        XCTAssertLessThan(relative(out, try f.tensor("dit_output")), 1e-4)
    }

    /// Writing weight-normalised weights and folding them at load gives the weights back; every convolution is
    /// written as weight_g/weight_v and nothing else changes name.
    func testWeightNormRoundTrip() throws {
        let vae = try AutoencoderOobleck.load(folder: Self.folder.appendingPathComponent("vae"))
        let plain = vae.stateDict()
        let root = try TrainFixture.tempDir("oobleck-export")
        defer { try? FileManager.default.removeItem(at: root) }
        let out = root.appendingPathComponent("vae")
        try StableAudioExport.writeOobleck(config: vae.config, weights: plain, to: out)
        let written = try SafeTensorsFile(path: out.appendingPathComponent("diffusion_pytorch_model.safetensors").path)
        let convs = plain.filter { $0.key.hasSuffix(".weight") && $0.value.rank == 3 }
        XCTAssertGreaterThan(convs.count, 10)
        XCTAssertEqual(Set(written.keys).count, plain.count + convs.count)
        for k in convs.keys { XCTAssertFalse(written.keys.contains(k), "\(k) must be written as weight_g/weight_v") }
        let back = try AutoencoderOobleck.load(folder: out).stateDict()
        for (k, t) in plain { XCTAssertLessThan(relative(back[k]!, t), 1e-6, k) }
    }
}
