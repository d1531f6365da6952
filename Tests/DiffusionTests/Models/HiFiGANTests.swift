import Diffusion
import Foundation
import NN
import Tensors
import XCTest

final class HiFiGANTests: XCTestCase {
    func fixtureModel() throws -> HiFiGAN {
        let v = try HiFiGAN(config: Fixture.config(HiFiGANConfig.self, "hifigan"))
        try v.load(safetensors: Fixture.url("hifigan", "weights.safetensors").path)
        return v
    }

    func testWaveformMatchesReference() throws {
        let vocoder = try fixtureModel()
        XCTAssertEqual(vocoder.hopLength, 4)
        XCTAssertFalse(vocoder.config.normalizeBefore)
        let cases = try Fixture.cases("hifigan")
        let wave = try GradMode.noGrad { try vocoder.waveform(fromLogMel: cases.tensor("spectrogram")) }
        Parity.check(wave, try cases.tensor("waveform"), "hifigan waveform")
    }

    func testUnbatchedInputGivesOneWaveform() throws {
        let vocoder = try fixtureModel()
        let cases = try Fixture.cases("hifigan")
        let spec = try cases.tensor("spectrogram")
        let (one, both) = try GradMode.noGrad {
            (try vocoder(spec.slice(axis: 0, start: 1, end: 2).squeeze(0)), try vocoder(spec))
        }
        XCTAssertEqual(one.shape, [80])
        XCTAssertLessThanOrEqual(Parity.relative(one, try both.slice(axis: 0, start: 1, end: 2).squeeze(0)), 1e-6)
    }

    func testPipelineFolderLoadsStrictlyWithBuffers() throws {
        let folder = Fixture.url("audioldm_pipeline", "model", "vocoder")
        let vocoder: Vocoder = try HiFiGAN.load(folder: folder)
        XCTAssertEqual(vocoder.sampleRate, 16000)
        let model = try XCTUnwrap(vocoder as? HiFiGAN)
        let file = try SafeTensorsFile(path: folder.appendingPathComponent("model.safetensors").path)
        XCTAssertEqual(Set(model.stateDict().keys), Set(file.keys))
        XCTAssertEqual(model.scale.scalars, try file.tensor("scale").scalars)
        XCTAssertEqual(model.upsampler[1].weight.scalars, try file.tensor("upsampler.1.weight").scalars)
    }

    func testNormalizeBeforeUsesMeanAndScale() throws {
        var c = try Fixture.config(HiFiGANConfig.self, "hifigan")
        c.normalizeBefore = true
        let norm = try HiFiGAN(config: c)
        try norm.load(safetensors: Fixture.url("hifigan", "weights.safetensors").path)
        try norm.mean.assign(Tensor((0..<8).map { Float($0) * 0.1 }))
        try norm.scale.assign(Tensor((0..<8).map { 1 + Float($0) * 0.5 }))
        let plain = try fixtureModel()
        let spec = try Fixture.cases("hifigan").tensor("spectrogram")
        let normalized = try (spec - norm.mean) / norm.scale
        let (a, b) = try GradMode.noGrad { (try norm(spec), try plain(normalized)) }
        XCTAssertLessThanOrEqual(Parity.relative(a, b), 1e-6)
    }

    func testWeightNormIsFolded() throws {
        let v = Tensor.randn([4, 3, 5], generator: RandomGenerator(seed: 1))
        let g = Tensor(shape: [4, 1, 1], data: [1, 2, 3, 4])
        let folded = try HiFiGAN.foldWeightNorm(["conv_pre.weight_g": g, "conv_pre.weight_v": v, "conv_pre.bias": Tensor.zeros([4])])
        XCTAssertEqual(Set(folded.keys), ["conv_pre.weight", "conv_pre.bias"])
        let w = try XCTUnwrap(folded["conv_pre.weight"])
        for o in 0..<4 {
            let row = Array(v.scalars[(o * 15)..<((o + 1) * 15)])
            let norm = row.map { $0 * $0 }.reduce(0, +).squareRoot()
            for j in 0..<15 { XCTAssertEqual(w.scalars[o * 15 + j], Float(o + 1) * row[j] / norm, accuracy: 1e-5) }
        }
        let p = try HiFiGAN.foldWeightNorm(["a.parametrizations.weight.original0": g, "a.parametrizations.weight.original1": v])
        XCTAssertEqual(p["a.weight"]?.scalars, w.scalars)
    }

    func testWeightNormCheckpointFolderLoads() throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("foley-wn-hifigan-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: dir) }
        let source = Fixture.url("audioldm_pipeline", "model", "vocoder")
        try FileManager.default.copyItem(at: source.appendingPathComponent("config.json"), to: dir.appendingPathComponent("config.json"))
        var state = try SafeTensorsFile(path: source.appendingPathComponent("model.safetensors").path).all()
        // conv_pre as weight_g / weight_v with v = 3 w and g = ||w|| per output channel.
        let w = state.removeValue(forKey: "conv_pre.weight")!
        state["conv_pre.weight_v"] = w * 3
        state["conv_pre.weight_g"] = try (w * w).sum(axes: [1, 2], keepDim: true).sqrt()
        try SafeTensorsFile.save(state, to: dir.appendingPathComponent("model.safetensors").path)
        let loaded = try HiFiGAN.load(folder: dir)
        XCTAssertLessThanOrEqual(Parity.relative(loaded.convPre.weight, w), 1e-6)
    }

    func testGradientsReachEveryParameter() throws {
        let vocoder = try fixtureModel()
        let spec = try Fixture.cases("hifigan").tensor("spectrogram")
        let out = try GradMode.enableGrad { try vocoder(spec) }
        try GradMode.enableGrad { try (out * GradCheck.weights(like: out)).sum() }.backward()
        XCTAssertEqual(GradCheck.parametersWithoutGradient(vocoder), [])
    }
}
