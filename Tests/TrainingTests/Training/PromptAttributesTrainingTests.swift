import Diffusion
import Foundation
import Tensors
import TestSupport
import Text
@testable import Training
import XCTest

/// `model.prompt_attributes`: the class embedding reads the caption's stated pitches and count after the pooled vector,
/// in training, in the exported folder and in generation alike.
final class PromptAttributesTrainingTests: XCTestCase {
    func testTrainsExportsAndGeneratesWithPromptAttributes() throws {
        guard TrainFixture.miniLMAvailable else {
            throw MissingPrerequisite("all-MiniLM-L6-v2 not found at \(FoleyPaths.miniLM.path): run scripts/setup")
        }
        let root = try TrainFixture.tempDir("attributes")
        defer { try? FileManager.default.removeItem(at: root) }
        let data = try TrainFixture.dataset(root, count: 4)
        let runs = root.appendingPathComponent("runs")
        let vae = try TrainFixture.vaeCheckpoint(root)
        let yaml = TrainFixture.ldmYAML(data: data, vae: vae, steps: 2)
            .replacingOccurrences(of: "  conditioning: both", with: "  conditioning: both\n  prompt_attributes: true")
            .replacingOccurrences(of: "  guidance_scale: 2.0", with: "  guidance_scale: 2.0\n  model_defaults: true")
        let enc = try TrainFixture.conditioner()
        let trainer = try LDMTrainer(config: try TrainingConfig.parse(yaml: yaml), options: TrainFixture.quiet(runs), conditioner: enc)
        XCTAssertEqual(trainer.unet.config.projectionClassEmbeddingsInputDim, 384 + PromptAttributes.featureSize)
        let batch = try trainer.stage.conditioningBatch(["two beeps at 440 Hz", ""])
        XCTAssertEqual(Array(try XCTUnwrap(batch.attributes).scalars.prefix(PromptAttributes.featureSize)),
                       PromptAttributes(pitchesHz: [440], count: 2).features)
        let result = try trainer.run()
        XCTAssertEqual(result.step, 2)
        XCTAssertTrue(result.losses.allSatisfy { $0.loss.isFinite })

        let model = try XCTUnwrap(result.exported)
        let description = try String(contentsOf: model.appendingPathComponent("foley.yaml"), encoding: .utf8)
        XCTAssertTrue(description.contains("prompt_attributes: true"), description)
        let pipe = try TextToAudioPipeline.load(folder: model)
        XCTAssertTrue(pipe.promptAttributes)
        // inference.model_defaults: the folder samples with the recipe's 3 steps and guidance 2 unless told otherwise.
        XCTAssertTrue(description.contains("generation:"), description)
        XCTAssertEqual(pipe.defaults.steps, 3)
        XCTAssertEqual(pipe.defaults.guidanceScale, 2)
        if let foley = TestSupport.foleyExecutable() {
            let out = root.appendingPathComponent("out.wav")
            for (args, steps) in [([String](), 3), (["--steps", "2"], 2)] {
                let r = try TestSupport.run(foley, ["generate", "a beep", "--model", model.path, "--seconds", "0.3", "--out", out.path] + args)
                XCTAssertEqual(r.status, 0, r.output)
                let sidecar = try XCTUnwrap(try JSONSerialization.jsonObject(with: Data(contentsOf: root.appendingPathComponent("out.json"))) as? [String: Any])
                XCTAssertEqual(sidecar["steps"] as? Int, steps, "\(sidecar)")
                XCTAssertEqual(sidecar["guidance"] as? Double, 2, "\(sidecar)")
            }
        }
        var o = GenerationOptions.defaults
        o.prompts = ["three beeps at 2 kHz"]
        o.steps = 2
        o.seconds = 0.3
        let a = try pipe.generate(o)
        XCTAssertEqual(a.waveforms[0].count, 4800)
        XCTAssertTrue(a.waveforms[0].allSatisfy(\.isFinite))
        // Only the stated numbers differ between these prompts' class inputs beyond the text: the features do reach the UNet.
        o.prompts = ["three beeps at 200 Hz"]
        let b = try pipe.generate(o)
        XCTAssertNotEqual(a.waveforms[0], b.waveforms[0])

        // A folder whose description and UNet disagree is refused at load, naming the key and both widths.
        let plain = root.appendingPathComponent("plain")
        try FileManager.default.copyItem(at: model, to: plain)
        let yamlFile = plain.appendingPathComponent("foley.yaml")
        try description.replacingOccurrences(of: "prompt_attributes: true", with: "prompt_attributes: false")
            .write(to: yamlFile, atomically: true, encoding: .utf8)
        XCTAssertThrowsError(try TextToAudioPipeline.load(folder: plain)) { e in
            XCTAssertEqual("\(e)", "prompt_attributes: the UNet's class embedding takes \(384 + PromptAttributes.featureSize) inputs, but this model feeds it 384 (384 pooled, prompt_attributes off)")
        }
        // Fine-tuning it from a config that leaves the attributes out is refused at the door, naming the key.
        var from = TrainFixture.quiet(runs, name: "from-model")
        from.initFrom = model.path
        XCTAssertThrowsError(try LDMTrainer(config: try TrainingConfig.parse(yaml: TrainFixture.ldmYAML(data: data, vae: vae, steps: 1)),
                                            options: from, conditioner: enc)) { e in
            XCTAssertEqual("\(e)", "config key 'model.prompt_attributes': found false, expected true (the UNet's class embedding takes \(384 + PromptAttributes.featureSize) inputs: pooled text and the \(PromptAttributes.featureSize) prompt-attribute features)")
        }
        // Cross-attention alone has no class embedding to feed.
        let tokensOnly = yaml.replacingOccurrences(of: "  conditioning: both", with: "  conditioning: tokens")
        XCTAssertThrowsError(try TrainingConfig.parse(yaml: tokensOnly)) { e in
            XCTAssertTrue("\(e)".contains("model.prompt_attributes"), "\(e)")
        }
    }
}
