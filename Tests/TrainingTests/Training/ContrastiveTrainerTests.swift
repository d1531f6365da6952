import Diffusion
import Foundation
import NN
import Tensors
import Text
@testable import Training
import XCTest

/// The contrastive audio-text stage: its config, that it learns to match clips with their captions, its recall, and
/// that an LDM conditioned through it exports a folder whose pipeline uses it.
final class ContrastiveTrainerTests: XCTestCase {
    static func yaml(data: URL, steps: Int = 40, extra: String = "") -> String {
        """
        name: tiny-clap-test
        model:
          type: ContrastiveAudioText
          block_out_channels: [8, 16]
          norm_num_groups: 4
          time_pooling: 2
          projection_hidden_dim: 32
          projection_dim: 16
        text_encoder:
          type: minilm
        data:
          dataset: \(data.path)
          batch_size: 6
          segment_frames: 64
        train:
          seed: 5
          max_steps: \(steps)
          learning_rate: 3.0e-3
          warmup_steps: 2
          lr_scheduler: constant
          log_every: 5
          checkpoint_every: 1000
        \(extra)
        """
    }

    func testConfigParsesAndNamesForbiddenKeys() throws {
        let data = URL(fileURLWithPath: "/tmp/data")
        let c = try TrainingConfig.parse(yaml: Self.yaml(data: data))
        XCTAssertEqual(c.stage, .clap)
        XCTAssertEqual(c.contrastive?.blockOutChannels, [8, 16])
        XCTAssertEqual(c.contrastive?.projectionDim, 16)
        XCTAssertTrue(c.data.dropLast, "contrastive batches need at least two clips, so drop_last defaults on")
        XCTAssertFalse(try TrainingConfig.parse(yaml: Self.yaml(data: data).replacingOccurrences(of: "  segment_frames: 64", with: "  segment_frames: 64\n  drop_last: false")).data.dropLast)
        func message(_ yaml: String) -> String {
            do { _ = try TrainingConfig.parse(yaml: yaml); return "no error" } catch { return "\(error)" }
        }
        XCTAssertTrue(message(Self.yaml(data: data, extra: "  text_dropout: 0.1")).contains("train.text_dropout"))
        XCTAssertTrue(message(Self.yaml(data: data) + "\ndiffusion:\n  num_train_timesteps: 10\n").contains("diffusion"))
        XCTAssertTrue(message(Self.yaml(data: data).replacingOccurrences(of: "norm_num_groups: 4", with: "norm_num_groups: 3")).contains("model.norm_num_groups"))
        XCTAssertTrue(message(Self.yaml(data: data).replacingOccurrences(of: "type: minilm", with: "type: minilm\n  freeze: false")).contains("text_encoder.freeze"))
    }

    func testRanksCountCandidatesAboveTheRightOne() {
        // Rows are queries; the right candidate of row i is column i.
        let s: [Float] = [0.9, 0.1, 0.2,
                          0.5, 0.4, 0.6,
                          0.3, 0.2, 0.1]
        XCTAssertEqual(ContrastiveRecall.ranks(s, n: 3, transposed: false), [0, 2, 2])
        XCTAssertEqual(ContrastiveRecall.ranks(s, n: 3, transposed: true), [0, 0, 2])
    }

    func testDropLastLeavesOutTheShortBatch() throws {
        let root = try TrainFixture.tempDir("droplast")
        defer { try? FileManager.default.removeItem(at: root) }
        let ds = try MelDataset(folder: try TrainFixture.dataset(root, count: 5).path)
        XCTAssertEqual(try DataLoader(dataset: ds, batchSize: 2, frames: 16, seed: 1).batchesPerEpoch, 3)
        let l = try DataLoader(dataset: ds, batchSize: 2, frames: 16, seed: 1, prefetch: false, dropLast: true)
        XCTAssertEqual(l.batchesPerEpoch, 2)
        for _ in 0..<5 { XCTAssertEqual(try l.next().mel.shape[0], 2) }
        XCTAssertThrowsError(try DataLoader(dataset: ds, batchSize: 6, frames: 16, seed: 1, dropLast: true)) { e in
            XCTAssertTrue("\(e)".contains("fewer than batch_size 6"))
        }
    }

    func testLearnsToMatchClipsWithCaptionsAndConditionsAnLDM() throws {
        guard TrainFixture.miniLMAvailable else {
            throw MissingPrerequisite("all-MiniLM-L6-v2 not found at \(FoleyPaths.miniLM.path): run scripts/setup")
        }
        let root = try TrainFixture.tempDir("clap")
        defer { try? FileManager.default.removeItem(at: root) }
        let data = try TrainFixture.dataset(root, count: 6)
        let runs = root.appendingPathComponent("runs")
        let cfg = try TrainingConfig.parse(yaml: Self.yaml(data: data))
        let enc = try TrainFixture.conditioner()
        let trainer = try ContrastiveTrainer(config: cfg, options: TrainFixture.quiet(runs), conditioner: enc)
        let train = try MelDataset(folder: data.path)
        let before = try ContrastiveRecall.measure(model: trainer.model, dataset: train, conditioner: enc, frames: 64)
        let result = try trainer.run()
        XCTAssertEqual(result.step, 40)
        let first = result.losses.prefix(5).map(\.loss).reduce(0, +) / 5, last = result.losses.suffix(5).map(\.loss).reduce(0, +) / 5
        XCTAssertLessThan(last, first * 0.5, "InfoNCE over 6 distinct captions starts near ln 6 = 1.79")
        let after = try ContrastiveRecall.measure(model: trainer.model, dataset: train, conditioner: enc, frames: 64)
        XCTAssertEqual(after.textToAudio[1], 1, "six tones at six pitches, each with its own caption, are told apart once trained")
        XCTAssertGreaterThanOrEqual(after.textToAudio[1]!, before.textToAudio[1]!)
        XCTAssertEqual(after.chance(1), 1.0 / 6, accuracy: 1e-12)

        // The exported folder loads, and an LDM conditioned through it ships it in its model folder.
        let exported = try XCTUnwrap(result.exported)
        XCTAssertEqual(exported.lastPathComponent, "contrastive")
        let loaded = try ContrastiveAudioText.load(folder: exported)
        XCTAssertEqual(loaded.config.textEmbedDim, 384)
        XCTAssertEqual(loaded.config.numMels, train.melBins)
        let vae = try TrainFixture.vaeCheckpoint(root)
        let ldmYAML = TrainFixture.ldmYAML(data: data, vae: vae, steps: 2)
            .replacingOccurrences(of: "  conditioning: both", with: "  conditioning: both\n  contrastive: \(runs.appendingPathComponent("tiny-clap-test").path)")
        let ldm = try LDMTrainer(config: try TrainingConfig.parse(yaml: ldmYAML), options: TrainFixture.quiet(runs), conditioner: enc)
        XCTAssertEqual(ldm.unet.config.projectionClassEmbeddingsInputDim, 16, "the class embedding takes the contrastive space's width")

        // pooled_from_audio 1: every kept caption's class-embedding input is its clip's audio embedding; a dropped
        // caption keeps the empty prompt's text embedding, which generation's unconditional branch uses.
        let mixer = try LDMTrainer(config: try TrainingConfig.parse(yaml: ldmYAML.replacingOccurrences(of: "name: tiny-ldm-test", with: "name: tiny-mix-test")
            .replacingOccurrences(of: "  keep_checkpoints: 2", with: "  keep_checkpoints: 2\n  pooled_from_audio: 1")),
                                   options: TrainFixture.quiet(runs), conditioner: enc)
        let captions = ["a low hum", "", "a high tone"]
        let mel = Tensor.randn([3, 1, 16, train.melBins], generator: RandomGenerator(seed: 4))
        let text = try XCTUnwrap(try mixer.stage.conditioningBatch(captions).pooled)
        let (mixed, swapped) = try mixer.stage.pooledFromAudio(text, captions: captions, mel: mel, rng: RandomGenerator(seed: 1))
        XCTAssertEqual(swapped, 2)
        let audio = try GradMode.noGrad { try XCTUnwrap(mixer.contrastive).audioEmbeddings(mel) }
        let width = text.shape[1]
        for (row, source) in [(0, audio), (1, text), (2, audio)] {
            let got = Array(mixed.scalars[row * width..<(row + 1) * width]), want = Array(source.scalars[row * width..<(row + 1) * width])
            for (g, w) in zip(got, want) { XCTAssertEqual(g, w, accuracy: 1e-6, "row \(row)") }
        }
        XCTAssertGreaterThan(zip(text.scalars[0..<width], audio.scalars[0..<width]).map { abs($0 - $1) }.max()!, 1e-3,
                             "the caption's and the clip's embeddings differ, so the rows above tell them apart")
        let model = try XCTUnwrap(try ldm.run().exported)
        let pipe = try TextToAudioPipeline.load(folder: model)
        let c = try XCTUnwrap(pipe.contrastive)
        let pooled = try XCTUnwrap(try pipe.encode(prompts: ["a low hum"]).pooled)
        XCTAssertEqual(pooled.scalars, try GradMode.noGrad { try c.textEmbeddings(try enc.encode(["a low hum"]).normalizedPooled) }.scalars)
        XCTAssertEqual(try pipe.extractStyle(TrainFixture.tone(hz: 220, seconds: 0.6), sampleRate: 16000).shape, [16])
    }
}
