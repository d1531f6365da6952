import Diffusion
import Foundation
import NN
import Tensors
import XCTest

final class AutoencoderKLTests: XCTestCase {
    func fixtureModel() throws -> AutoencoderKL {
        let vae = try AutoencoderKL(config: Fixture.config(AutoencoderKLConfig.self, "vae"))
        try vae.load(safetensors: Fixture.url("vae", "weights.safetensors").path)
        return vae
    }

    func testConfigReadsDiffusersKeysAndDefaults() throws {
        let c = try Fixture.config(AutoencoderKLConfig.self, "vae")
        XCTAssertEqual(c.blockOutChannels, [8, 16])
        XCTAssertEqual(c.inChannels, 1)
        XCTAssertEqual(c.latentChannels, 4)
        XCTAssertEqual(c.normNumGroups, 8)
        XCTAssertEqual(c.scalingFactor, 0.9227)
        // Absent keys take diffusers' defaults.
        XCTAssertEqual(c.actFn, "silu")
        XCTAssertTrue(c.useQuantConv)
        XCTAssertTrue(c.midBlockAddAttention)
        XCTAssertNil(c.shiftFactor)
    }

    func testPosteriorMatchesReference() throws {
        let vae = try fixtureModel()
        let cases = try Fixture.cases("vae")
        let posterior = try GradMode.noGrad { try vae.encode(cases.tensor("input")) }
        Parity.check(posterior.mean, try cases.tensor("posterior_mean"), "vae posterior_mean")
        Parity.check(posterior.logvar, try cases.tensor("posterior_logvar"), "vae posterior_logvar")
    }

    func testDecodeMatchesReference() throws {
        let vae = try fixtureModel()
        let cases = try Fixture.cases("vae")
        let decoded = try GradMode.noGrad { try vae.decode(cases.tensor("latent")) }
        Parity.check(decoded, try cases.tensor("decoded"), "vae decoded")
    }

    func testReconstructionFromMeanMatchesReference() throws {
        let vae = try fixtureModel()
        let cases = try Fixture.cases("vae")
        let rec = try GradMode.noGrad { try vae(cases.tensor("input")) }
        Parity.check(rec, try cases.tensor("reconstruction_from_mean"), "vae reconstruction_from_mean")
    }

    func testPipelineFolderLoadsStrictly() throws {
        let folder = Fixture.url("audioldm_pipeline", "model", "vae")
        let vae = try AutoencoderKL.load(folder: folder)
        XCTAssertEqual(vae.scalingFactor, 0.18215)
        XCTAssertEqual(vae.downsamplingFactor, 2)
        let file = try SafeTensorsFile(path: folder.appendingPathComponent("diffusion_pytorch_model.safetensors").path)
        XCTAssertEqual(Set(vae.stateDict().keys), Set(file.keys))
        for key in ["encoder.mid_block.attentions.0.to_q.weight", "decoder.conv_out.bias", "quant_conv.weight"] {
            XCTAssertEqual(vae.stateDict()[key]!.scalars, try file.tensor(key).scalars, key)
        }
        let x = Tensor.randn([1, 1, 16, 8], generator: RandomGenerator(seed: 3))
        let y = try GradMode.noGrad { try vae(x) }
        XCTAssertEqual(y.shape, [1, 1, 16, 8])
        XCTAssertTrue(y.scalars.allSatisfy(\.isFinite))
    }

    func testAutogradForwardMatchesNoGradAndEveryParameterGetsAGradient() throws {
        let vae = try fixtureModel()
        let cases = try Fixture.cases("vae")
        let x = try cases.tensor("input")
        let reference = try GradMode.noGrad { try vae.decode(vae.encode(x).sample(generator: RandomGenerator(seed: 5))) }
        let posterior = try GradMode.enableGrad { try vae.encode(x) }
        let out = try GradMode.enableGrad { try vae.decode(posterior.sample(generator: RandomGenerator(seed: 5))) }
        XCTAssertTrue(out.requiresGrad)
        XCTAssertLessThanOrEqual(Parity.relative(out, reference), 1e-5)
        let loss = try GradMode.enableGrad {
            try (out * GradCheck.weights(like: out)).sum() + posterior.kl().sum() * 1e-3
        }
        try loss.backward()
        XCTAssertEqual(GradCheck.parametersWithoutGradient(vae), [])
        XCTAssertEqual(vae.namedParameters().count, 124)
    }

    func testPosteriorSampleKLAndNLL() throws {
        let mean = Tensor(shape: [1, 1, 1, 2], data: [0.5, -1])
        let logvar = Tensor(shape: [1, 1, 1, 2], data: [0.2, 40])  // 40 clamps to 20
        let p = try DiagonalGaussianDistribution(parameters: Tensor.concat([mean, logvar], axis: 1))
        XCTAssertEqual(p.logvar.scalars, [0.2, 20])
        XCTAssertEqual(p.std.scalars[0], exp(0.1), accuracy: 1e-6)
        XCTAssertEqual(p.mode.scalars, [0.5, -1])
        let noise = Tensor.randn([1, 1, 1, 2], generator: RandomGenerator(seed: 11))
        let s = try p.sample(generator: RandomGenerator(seed: 11))
        XCTAssertEqual(s.scalars[0], 0.5 + exp(0.1) * noise.scalars[0], accuracy: 1e-5)
        XCTAssertEqual(s.scalars[1], -1 + exp(10) * noise.scalars[1], accuracy: 1e-5 * exp(10))
        let expectedKL = 0.5 * ((0.25 + exp(0.2) - 1 - 0.2) + (1 + exp(20) - 1 - 20))
        XCTAssertEqual(try p.kl().item, Float(expectedKL), accuracy: Float(expectedKL) * 1e-5)
        XCTAssertEqual(try p.kl(p).item, 0, accuracy: 1e-3)
        let x = Tensor(shape: [1, 1, 1, 2], data: [0.5, -1])
        let nll = 0.5 * (log(2 * Double.pi) * 2 + 0.2 + 20)
        XCTAssertEqual(Double(try p.nll(x).item), nll, accuracy: 1e-4)
    }

    func testLegacyAttentionKeysAreRenamed() throws {
        let w = Tensor.randn([16, 16, 1, 1], generator: RandomGenerator(seed: 1))
        let state = ["encoder.mid_block.attentions.0.query.weight": w,
                     "encoder.mid_block.attentions.0.proj_attn.bias": Tensor.zeros([16]),
                     "encoder.conv_in.weight": Tensor.zeros([8, 1, 3, 3])]
        let out = try AutoencoderKL.convertLegacyAttentionKeys(state)
        XCTAssertEqual(Set(out.keys), ["encoder.mid_block.attentions.0.to_q.weight",
                                       "encoder.mid_block.attentions.0.to_out.0.bias", "encoder.conv_in.weight"])
        XCTAssertEqual(out["encoder.mid_block.attentions.0.to_q.weight"]!.shape, [16, 16])
        XCTAssertEqual(out["encoder.mid_block.attentions.0.to_q.weight"]!.scalars, w.scalars)
    }

    func testLegacyCheckpointFolderLoads() throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("foley-legacy-vae-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: dir) }
        let source = Fixture.url("audioldm_pipeline", "model", "vae")
        try FileManager.default.copyItem(at: source.appendingPathComponent("config.json"), to: dir.appendingPathComponent("config.json"))
        var legacy: [String: Tensor] = [:]
        let names = [".to_q.": ".query.", ".to_k.": ".key.", ".to_v.": ".value.", ".to_out.0.": ".proj_attn."]
        for (k, t) in try SafeTensorsFile(path: source.appendingPathComponent("diffusion_pytorch_model.safetensors").path).all() {
            var name = k, tensor = t
            for (new, old) in names where k.contains(new) {
                name = k.replacingOccurrences(of: new, with: old)
                if t.rank == 2 { tensor = try t.reshape(t.shape + [1, 1]) }
            }
            legacy[name] = tensor
        }
        XCTAssertNotNil(legacy["decoder.mid_block.attentions.0.proj_attn.weight"])
        try SafeTensorsFile.save(legacy, to: dir.appendingPathComponent("diffusion_pytorch_model.safetensors").path)
        let old = try AutoencoderKL.load(folder: dir), current = try AutoencoderKL.load(folder: source)
        for (k, t) in current.stateDict() { XCTAssertEqual(old.stateDict()[k]?.scalars, t.scalars, k) }
    }

    func testBadInputsAndConfigsAreNamed() throws {
        let vae = try fixtureModel()
        XCTAssertThrowsError(try vae.encode(Tensor.zeros([1, 3, 8, 8]))) { e in
            XCTAssertTrue("\(e)".contains("[B, 1, H, W]"), "\(e)")
        }
        var c = AutoencoderKLConfig()
        c.blockOutChannels = [8, 16]
        c.downBlockTypes = ["DownEncoderBlock2D", "DownEncoderBlock2D"]
        c.upBlockTypes = ["UpDecoderBlock2D", "AttnUpDecoderBlock2D"]
        c.normNumGroups = 8
        XCTAssertThrowsError(try AutoencoderKL(config: c)) { e in
            XCTAssertTrue("\(e)".contains("up_block_types[1]"), "\(e)")
        }
        // norm_num_groups 0 used to divide by zero inside the very check meant to catch it.
        c = AutoencoderKLConfig()
        c.normNumGroups = 0
        XCTAssertThrowsError(try AutoencoderKL(config: c)) { e in
            XCTAssertEqual("\(e)", "norm_num_groups: 0 is out of range (expected 1...65536)")
        }
        c = AutoencoderKLConfig()
        c.normNumGroups = 24
        XCTAssertThrowsError(try AutoencoderKL(config: c)) { e in
            XCTAssertEqual("\(e)", "norm_num_groups: 24 groups do not divide 64 channels of block_out_channels")
        }
        c = AutoencoderKLConfig()
        c.latentChannels = 0
        XCTAssertThrowsError(try AutoencoderKL(config: c)) { e in
            XCTAssertEqual("\(e)", "latent_channels: 0 is out of range (expected 1...65536)")
        }
        c = AutoencoderKLConfig()
        c.scalingFactor = .infinity
        XCTAssertThrowsError(try AutoencoderKL(config: c)) { e in
            XCTAssertTrue("\(e)".hasPrefix("scaling_factor: inf is out of range"), "\(e)")
        }
    }
}
