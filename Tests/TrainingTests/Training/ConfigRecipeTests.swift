import Foundation
@testable import Training
import XCTest

final class ConfigRecipeTests: XCTestCase {
    static var recipe: String { ConfigTests.configsFolder.appendingPathComponent("default-model.yaml").path }

    /// The recipe's last stage is the config the shipped UNet was trained with (models/default/training.yaml, the
    /// self-contained config its export recorded), so the one file rebuilds the shipped model.
    func testRecipeRebuildsTheShippedModelsConfig() throws {
        let names = try XCTUnwrap(try ConfigRecipe.stageNames(path: Self.recipe))
        XCTAssertEqual(names.first, "default-vae")
        XCTAssertEqual(names.last, "default-ldm-registers")
        XCTAssertEqual(names.count, 11)
        let shipped = try TrainingConfig.load(path: TrainFixture.repositoryRoot.appendingPathComponent("models/default/training.yaml").path)
        let stage = try TrainingConfig.load(path: Self.recipe, stage: "default-ldm-registers")
        XCTAssertEqual(stage.name, shipped.name)
        XCTAssertEqual(stage.ldm, shipped.ldm)
        XCTAssertEqual(stage.data, shipped.data)
        XCTAssertEqual(stage.train, shipped.train)
        XCTAssertEqual(stage.diffusion, shipped.diffusion)
        XCTAssertEqual(stage.textEncoder, shipped.textEncoder)
        XCTAssertEqual(stage.inference, shipped.inference)
        // The `#stage` spelling (for places that take one path, as the Lua trainer) picks the same stage.
        let hashed = try TrainingConfig.load(path: Self.recipe + "#default-ldm-registers")
        XCTAssertEqual(hashed.train, stage.train)
        // A stage's resolved text is self-contained: it parses alone to the same settings.
        XCTAssertFalse(stage.yaml.contains("\nbase:"), stage.yaml)
        XCTAssertFalse(stage.yaml.contains("stages:"), stage.yaml)
        XCTAssertEqual(try TrainingConfig.parse(yaml: stage.yaml).train, stage.train)
        // Every stage resolves.
        for n in names { XCTAssertEqual(try TrainingConfig.load(path: Self.recipe, stage: n).name, n) }
    }

    /// The second generation's recipe (scripts/train-default-model-2): four stages from nothing, the UNet one rectified
    /// flow reading the captions' stated numbers, through the VAE and contrastive model the earlier stages train.
    func testSecondGenerationRecipe() throws {
        let path = ConfigTests.configsFolder.appendingPathComponent("default-model-2.yaml").path
        XCTAssertEqual(try ConfigRecipe.stageNames(path: path), ["default2-vae", "default2-vae-decoder", "default2-clap", "default2-ldm"])
        let vae = try TrainingConfig.load(path: path, stage: "default2-vae"), decoder = try TrainingConfig.load(path: path, stage: "default2-vae-decoder")
        XCTAssertEqual(vae.stage, .vae)
        XCTAssertEqual(decoder.data.dataset, vae.data.dataset)
        XCTAssertTrue(decoder.train.freezeEncoder)
        let clap = try TrainingConfig.load(path: path, stage: "default2-clap")
        XCTAssertEqual(clap.stage, .clap)
        let ldm = try TrainingConfig.load(path: path, stage: "default2-ldm")
        let m = try XCTUnwrap(ldm.ldm)
        XCTAssertTrue(m.promptAttributes)
        XCTAssertEqual(m.pretrainedVAE, "runs/\(vae.name)", "stage 1's latents (1b keeps its encoder)")
        XCTAssertEqual(m.contrastive, "runs/\(clap.name)")
        XCTAssertEqual(ldm.data.dataset, clap.data.dataset)
        XCTAssertEqual(ldm.diffusion.predictionType, "flow_prediction")
        XCTAssertEqual(ldm.inference.sampler, "flow_euler")
        XCTAssertTrue(ldm.data.latents)
        XCTAssertEqual(ldm.train.seed, 2)
    }

    func testRecipeErrorsNameTheStagesAndTheFile() throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("foley-recipe-\(getpid())-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: dir) }
        let plain = dir.appendingPathComponent("plain.yaml")
        try "name: p\nmodel:\n  type: AutoencoderKL\ndata:\n  dataset: /tmp/x\ntrain:\n  max_steps: 1000\n".write(to: plain, atomically: true, encoding: .utf8)
        func recipe(_ text: String) throws -> String {
            let url = dir.appendingPathComponent("r-\(UUID().uuidString).yaml")
            try text.write(to: url, atomically: true, encoding: .utf8)
            return url.path
        }
        func message(_ body: () throws -> Void) -> String {
            do { try body(); return "no error" } catch { return "\(error)" }
        }
        let two = try recipe("stages:\n  - name: first\n    base: plain.yaml\n  - name: second\n    base: first\n    train:\n      max_steps: 7\n")
        // A stage's base may be an earlier stage; its own keys override.
        let second = try TrainingConfig.load(path: two, stage: "second")
        XCTAssertEqual(second.name, "second")
        XCTAssertEqual(second.stage, .vae)
        XCTAssertEqual(second.train.maxSteps, 7)
        XCTAssertEqual(try TrainingConfig.load(path: two, stage: "first").train.maxSteps, TrainingConfig.TrainConfig().maxSteps)

        let none = message { _ = try TrainingConfig.load(path: two) }
        XCTAssertTrue(none.contains("--stage") && none.contains("first, second"), none)
        let typo = message { _ = try TrainingConfig.load(path: two, stage: "secnd") }
        XCTAssertTrue(typo.contains("no stage 'secnd'") && typo.contains("did you mean 'second'"), typo)
        let onPlain = message { _ = try TrainingConfig.load(path: plain.path, stage: "first") }
        XCTAssertTrue(onPlain.contains("plain config has no stages"), onPlain)
        // A base may name only an earlier stage: a later one reads as a (missing) file.
        let later = try recipe("stages:\n  - name: a\n    base: b\n  - name: b\n    base: plain.yaml\n")
        let laterMessage = message { _ = try TrainingConfig.load(path: later, stage: "a") }
        XCTAssertTrue(laterMessage.contains("cannot read the base config"), laterMessage)
        let twice = try recipe("stages:\n  - name: a\n    base: plain.yaml\n  - name: a\n    base: plain.yaml\n")
        let twiceMessage = message { _ = try TrainingConfig.load(path: twice, stage: "a") }
        XCTAssertTrue(twiceMessage.contains("unique stage names"), twiceMessage)
        let beside = try recipe("train:\n  max_steps: 3\nstages:\n  - name: a\n    base: plain.yaml\n")
        let besideMessage = message { _ = try TrainingConfig.load(path: beside, stage: "a") }
        XCTAssertTrue(besideMessage.contains("'train'") || besideMessage.contains("train"), besideMessage)
        XCTAssertTrue(besideMessage.contains("only 'stages:'"), besideMessage)
        let empty = try recipe("stages: []\n")
        XCTAssertTrue(message { _ = try TrainingConfig.load(path: empty, stage: "a") }.contains("non-empty list"))
    }
}
