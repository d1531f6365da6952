import Diffusion
import Foundation
@testable import Training
import XCTest

final class ConfigTests: XCTestCase {
    static var configsFolder: URL { TrainFixture.repositoryRoot.appendingPathComponent("configs") }

    /// Every shipped config parses; the CPU-sized ones build their models (the full-size ones are too big to build in a
    /// unit test, but their UNet config is checked for the conditioning widths).
    func testShippedConfigsParse() throws {
        let names = ["tiny-vae", "tiny-ldm", "default-vae", "default-ldm", "audioldm-vae", "audioldm-ldm"]
        for n in names {
            let c = try TrainingConfig.load(path: Self.configsFolder.appendingPathComponent(n + ".yaml").path)
            XCTAssertEqual(c.name, n)
            XCTAssertEqual(c.stage, n.hasSuffix("vae") ? .vae : .ldm, n)
            let build = !n.hasPrefix("audioldm")
            if c.stage == .vae {
                if build { XCTAssertNoThrow(try AutoencoderKL(config: c.vae), n) }
            } else {
                let m = try XCTUnwrap(c.ldm)
                let u = m.unetConfig(latentChannels: 8, hiddenSize: 384, pooledSize: 384, secondsPerLatentFrame: 0.04)
                XCTAssertEqual(u.classEmbedType, m.conditioning == .tokens ? nil : "simple_projection", n)
                XCTAssertEqual(u.projectionClassEmbeddingsInputDim, m.conditioning == .tokens ? nil : 384, n)
                XCTAssertEqual(u.crossAttentionDim, .int(384), n)
                if build { XCTAssertEqual(try UNet2DConditionModel(config: u).crossAttentionDim, 384, n) }
            }
        }
        let d = try TrainingConfig.load(path: Self.configsFolder.appendingPathComponent("default-vae.yaml").path)
        XCTAssertEqual(d.vae.blockOutChannels, [32, 64, 128])
        XCTAssertEqual(d.vae.latentChannels, 8)
        XCTAssertFalse(d.train.freezeEncoder)
        // Stage 1b: the same VAE, its decoder trained on stage 2e's data with the encoder frozen.
        let b = try TrainingConfig.load(path: ConfigRecipeTests.recipe, stage: "default-vae-decoder")
        XCTAssertEqual(b.stage, .vae)
        XCTAssertTrue(b.train.freezeEncoder)
        XCTAssertEqual(b.vae, d.vae)
        XCTAssertEqual(b.data.dataset, "data/stage2e")
        XCTAssertEqual(b.data.segmentSeconds, d.data.segmentSeconds)
        XCTAssertEqual(b.train.maxSteps, 800)
        XCTAssertEqual(b.train.learningRate, 3e-4)
        XCTAssertEqual(b.train.spectralLossWeight, d.train.spectralLossWeight)
        let l = try TrainingConfig.load(path: Self.configsFolder.appendingPathComponent("default-ldm.yaml").path)
        XCTAssertEqual(l.ldm?.blockOutChannels, [64, 128, 256])
        XCTAssertEqual(l.ldm?.downBlockTypes, ["DownBlock2D", "CrossAttnDownBlock2D", "CrossAttnDownBlock2D"])
        XCTAssertEqual(l.ldm?.conditioning, .both)
        XCTAssertNil(l.ldm?.contrastive)

        // The contrastive model and the LDM fine-tuned through it (stages of configs/default-model.yaml).
        let clap = try TrainingConfig.load(path: Self.configsFolder.appendingPathComponent("default-clap.yaml").path)
        XCTAssertEqual(clap.stage, .clap)
        XCTAssertEqual(clap.name, "default-clap")
        let cc = try XCTUnwrap(clap.contrastive)
        XCTAssertEqual(cc.blockOutChannels, [16, 32, 64, 128])
        XCTAssertEqual(cc.projectionDim, 384, "the LDM's class embedding takes 384-d vectors")
        XCTAssertTrue(clap.data.dropLast)
        XCTAssertNoThrow(try ContrastiveAudioText(config: cc))
        let ft = try TrainingConfig.load(path: ConfigRecipeTests.recipe, stage: "default-ldm-finetune")
        XCTAssertEqual(ft.name, "default-ldm-finetune")
        XCTAssertEqual(ft.ldm?.contrastive, "runs/default-clap")
        XCTAssertEqual(ft.ldm?.blockOutChannels, l.ldm?.blockOutChannels, "fine-tunes the same architecture")
        XCTAssertEqual(ft.ldm?.downBlockTypes, l.ldm?.downBlockTypes)
        // Stage 2c: the same UNet and conditioning, trained to predict v.
        let v = try TrainingConfig.load(path: ConfigRecipeTests.recipe, stage: "default-ldm-v")
        XCTAssertEqual(v.name, "default-ldm-v")
        XCTAssertEqual(ft.diffusion.predictionType, "epsilon")
        XCTAssertEqual(v.diffusion.predictionType, "v_prediction")
        XCTAssertEqual(v.ldm?.contrastive, ft.ldm?.contrastive)
        XCTAssertEqual(v.ldm?.blockOutChannels, l.ldm?.blockOutChannels)
        XCTAssertEqual(v.diffusion.betaStart, ft.diffusion.betaStart, "same noise schedule as the stages it continues")
        XCTAssertEqual(v.diffusion.betaEnd, ft.diffusion.betaEnd)
        XCTAssertEqual(v.train.pooledFromAudio, 0)
        // Stage 2d: stage 2c's UNet, half of its kept class-embedding inputs taken from the clips' audio embeddings.
        let a = try TrainingConfig.load(path: ConfigRecipeTests.recipe, stage: "default-ldm-audio")
        XCTAssertEqual(a.name, "default-ldm-audio")
        XCTAssertEqual(a.train.pooledFromAudio, 0.5)
        XCTAssertEqual(a.diffusion.predictionType, "v_prediction")
        XCTAssertEqual(a.ldm?.contrastive, v.ldm?.contrastive)
        XCTAssertEqual(a.ldm?.conditioning, .both)
        XCTAssertEqual(a.ldm?.blockOutChannels, v.ldm?.blockOutChannels)
        XCTAssertEqual(a.diffusion.betaStart, v.diffusion.betaStart)
        XCTAssertEqual(a.diffusion.betaEnd, v.diffusion.betaEnd)
        // Stage 2e: stage 2d's settings through two more bases, on the data with recipe 2's beeps and tones.
        let e = try TrainingConfig.load(path: ConfigRecipeTests.recipe, stage: "default-ldm-beeps")
        XCTAssertEqual(e.name, "default-ldm-beeps")
        XCTAssertEqual(e.data.dataset, "data/stage2e")
        XCTAssertEqual(e.train.maxSteps, 1500)
        XCTAssertEqual(e.train.learningRate, a.train.learningRate)
        XCTAssertEqual(e.train.pooledFromAudio, 0.5)
        XCTAssertEqual(e.diffusion, a.diffusion)
        XCTAssertEqual(e.ldm, a.ldm)
        // Only the sampler differs: the shipped model samples with DDPM; the rest of inference is stage 2d's.
        XCTAssertEqual(e.inference.sampler, "ddpm")
        var inference = e.inference
        inference.sampler = a.inference.sampler
        XCTAssertEqual(inference, a.inference)
        XCTAssertEqual(a.data.dataset, l.data.dataset, "stage 2d reads stage 2a's data through its bases")
        // What a checkpoint stores is self-contained: it parses alone to the same settings.
        XCTAssertFalse(e.yaml.contains("\nbase:"), e.yaml)
        let again = try TrainingConfig.parse(yaml: e.yaml)
        XCTAssertEqual(again.name, e.name)
        XCTAssertEqual(again.train, e.train)
        XCTAssertEqual(again.data, e.data)
        XCTAssertEqual(again.ldm, e.ldm)
        XCTAssertEqual(again.diffusion, e.diffusion)
    }

    func testBaseMergesSectionsKeyByKeyAndReportsBadBases() throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("foley-base-\(getpid())-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir.appendingPathComponent("sub"), withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: dir) }
        func write(_ name: String, _ text: String) throws -> String {
            let url = dir.appendingPathComponent(name)
            try Data(text.utf8).write(to: url)
            return url.path
        }
        _ = try write("sub/parent.yaml", """
        name: parent
        model:
          type: AutoencoderKL
          block_out_channels: [32, 64]
          latent_channels: 4
        data:
          dataset: /tmp/x
          batch_size: 4
        train:
          max_steps: 10
          warmup_steps: 5
        """)
        let child = try write("child.yaml", """
        base: sub/parent.yaml
        model:
          block_out_channels: [64]
        data:
          batch_size: 2
        train:
          warmup_steps: null
        """)
        let c = try TrainingConfig.load(path: child)
        XCTAssertEqual(c.name, "child", "the base's name is not inherited")
        XCTAssertEqual(c.vae.blockOutChannels, [64], "lists replace whole")
        XCTAssertEqual(c.vae.latentChannels, 4, "keys the file leaves out come from the base")
        XCTAssertEqual(c.data.batchSize, 2)
        XCTAssertEqual(c.data.dataset, "/tmp/x")
        XCTAssertEqual(c.train.maxSteps, 10)
        XCTAssertEqual(c.train.warmupSteps, 0, "null drops the base's value back to the default")

        let missing = try write("missing.yaml", "base: nowhere.yaml\n")
        XCTAssertThrowsError(try TrainingConfig.load(path: missing)) { error in
            XCTAssertTrue("\(error)".contains("nowhere.yaml") && "\(error)".contains("missing.yaml"), "\(error)")
        }
        _ = try write("a.yaml", "base: b.yaml\n")
        let cyclic = try write("b.yaml", "base: a.yaml\n")
        XCTAssertThrowsError(try TrainingConfig.load(path: cyclic)) { error in
            XCTAssertTrue("\(error)".contains("cycle"), "\(error)")
        }
        let notText = try write("number.yaml", "base: 3\n")
        XCTAssertThrowsError(try TrainingConfig.load(path: notText)) { error in
            XCTAssertTrue("\(error)".contains("base") && "\(error)".contains("path of another config"), "\(error)")
        }
        XCTAssertTrue(error("base: x.yaml\n" + vae).contains("loaded from its file"), error("base: x.yaml\n" + vae))
    }

    func error(_ yaml: String) -> String {
        do {
            _ = try TrainingConfig.parse(yaml: yaml)
            return "no error"
        } catch {
            return "\(error)"
        }
    }

    let vae = """
    model:
      type: AutoencoderKL
    data:
      dataset: /tmp/x
    """

    /// Each mistake is reported with the dotted key, what was found and what is allowed.
    func testConfigErrorsNameTheKeyAndAllowedValues() {
        XCTAssertEqual(error(vae + "\ntrain:\n  loss_type: l3\n"),
                       "config key 'train.loss_type': found 'l3', expected one of l1, mse")
        XCTAssertEqual(error(vae + "\ntrain:\n  lerning_rate: 0.1\n"),
                       "config key 'train.lerning_rate': found an unknown key, expected one of adam_betas, adam_eps, bucket_mb, checkpoint_every, disc_channels, disc_factor, disc_learning_rate, disc_loss, disc_num_layers, disc_start, disc_weight, ema, ema_decay, freeze_encoder, grad_accum_steps, grad_clip, keep_checkpoints, kl_weight, learning_rate, log_every, loss_type, lr_scheduler, max_epochs, max_steps, min_lr_factor, sample_posterior, scaling_factor_batches, seed, spectral_loss_scales, spectral_loss_weight, validate_every, validation_clips, warmup_steps, weight_decay")
        XCTAssertEqual(error("model:\n  type: Transformer\n"),
                       "config key 'model.type': found 'Transformer', expected one of AutoencoderKL, AudioLDM, ContrastiveAudioText, AutoencoderOobleck, StableAudioDiTModel")
        XCTAssertEqual(error("data:\n  dataset: x\n"),
                       "config key 'model.type': found nothing (the key is missing), expected one of AutoencoderKL, AudioLDM, ContrastiveAudioText, AutoencoderOobleck, StableAudioDiTModel")
        XCTAssertEqual(error(vae + "\ntrain:\n  max_steps: -3\n"),
                       "config key 'train.max_steps': found -3, expected an integer >= 1")
        XCTAssertEqual(error(vae + "\ntrain:\n  learning_rate: fast\n"),
                       "config key 'train.learning_rate': found 'fast', expected a number > 0.0")
        XCTAssertEqual(error(vae + "\ntrain:\n  ema: maybe\n"),
                       "config key 'train.ema': found 'maybe', expected true or false")
        XCTAssertEqual(error(vae + "\ntrain:\n  adam_betas: [0.9, 1.5]\n"),
                       "config key 'train.adam_betas[1]': found 1.5, expected a number in [0, 1)")
        XCTAssertEqual(error(vae.replacingOccurrences(of: "  type: AutoencoderKL", with: "  type: AutoencoderKL\n  block_out_channels: [32, 48]\n  norm_num_groups: 32")),
                       "config key 'model.norm_num_groups': found 32, expected a divisor of every block_out_channels entry (48 is not divisible)")
        XCTAssertEqual(error(vae.replacingOccurrences(of: "  type: AutoencoderKL", with: "  type: AutoencoderKL\n  block_out_channels: [32, x]")),
                       "config key 'model.block_out_channels[1]': found 'x', expected a list of integers >= 1 with 1 to 8 entries")
        XCTAssertEqual(error(vae + "\ninference:\n  sampler: ddim\n"),
                       "config key 'inference': found a mapping, expected no 'inference' section in a stage-1 (AutoencoderKL) config")
        XCTAssertEqual(error("model:\n  type: AutoencoderKL\n"),
                       "config key 'data.dataset': found nothing (the key is missing), expected the output folder of `foley preprocess`")
        XCTAssertEqual(error(vae + "\ndata:\n  batch_size: 0\n").hasPrefix("config key"), true)
        XCTAssertEqual(error("- a\n- b\n"), "config key '<root>': found a list, expected a YAML mapping of sections")
        XCTAssertEqual(error(vae.replacingOccurrences(of: "data:\n  dataset: /tmp/x", with: "data:\n  dataset: /tmp/x\n  segment_seconds: 2\n  segment_frames: 100")),
                       "config key 'data.segment_frames': found 100, expected either segment_seconds or segment_frames, not both")
    }

    /// Each of these used to be accepted: a repeated key (the last silently won), no train section (1000 default
    /// steps), crops of 200000 frames (past 6 GB).
    func testDuplicateKeysMissingTrainAndHugeCropsAreRefused() {
        XCTAssertEqual(error("model:\n  type: AutoencoderKL\n  type: AudioLDM\n"),
                       "config key 'model.type': found the key twice (lines 2 and 3), expected each key once")
        XCTAssertEqual(error(vae + "\ntrain:\n  max_steps: 3\ntrain:\n  max_steps: 5\n"),
                       "config key 'train': found the key twice (lines 5 and 7), expected each key once")
        XCTAssertEqual(error(vae), "config key 'train': found nothing (the section is missing), expected a train section with at least max_steps (the number of optimizer steps)")
        XCTAssertEqual(error(vae.replacingOccurrences(of: "data:\n  dataset: /tmp/x", with: "data:\n  dataset: /tmp/x\n  segment_frames: 200000") + "\ntrain:\n  max_steps: 3\n"),
                       "config key 'data.segment_frames': found 200000, expected an integer in [1, 8192]")
        XCTAssertEqual(error(vae + "\ntrain:\n  max_steps: 3\n"), "no error")
        // A key that is itself a mapping (found by the reader fuzzer) made Yams trap; it is an error naming the line.
        XCTAssertEqual(error(vae + "\ntrain:\n  max_steps: 3\n? log_every: 5\n  checkpoint_every: 10\n"),
                       "config key '<root>': found a key that is a mapping or list (line 7), expected plain keys (`name: value`)")
        XCTAssertEqual(error(vae + "\ntrain:\n  ? [a, b]\n  : 3\n").contains("a key that is a mapping or list"), true)
    }

    func testLDMConfigErrors() {
        let ldm = """
        model:
          type: AudioLDM
          pretrained_vae: runs/v
        data:
          dataset: /tmp/x
        """
        XCTAssertEqual(error(ldm + "\ninference:\n  sampler: fast\n"),
                       "config key 'inference.sampler': found 'fast', expected one of ddpm, ddim, pndm, plms, euler, euler_ancestral, heun, lms, dpmpp_2m, unipc, flow_euler, flow_heun")
        XCTAssertEqual(error(ldm.replacingOccurrences(of: "  pretrained_vae: runs/v", with: "  conditioning: clap")),
                       "config key 'model.conditioning': found 'clap', expected one of pooled, tokens, both")
        XCTAssertEqual(error(ldm + "\ndiffusion:\n  prediction_type: sample\n"),
                       "config key 'diffusion.prediction_type': found 'sample', expected one of epsilon, v_prediction, flow_prediction, rectified_flow")
        XCTAssertEqual(error(ldm + "\ndiffusion:\n  scaling_factor: big\n"),
                       "config key 'diffusion.scaling_factor': found 'big', expected auto or a number > 0")
        XCTAssertEqual(error(ldm + "\ntrain:\n  kl_weight: 0.1\n"),
                       "config key 'train.kl_weight': found 0.1, expected no 'kl_weight' key in a stage-2 (AudioLDM) config: it only applies to the VAE")
        XCTAssertEqual(error(ldm + "\ntext_encoder:\n  type: folder\n"),
                       "config key 'text_encoder.path': found nothing (the key is missing), expected a Hugging Face encoder folder (config.json + model.safetensors) when type is folder")
        XCTAssertEqual(error(ldm.replacingOccurrences(of: "  pretrained_vae: runs/v", with: "  block_out_channels: [32, 64]\n  down_block_types: [DownBlock2D]")),
                       "config key 'model.down_block_types': found 1 entries, expected one per block_out_channels entry (2)")
        XCTAssertEqual(error(ldm.replacingOccurrences(of: "  pretrained_vae: runs/v", with: "  block_out_channels: [32, 64]\n  norm_num_groups: 8\n  attention_heads: 3")),
                       "config key 'model.attention_heads': found 3, expected a divisor of the channels of every attention block (64 is not divisible)")
        XCTAssertEqual(error(ldm.replacingOccurrences(of: "  pretrained_vae: runs/v", with: "  mid_block_type: Fancy")),
                       "config key 'model.mid_block_type': found 'Fancy', expected one of UNetMidBlock2DCrossAttn, UNetMidBlock2D, none")
        XCTAssertEqual(error(ldm + "\ntrain:\n  pooled_from_audio: 1.5\n"),
                       "config key 'train.pooled_from_audio': found 1.5, expected a number in [0.0, 1.0]")
        XCTAssertEqual(error(vae + "\ntrain:\n  pooled_from_audio: 0.5\n"),
                       "config key 'train.pooled_from_audio': found 0.5, expected no 'pooled_from_audio' key in a stage-1 (AutoencoderKL) config: it only applies to the LDM")
        XCTAssertEqual(error(ldm + "\ntrain:\n  timestep_bias_strategy: late\n"),
                       "config key 'train.timestep_bias_strategy': found 'late', expected one of none, earlier, later, range")
        XCTAssertEqual(error(ldm + "\ntrain:\n  timestep_bias_multiplier: 0\n"),
                       "config key 'train.timestep_bias_multiplier': found 0, expected a number > 0.0")
        XCTAssertEqual(error(vae + "\ntrain:\n  timestep_bias_strategy: later\n"),
                       "config key 'train.timestep_bias_strategy': found 'later', expected no 'timestep_bias_strategy' key in a stage-1 (AutoencoderKL) config: it only applies to the LDM")
        let biased = try? TrainingConfig.parse(yaml: ldm + "\ntrain:\n  timestep_bias_strategy: later\n  timestep_bias_portion: 0.5\n  timestep_bias_multiplier: 3\n")
        XCTAssertEqual(biased?.train.timestepBias, TimestepBias(strategy: "later", multiplier: 3, portion: 0.5))
        XCTAssertEqual(try? TrainingConfig.parse(yaml: ldm + "\ntrain:\n  max_steps: 5\n").train.timestepBias, TimestepBias())
        // Valid: defaults fill the rest; scaling_factor auto and a number both parse.
        XCTAssertEqual(error(ldm + "\ntrain:\n  max_steps: 5\ndiffusion:\n  scaling_factor: auto\n"), "no error")
        XCTAssertEqual(try TrainingConfig.parse(yaml: ldm + "\ntrain:\n  max_steps: 5\ndiffusion:\n  scaling_factor: 0.5\n").diffusion.scalingFactor, 0.5)
        XCTAssertEqual(try TrainingConfig.parse(yaml: ldm + "\ntrain:\n  learning_rate: 1e-4\n").train.learningRate, 1e-4)
    }

    /// Errors at run time also name the key: a data setting that disagrees with the preprocessed dataset, a resume
    /// of the wrong stage, a missing text encoder folder.
    func testRuntimeConfigErrors() throws {
        let root = try TrainFixture.tempDir("cfgrt")
        defer { try? FileManager.default.removeItem(at: root) }
        let data = try TrainFixture.dataset(root, count: 2, seconds: 0.3)
        let bad = try TrainingConfig.parse(yaml: TrainFixture.vaeYAML(data: data).replacingOccurrences(of: "  batch_size: 4", with: "  batch_size: 4\n  sample_rate: 22050"))
        XCTAssertThrowsError(try VAETrainer(config: bad, options: TrainFixture.quiet(root.appendingPathComponent("runs")))) { e in
            XCTAssertEqual("\(e)", "config key 'data.sample_rate': found 22050, expected 16000, the value the dataset \(data.path) was preprocessed with")
        }
        // The mel-band count under librosa's name (the dataset's own spelling), and under its older name.
        for key in ["n_mels", "num_mels"] {
            let mels = try TrainingConfig.parse(yaml: TrainFixture.vaeYAML(data: data).replacingOccurrences(of: "  batch_size: 4", with: "  batch_size: 4\n  \(key): 32"))
            XCTAssertEqual(mels.data.numMels, 32, key)
            XCTAssertThrowsError(try VAETrainer(config: mels, options: TrainFixture.quiet(root.appendingPathComponent("runs-\(key)")))) { e in
                XCTAssertEqual("\(e)", "config key 'data.n_mels': found 32, expected 64, the value the dataset \(data.path) was preprocessed with")
            }
        }
        XCTAssertThrowsError(try TrainingConfig.parse(yaml: TrainFixture.vaeYAML(data: data).replacingOccurrences(of: "  batch_size: 4", with: "  batch_size: 4\n  n_mels: 64\n  num_mels: 64"))) { e in
            XCTAssertTrue("\(e)".contains("only n_mels"), "\(e)")
        }
        let missing = try TrainingConfig.parse(yaml: TrainFixture.vaeYAML(data: root.appendingPathComponent("nope")))
        XCTAssertThrowsError(try VAETrainer(config: missing, options: TrainFixture.quiet(root.appendingPathComponent("runs2")))) { e in
            XCTAssertTrue("\(e)".contains("not a preprocessed dataset (no dataset.json); run `foley preprocess` first"), "\(e)")
        }
        let ldm = try TrainingConfig.parse(yaml: TrainFixture.ldmYAML(data: data, vae: root.appendingPathComponent("novae"))
            .replacingOccurrences(of: "inference:", with: "text_encoder:\n  type: folder\n  path: \(root.path)/noencoder\ninference:"))
        XCTAssertThrowsError(try LDMTrainer(config: ldm, options: TrainFixture.quiet(root.appendingPathComponent("runs3")))) { e in
            XCTAssertTrue("\(e)".hasPrefix("\(root.path)/noencoder: cannot load the text encoder"), "\(e)")
        }
        if TrainFixture.miniLMAvailable {
            // Audio embeddings need a contrastive model to come from.
            let vae = try TrainFixture.vaeCheckpoint(root)
            let noClap = try TrainingConfig.parse(yaml: TrainFixture.ldmYAML(data: data, vae: vae, trainExtra: "  pooled_from_audio: 0.5\n"))
            XCTAssertThrowsError(try LDMTrainer(config: noClap, options: TrainFixture.quiet(root.appendingPathComponent("runs4")),
                                                conditioner: try TrainFixture.conditioner())) { e in
                XCTAssertTrue("\(e)".hasPrefix("config key 'train.pooled_from_audio': found 0.5, expected 0 unless the UNet has a class embedding fed by a contrastive model"), "\(e)")
            }
        }
    }

    func testLRScheduleAndCheckpointStoreKeepsTheLastK() throws {
        let s = LRScheduleSpec(name: "cosine", warmup: 10, minFactor: 0.1).schedule(totalSteps: 110)
        XCTAssertEqual(s.factor(step: 0), 0.1, accuracy: 1e-6)
        XCTAssertEqual(s.factor(step: 9), 1, accuracy: 1e-6)
        XCTAssertEqual(s.factor(step: 60), 0.55, accuracy: 1e-5)
        XCTAssertEqual(s.factor(step: 110), 0.1, accuracy: 1e-6)

        let dir = try TrainFixture.tempDir("store")
        defer { try? FileManager.default.removeItem(at: dir) }
        let store = CheckpointStore(directory: dir.path, keep: 2)
        for step in [5, 10, 15] {
            let st = CheckpointState(stage: "vae", step: step, config: "c", modelConfig: "{}", rng: ["trainer": ["1", "2", "3", "4"]],
                                     lrStep: step, totalSteps: 20, loader: .init(epoch: 1, batch: step), loaderSeed: "9",
                                     finished: false, elapsed: 1.5)
            try store.save(["model.": ["w": Tensors.Tensor([Float(step)])]], state: st)
        }
        XCTAssertEqual(store.list().map(\.step), [10, 15])
        let latest = try XCTUnwrap(store.latest())
        XCTAssertEqual(latest.state.step, 15)
        XCTAssertEqual(latest.state.loader, .init(epoch: 1, batch: 15))
        XCTAssertEqual(try latest.tensors(prefix: "model.")["w"]?.scalars, [15])
        // No temporary files are left beside the checkpoints.
        XCTAssertEqual(try FileManager.default.contentsOfDirectory(atPath: dir.path).filter { $0.hasPrefix(".") }, [])
        // A torn newest file is passed over.
        try Data("garbage".utf8).write(to: URL(fileURLWithPath: store.path(step: 20)))
        var warnings: [String] = []
        XCTAssertEqual(store.latest(warn: { warnings.append($0) })?.state.step, 15)
        XCTAssertEqual(warnings.count, 1)
    }
}

import Tensors
