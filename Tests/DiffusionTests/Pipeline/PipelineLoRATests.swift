import Diffusion
import Foundation
import NN
import Tensors
import XCTest

/// LoRA against diffusers + PEFT (Tests/Fixtures/lora, scripts/reference/lora_fixtures.py) both ways, and the
/// pipeline's adapter controls.
final class PipelineLoRATests: XCTestCase {
    func baseUNet() throws -> UNet2DConditionModel {
        let unet = try UNet2DConditionModel(config: Fixture.config(UNet2DConditionConfig.self, "unet_crossattn"))
        try unet.load(safetensors: Fixture.url("unet_crossattn", "weights.safetensors").path)
        unet.eval()
        return unet
    }

    func run(_ unet: UNet2DConditionModel) throws -> Tensor {
        let c = try Fixture.cases("unet_crossattn")
        return try GradMode.noGrad {
            try unet(c.tensor("sample"), timesteps: c.tensor("timestep").scalars, encoderHiddenStates: c.tensor("encoder_hidden_states"))
        }
    }

    /// diffusers -> Foley: the adapter diffusers saved gives diffusers' output, at scale 1 and 0.5, and detaching
    /// gives the base output back.
    func testDiffusersAdapterMatchesDiffusersOutput() throws {
        let unet = try baseUNet()
        let cases = try Fixture.cases("lora")
        let parts = try LoRAFile.read(Fixture.url("lora", "diffusers_adapter.safetensors").path)
        XCTAssertEqual(Array(parts.keys), ["unet"])
        let part = try XCTUnwrap(parts["unet"])
        XCTAssertEqual(part.config.rank, 4)
        XCTAssertEqual(part.config.alpha, 6)
        let adapter = try LoRAAdapter.attach(to: unet, name: "default", weights: part.weights, config: part.config, source: "fixture")
        XCTAssertEqual(adapter.layers.count, 32)  // 4 transformer blocks (1 down, 2 up, 1 mid) x 2 attentions x 4 projections
        Parity.check(try run(unet), try cases.tensor("output"), "lora output scale 1")
        adapter.scale = 0.5
        Parity.check(try run(unet), try cases.tensor("output_scale_half"), "lora output scale 0.5")
        adapter.detach()
        Parity.check(try run(unet), try cases.tensor("base_output"), "lora detached = base")
    }

    /// Foley's own adapter, written as diffusers writes one: the committed copy is what diffusers loaded through
    /// `load_lora_adapter(prefix="unet")` to make `foley_written_output`; Foley must still write those exact bytes
    /// and compute the same output from them.
    func testFoleyWrittenAdapterLoadsInDiffusers() throws {
        let unet = try baseUNet()
        let adapter = try LoRAAdapter.attach(to: unet, name: "foley", config: LoRAConfig(rank: 2, alpha: 3, targets: ["to_q", "to_v", "ff.net.2"]),
                                             generator: RandomGenerator(seed: 5))
        let g = RandomGenerator(seed: 6)
        for (_, _, l) in adapter.layers { try l.up.assign(Tensor.randn(l.up.shape, generator: g) * 0.3) }
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("lora-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: dir) }
        let written = dir.appendingPathComponent("foley.safetensors").path
        try LoRAFile.write([(prefix: "unet", adapter: adapter)], to: written)
        if let keep = ProcessInfo.processInfo.environment["FOLEY_KEEP_LORA_FILE"] { try? FileManager.default.copyItem(atPath: written, toPath: keep) }
        let committed = Fixture.url("lora", "foley_written.safetensors")
        XCTAssertEqual(try Data(contentsOf: URL(fileURLWithPath: written)), try Data(contentsOf: committed),
                       "Foley's adapter file changed; diffusers' output for it (foley_written_output) must be regenerated")
        let mine = try run(unet)
        adapter.detach()
        let part = try XCTUnwrap(try LoRAFile.read(committed.path)["unet"])
        XCTAssertEqual(part.config.alpha, 3)
        XCTAssertEqual(part.config.rank, 2)
        _ = try LoRAAdapter.attach(to: unet, name: "reloaded", weights: part.weights, config: part.config, source: committed.path)
        let reloaded = try run(unet)
        XCTAssertEqual(reloaded.scalars, mine.scalars)
        Parity.check(reloaded, try Fixture.cases("lora").tensor("foley_written_output"), "foley-written adapter in diffusers")
    }

    func testMergeFoldsTheAdapterIntoTheWeights() throws {
        let unet = try baseUNet()
        let part = try XCTUnwrap(try LoRAFile.read(Fixture.url("lora", "diffusers_adapter.safetensors").path)["unet"])
        let adapter = try LoRAAdapter.attach(to: unet, name: "m", weights: part.weights, config: part.config, source: "fixture")
        adapter.scale = 0.5
        try adapter.merge()
        XCTAssertFalse(adapter.isAttached)
        XCTAssertTrue(unet.namedModules().allSatisfy { (($0.1 as? Linear)?.loraLayers.isEmpty) ?? true })
        Parity.check(try run(unet), try Fixture.cases("lora").tensor("output_scale_half"), "merged lora at 0.5")
    }

    func testBadAdaptersAreRefusedByName() throws {
        let unet = try baseUNet()
        XCTAssertThrowsError(try LoRAAdapter.attach(to: unet, name: "c", config: LoRAConfig(targets: ["proj_in"]), generator: RandomGenerator(seed: 1))) {
            XCTAssertTrue("\($0)".contains("Linear layers only"), "\($0)")
        }
        XCTAssertThrowsError(try LoRAAdapter.attach(to: unet, name: "c", config: LoRAConfig(targets: ["nope"]), generator: RandomGenerator(seed: 1))) {
            XCTAssertTrue("\($0)".contains("match no Linear layer"), "\($0)")
        }
        let part = try XCTUnwrap(try LoRAFile.read(Fixture.url("lora", "diffusers_adapter.safetensors").path)["unet"])
        var w = part.weights
        let k = try XCTUnwrap(w.keys.first { $0.hasSuffix("to_q.lora_A.weight") })
        w[k] = Tensor.zeros([4, 3])
        XCTAssertThrowsError(try LoRAAdapter.attach(to: unet, name: "x", weights: w, config: part.config, source: "bad.safetensors")) {
            XCTAssertTrue("\($0)".contains("bad.safetensors") && "\($0)".contains("expected [r, 16]"), "\($0)")
        }
        var foreign = part.weights
        foreign["mid_block.attentions.0.transformer_blocks.0.attn9.to_q.lora_A.weight"] = Tensor.zeros([4, 16])
        foreign["mid_block.attentions.0.transformer_blocks.0.attn9.to_q.lora_B.weight"] = Tensor.zeros([16, 4])
        XCTAssertThrowsError(try LoRAAdapter.attach(to: unet, name: "y", weights: foreign, config: part.config, source: "f")) {
            XCTAssertTrue("\($0)".contains("does not have"), "\($0)")
        }
    }
}
