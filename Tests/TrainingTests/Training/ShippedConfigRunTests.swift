import Diffusion
import NN
import Foundation
import Tensors
import Text
@testable import Training
import XCTest

/// The shipped tiny configs run end to end: preprocess -> tiny-vae -> tiny-ldm (finding the VAE through the stage-1
/// experiment folder and reusing its measured scale) -> fine-tuning with --init-from, and a trainable text encoder.
final class ShippedConfigRunTests: XCTestCase {
    override func setUpWithError() throws {
        guard TrainFixture.miniLMAvailable else { throw MissingPrerequisite("all-MiniLM-L6-v2 not found: run scripts/setup") }
    }

    func shipped(_ name: String, data: URL, runs: URL) throws -> TrainingConfig {
        let text = try String(contentsOf: ConfigTests.configsFolder.appendingPathComponent(name + ".yaml"), encoding: .utf8)
            .replacingOccurrences(of: "dataset: data/mine", with: "dataset: \(data.path)")
            .replacingOccurrences(of: "pretrained_vae: runs/tiny-vae", with: "pretrained_vae: \(runs.path)/tiny-vae")
        return try TrainingConfig.parse(yaml: text, defaultName: name)
    }

    func testTinyConfigsChainAndFineTune() throws {
        let root = try TrainFixture.tempDir("chain")
        defer { try? FileManager.default.removeItem(at: root) }
        let data = try TrainFixture.dataset(root, count: 4)
        let runs = root.appendingPathComponent("runs")
        var opts = TrainFixture.quiet(runs)
        opts.maxSteps = 4

        let v = try TrainingRunner.run(config: try shipped("tiny-vae", data: data, runs: runs), options: opts)
        XCTAssertEqual(v.exported?.lastPathComponent, "vae")
        let vaeScale = try XCTUnwrap(try Checkpoint.load(path: try XCTUnwrap(v.checkpoint)).state.scalingFactor)

        var messages: [String] = []
        var lopts = opts
        lopts.log = { messages.append($0) }
        let ldmConfig = try shipped("tiny-ldm", data: data, runs: runs)
        let ldm = try LDMTrainer(config: ldmConfig, options: lopts, conditioner: try TrainFixture.conditioner())
        XCTAssertEqual(ldm.scalingFactor, vaeScale, "stage 2 uses the factor stage 1 measured")
        XCTAssertFalse(messages.contains { $0.hasPrefix("measured") })
        XCTAssertTrue(messages.contains { $0.hasPrefix("frozen VAE: diffusers folder \(runs.path)/tiny-vae/vae") }, "\(messages)")
        let l = try ldm.run()
        let model = try XCTUnwrap(l.exported)
        let yaml = try String(contentsOf: model.appendingPathComponent("foley.yaml"), encoding: .utf8)
        for line in ["name: tiny-ldm", "sample_rate: 16000", "conditioning: both", "text_encoder: minilm", "vocoder: griffin-lim", "n_mels: 64"] {
            XCTAssertTrue(yaml.contains(line), "foley.yaml lacks '\(line)':\n\(yaml)")
        }
        let unetJSON = try JSONSerialization.jsonObject(with: Data(contentsOf: model.appendingPathComponent("unet/config.json"))) as! [String: Any]
        XCTAssertEqual(unetJSON["class_embed_type"] as? String, "simple_projection")
        XCTAssertEqual(unetJSON["projection_class_embeddings_input_dim"] as? Int, 384)
        XCTAssertEqual(unetJSON["cross_attention_dim"] as? Int, 384)
        XCTAssertEqual(unetJSON["_class_name"] as? String, "UNet2DConditionModel")

        // Fine-tune from the exported folder: the UNet starts from its (EMA) weights; v-prediction this time.
        let v2 = ldmConfig.yaml.replacingOccurrences(of: "prediction_type: epsilon", with: "prediction_type: v_prediction")
        var fopts = TrainFixture.quiet(runs, name: "finetune")
        fopts.initFrom = model.path
        fopts.maxSteps = 2
        let ft = try LDMTrainer(config: try TrainingConfig.parse(yaml: v2), options: fopts, conditioner: try TrainFixture.conditioner())
        let exported = try SafeTensorsFile(path: model.appendingPathComponent("unet/diffusion_pytorch_model.safetensors").path)
        XCTAssertEqual(ft.unet.stateDict()["conv_in.weight"]!.scalars, try exported.tensor("conv_in.weight").scalars)
        let r = try ft.run()
        XCTAssertEqual(r.step, 2)
        let sched = try SamplerConfig.load(path: try XCTUnwrap(r.exported).appendingPathComponent("scheduler/scheduler_config.json").path)
        XCTAssertEqual(sched.predictionType, "v_prediction")
        XCTAssertNotEqual(ft.unet.stateDict()["conv_in.weight"]!.scalars, try exported.tensor("conv_in.weight").scalars)
    }

    /// text_encoder.freeze: false trains MiniLM with the UNet; its weights go into the checkpoint and the exported
    /// folder's text_encoder/, which the pipeline then loads.
    func testTrainableTextEncoderIsSavedAndExported() throws {
        let root = try TrainFixture.tempDir("te")
        defer { try? FileManager.default.removeItem(at: root) }
        let data = try TrainFixture.dataset(root, count: 2)
        let vae = try TrainFixture.vaeCheckpoint(root)
        let yaml = TrainFixture.ldmYAML(data: data, vae: vae, steps: 2).replacingOccurrences(of: "inference:", with: "text_encoder:\n  freeze: false\ninference:")
            .replacingOccurrences(of: "batch_size: 4", with: "batch_size: 2")
        let cfg = try TrainingConfig.parse(yaml: yaml)
        XCTAssertFalse(cfg.textEncoder.freeze)
        // Its own encoder instance: training changes it.
        let enc = try TextConditioner.load(encoderFolder: FoleyPaths.miniLM)
        let t = try LDMTrainer(config: cfg, options: TrainFixture.quiet(root.appendingPathComponent("runs")), conditioner: enc)
        let bert = try XCTUnwrap(enc.encoder as? NN.Module)
        let name = "encoder.layer.5.output.dense.bias"
        let before = try XCTUnwrap(bert.stateDict()[name]).scalars
        let r = try t.run()
        XCTAssertEqual(t.cachedCaptions, 0, "a trained encoder is run every step, never cached")
        let after = bert.stateDict()[name]!.scalars
        XCTAssertGreaterThan(zip(before, after).map { abs($0 - $1) }.max()!, 1e-5, "the encoder's weights moved")
        let ck = try Checkpoint.load(path: try XCTUnwrap(r.checkpoint))
        XCTAssertEqual(ck.state.textEncoderTrained, true)
        XCTAssertTrue(try ck.tensors(prefix: "text_encoder.")[name]?.scalars == after)
        let folder = try XCTUnwrap(r.exported)
        XCTAssertTrue(try String(contentsOf: folder.appendingPathComponent("foley.yaml"), encoding: .utf8).contains("text_encoder: text_encoder"))
        let pipe = try TextToAudioPipeline.load(folder: folder)
        let loaded = try XCTUnwrap(pipe.conditioner?.encoder as? NN.Module)
        XCTAssertTrue(loaded.stateDict()[name]!.scalars == after)
    }
}


