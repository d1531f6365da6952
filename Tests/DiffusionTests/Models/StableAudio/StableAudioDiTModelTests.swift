import Diffusion
import Foundation
import NN
import Tensors
import XCTest

/// StableAudioDiTModel against a tiny random diffusers 0.42 module (Tests/Fixtures/stable_audio_dit, made by
/// scripts/reference/stable_audio_fixtures.py dit): 4 query heads over 2 key/value heads, head dim 8, 2 layers.
final class StableAudioDiTModelTests: XCTestCase {
    func fixtureModel() throws -> StableAudioDiTModel { try StableAudioDiTModel.load(folder: Fixture.url("stable_audio_dit", "transformer")) }

    func testConfigReadsDiffusersKeysAndDefaults() throws {
        let c = try Fixture.config(StableAudioDiTConfig.self, "stable_audio_dit/transformer")
        XCTAssertEqual(c.numAttentionHeads, 4)
        XCTAssertEqual(c.numKeyValueAttentionHeads, 2)
        XCTAssertEqual(c.innerDim, 32)
        XCTAssertEqual(c.rotaryDim, 4)
        let d = try ModelConfig.decode(StableAudioDiTConfig.self, from: Data("{}".utf8), path: "config.json")
        XCTAssertEqual(d, StableAudioDiTConfig())
        XCTAssertEqual(d.innerDim, 1536)
        XCTAssertEqual(d.globalStatesInputDim, 1536)
    }

    func testLoadsEveryTensorByItsDiffusersName() throws {
        let model = try fixtureModel()
        let file = try SafeTensorsFile(path: Fixture.url("stable_audio_dit", "transformer", "diffusion_pytorch_model.safetensors").path)
        XCTAssertEqual(Set(model.stateDict().keys), Set(file.keys))
        XCTAssertEqual(model.stateDict()["time_proj.weight"]!.scalars, try file.tensor("time_proj.weight").scalars)
        XCTAssertNil(model.stateDict()["transformer_blocks.0.attn1.to_q.bias"])  // no attention biases
    }

    func testRotaryTablesMatchDiffusers() throws {
        let cases = try Fixture.cases("stable_audio_dit")
        let rotary = RotaryEmbedding(dim: 4, length: 11)
        Parity.check(rotary.cos, try cases.tensor("rotary_cos"), tol: 1e-6, "dit rotary cos")
        Parity.check(rotary.sin, try cases.tensor("rotary_sin"), tol: 1e-6, "dit rotary sin")
    }

    func testForwardMatchesReference() throws {
        let model = try fixtureModel()
        let cases = try Fixture.cases("stable_audio_dit")
        let x = try cases.tensor("hidden_states"), text = try cases.tensor("encoder_hidden_states")
        let global = try cases.tensor("global_hidden_states")
        let out = try GradMode.noGrad {
            try model(x, timestep: cases.tensor("timestep"), encoderHiddenStates: text, globalHiddenStates: global)
        }
        Parity.check(out, try cases.tensor("output"), "dit output")
        // One timestep for the whole batch, as the pipeline passes t.unsqueeze(0).
        let shared = try GradMode.noGrad {
            try model(x, timestep: cases.tensor("timestep_shared"), encoderHiddenStates: text, globalHiddenStates: global)
        }
        Parity.check(shared, try cases.tensor("output_shared"), "dit output_shared")
    }

    func testBadConfigValuesAreRefusedByName() {
        func message(_ edit: (inout StableAudioDiTConfig) -> Void) -> String {
            var c = StableAudioDiTConfig()
            c.numLayers = 1
            edit(&c)
            do { _ = try StableAudioDiTModel(config: c); return "no error" } catch { return "\(error)" }
        }
        XCTAssertEqual(message { $0.numAttentionHeads = 0 }, "num_attention_heads: expected a positive integer, got 0")
        XCTAssertEqual(message { $0.numKeyValueAttentionHeads = 0 }, "num_key_value_attention_heads: expected a positive integer, got 0")
        XCTAssertEqual(message { $0.numKeyValueAttentionHeads = 5 },
                       "num_key_value_attention_heads: expected a divisor of num_attention_heads (24), got 5")
        XCTAssertEqual(message { $0.attentionHeadDim = 6 },
                       "attention_head_dim: expected a multiple of 4 (the rotary half is split in two halves), got 6")
        XCTAssertEqual(message { $0.timeProjDim = 7 }, "time_proj_dim: expected an even number (cos and sin halves), got 7")
        XCTAssertEqual(message { $0.numLayers = -1 }, "num_layers: expected a positive integer, got -1")
    }

    func testInputShapesAreChecked() throws {
        let model = try fixtureModel()
        let x = Tensor.zeros([2, 4, 6]), text = Tensor.zeros([2, 3, 10]), global = Tensor.zeros([2, 1, 20])
        func message(_ f: () throws -> Tensor) -> String { do { _ = try f(); return "no error" } catch { return "\(error)" } }
        XCTAssertEqual(message { try model(Tensor.zeros([2, 3, 6]), timestep: Tensor([0.5]), encoderHiddenStates: text, globalHiddenStates: global) },
                       "hidden_states: expected [batch, 4, frames], got [2, 3, 6]")
        XCTAssertEqual(message { try model(x, timestep: Tensor([0.1, 0.2, 0.3]), encoderHiddenStates: text, globalHiddenStates: global) },
                       "timestep: expected 1 or 2 values, got shape [3]")
        XCTAssertEqual(message { try model(x, timestep: Tensor([0.5]), encoderHiddenStates: Tensor.zeros([2, 3, 9]), globalHiddenStates: global) },
                       "encoder_hidden_states: expected [2, tokens, 10], got [2, 3, 9]")
        XCTAssertEqual(message { try model(x, timestep: Tensor([0.5]), encoderHiddenStates: text, globalHiddenStates: Tensor.zeros([2, 20])) },
                       "global_hidden_states: expected [2, 1, 20], got [2, 20]")
        XCTAssertEqual(try model(x, timestep: Tensor([0.5]), encoderHiddenStates: text, globalHiddenStates: global).shape, [2, 4, 6])
    }
}
