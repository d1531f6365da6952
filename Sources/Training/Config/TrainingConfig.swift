import Diffusion
import Foundation
import NN

/// A training run's YAML config in the seed's shape: `name`, `model`, `data`, `train`, and for the latent diffusion
/// stage `diffusion`, `text_encoder` and `inference`. `model.type` picks the stage: `AutoencoderKL` (stage 1),
/// `AudioLDM` (stage 2), `ContrastiveAudioText` (the CLAP-style audio-text model, with `text_encoder`), or the Stable
/// Audio family's `AutoencoderOobleck` and `StableAudioDiTModel`. Every key is validated; an error names the dotted key
/// and the values it allows.
public struct TrainingConfig {
    public enum Stage: String, Sendable { case vae, ldm, clap, oobleck, dit }

    public var name: String
    public var stage: Stage
    /// Stage 1's autoencoder (for stage 2 the VAE comes from `ldm.pretrainedVAE`).
    public var vae: AutoencoderKLConfig
    /// Stage 2's UNet and conditioning (nil for stage 1).
    public var ldm: LDMModelConfig?
    /// The contrastive audio-text model's shape (nil unless `model.type` is ContrastiveAudioText).
    public var contrastive: ContrastiveAudioTextConfig?
    /// The waveform VAE's shape (`model.type: AutoencoderOobleck`).
    public var oobleck: AutoencoderOobleckConfig?
    /// The DiT stage's model (`model.type: StableAudioDiTModel`).
    public var dit: DiTModelConfig?
    public var data: DataConfig
    public var train: TrainConfig
    public var diffusion: DiffusionConfig
    public var textEncoder: TextEncoderConfig
    public var inference: InferenceConfig
    /// The YAML text this config was read from (stored in every checkpoint).
    public var yaml: String

    /// `model` for stage 2: the UNet's shape; its in/out channels come from the VAE, its conditioning widths from
    /// the text encoder.
    public struct LDMModelConfig: Equatable {
        /// A stage-1 checkpoint (.safetensors), a stage-1 experiment folder, a diffusers `vae/` folder, or a model
        /// folder holding `vae/` (Foley or diffusers AudioLDM).
        public var pretrainedVAE: String?
        /// A trained ContrastiveAudioText (its experiment folder or `contrastive/` folder): its text projection of the
        /// pooled vector feeds the class embedding instead of the raw pooled vector, and it ships in the model folder.
        public var contrastive: String?
        public var conditioning: TextToAudioPipeline.Conditioning = .both
        public var blockOutChannels = [64, 128, 256]
        public var layersPerBlock = 1
        public var downBlockTypes: [String]
        public var upBlockTypes: [String]
        public var midBlockType: String? = "UNetMidBlock2DCrossAttn"
        public var attentionHeads = 4
        public var transformerLayersPerBlock = 1
        public var normNumGroups = 32
        public var classEmbeddingsConcat = false
        public var dropout: Float = 0
        /// `time_channel`: the UNet gets each latent frame's time in seconds as an extra input channel
        /// (`time_channel_seconds_per_frame`), so where a sound starts and stops can depend on the clip's clock.
        public var timeChannel = false
        /// `prompt_attributes`: the class embedding also reads the caption's `PromptAttributes` (stated pitches and
        /// count) after the pooled vector, so numbers reach the UNet as numbers.
        public var promptAttributes = false

        /// The diffusers UNet config for latents of `latentChannels` and a text encoder of the given widths;
        /// `secondsPerLatentFrame` is used when `timeChannel` is on.
        public func unetConfig(latentChannels: Int, hiddenSize: Int, pooledSize: Int, secondsPerLatentFrame: Float) -> UNet2DConditionConfig {
            var c = UNet2DConditionConfig()
            c.inChannels = latentChannels + (timeChannel ? 1 : 0)
            if timeChannel { c.timeChannelSecondsPerFrame = secondsPerLatentFrame }
            c.outChannels = latentChannels
            c.blockOutChannels = blockOutChannels
            c.layersPerBlock = .int(layersPerBlock)
            c.downBlockTypes = downBlockTypes
            c.upBlockTypes = upBlockTypes
            c.midBlockType = midBlockType
            c.attentionHeadDim = .int(attentionHeads)
            c.transformerLayersPerBlock = .int(transformerLayersPerBlock)
            c.normNumGroups = normNumGroups
            c.dropout = dropout
            // Without token states, attn2 runs as self-attention (AudioLDM): its width is the block's own.
            c.crossAttentionDim = conditioning == .pooled ? .list(blockOutChannels) : .int(hiddenSize)
            if conditioning != .tokens {
                c.classEmbedType = "simple_projection"
                c.projectionClassEmbeddingsInputDim = pooledSize
                c.classEmbeddingsConcat = classEmbeddingsConcat
            }
            return c
        }
    }

    public struct DataConfig: Equatable {
        /// The output folder of `foley preprocess`.
        public var dataset: String
        public var trainSplit = "train"
        public var validSplit = "valid"
        public var batchSize = 8
        /// Crop length in seconds (nil: `segmentFrames`).
        public var segmentSeconds: Double?
        public var segmentFrames: Int?
        public var shuffle = true
        /// Leave out an epoch's last, smaller batch (torch's drop_last); on by default for contrastive training, whose
        /// in-batch negatives need at least two clips.
        public var dropLast = false
        /// Under mpirun, an epoch that does not divide among the ranks is padded with its first clips ("pad") or cut ("drop").
        public var shardRemainder = "pad"
        /// 0: batches are read on the training thread; 1 or more: a background thread prepares the next batch while
        /// the current one trains (one thread suffices: reading mmapped mels is cheap).
        public var numWorkers = 1
        public var prefetch: Bool { numWorkers > 0 }
        /// LDM: read the VAE posteriors cached by `foley preprocess --latents` instead of encoding every batch.
        public var latents = false
        /// Expected front-end settings; checked against the dataset's when given.
        public var sampleRate: Int?
        public var numMels: Int?
        public var nFFT: Int?
        public var hopLength: Int?
    }

    public struct TrainConfig: Equatable {
        public var seed: UInt64 = 0
        public var maxSteps = 1000
        public var maxEpochs: Int?
        public var learningRate: Double = 1e-4
        public var lrScheduler = "cosine"
        public var warmupSteps = 0
        public var minLRFactor: Double = 0
        public var weightDecay: Double = 0.01
        public var adamBetas: [Double] = [0.9, 0.999]
        public var adamEps: Double = 1e-8
        /// Global gradient-norm clip (0 disables).
        public var gradClip: Double = 1
        public var gradAccumSteps = 1
        /// Under mpirun: megabytes of gradients per all-reduce message (PyTorch DDP's bucket_cap_mb).
        public var bucketMB: Double = 25
        public var lossType = "mse"
        /// VAE: KL weight on the per-element KL (AudioLDM's weighting: rec and KL both per element).
        public var klWeight: Double = 1e-6
        public var spectralLossWeight: Double = 0
        /// Stage 1 `freeze_encoder`: train only the decoder (and post_quant_conv) of an --init-from VAE and keep its
        /// scaling factor, so its latents, and any UNet trained on them, stay valid (as Stability's ft-MSE decoders).
        public var freezeEncoder = false
        public var spectralLossScales = [1, 2, 4]
        /// Oobleck: the FFT sizes of the multi-resolution STFT loss (hop a quarter of each).
        public var stftResolutions = [512, 256, 128, 64]
        /// Oobleck: weight of a plain L1 on the waveform beside the STFT loss.
        public var waveformL1Weight: Double = 0
        /// VAE: decode a posterior sample (true) or the mean (false); LDM: train on posterior samples or the means.
        public var samplePosterior = true
        /// LDM: probability of replacing a caption by the empty prompt (classifier-free guidance).
        public var textDropout: Double = 0.1
        /// LDM with a contrastive model: probability that a kept caption's class-embedding input is the clip's own
        /// contrastive audio embedding instead of the caption's text embedding (AudioLDM trains on audio only, 1).
        public var pooledFromAudio: Double = 0
        /// LDM: which timesteps training draws more often (diffusers' `timestep_bias_*` options).
        public var timestepBias = TimestepBias()
        public var ema = false
        public var emaDecay: Double = 0.999
        public var logEvery = 10
        public var checkpointEvery = 500
        public var keepCheckpoints = 3
        /// 0 disables periodic validation.
        public var validateEvery = 0
        /// VAE: validation clips reconstructed and drawn.
        public var validationClips = 4
        /// Batches used to measure the latent scaling factor.
        public var scalingFactorBatches = 8
        /// LDM: train a LoRA adapter on a frozen UNet instead of the whole UNet (`train.lora`).
        public var lora: LoRAConfig?
        /// VAE: the PatchGAN adversarial loss (`train.disc_*`); off unless disc_weight > 0.
        public var adversarial = AdversarialConfig()

        public var schedule: LRScheduleSpec { LRScheduleSpec(name: lrScheduler, warmup: warmupSteps, minFactor: Float(minLRFactor)) }
    }

    public struct DiffusionConfig: Equatable {
        public var numTrainTimesteps = 1000
        public var betaSchedule = "scaled_linear"
        public var betaStart: Double = 0.0015
        public var betaEnd: Double = 0.0195
        /// "epsilon", "v_prediction" or "flow_prediction" (rectified flow, see `FlowMatchingObjective`).
        public var predictionType = "epsilon"
        /// flow_prediction: how sigma is drawn ("uniform" or "logit_normal") and the logit-normal's mean and std.
        public var timestepSampling = "logit_normal"
        public var logitMean: Double = 0
        public var logitStd: Double = 1
        /// nil: the measured factor (stage 1's, or measured at start); a number overrides it.
        public var scalingFactor: Float?
    }

    public struct TextEncoderConfig: Equatable {
        /// "minilm" (scripts/setup's all-MiniLM-L6-v2) or "folder" (a Hugging Face folder at `path`).
        public var type = "minilm"
        public var path: String?
        public var tokenizerPath: String?
        public var freeze = true
        public var maxLength: Int?

        /// The length every prompt is padded to where prompts are padded (the Stable Audio pipeline pads them all):
        /// `max_length`, 64 when unset.
        public var paddedLength: Int { maxLength ?? 64 }
    }

    public struct InferenceConfig: Equatable {
        public var sampler = "ddim"
        public var numSteps = 50
        public var guidanceScale: Double = 2.5
        public var prompts: [String] = []
        public var seed: UInt64 = 0
        public var seconds: Double = 4
        public var vocoder = "griffin-lim"
        public var griffinLimIterations = 32
        /// `model_defaults`: the exported folder records `num_steps` and `guidance_scale` as the model's own generation
        /// defaults (foley.yaml's `generation:`), which every front door then starts from.
        public var modelDefaults = false
    }

    public static let allowedSamplers = ["ddpm", "ddim", "pndm", "plms", "euler", "euler_ancestral", "heun", "lms", "dpmpp_2m", "unipc",
                                         "flow_euler", "flow_heun"]
    /// The samplers that integrate a flow (a flow_prediction model's only ones, and only for it).
    public static let flowSamplers = ["flow_euler", "flow_heun"]
    public static let lrSchedulers = ["constant", "warmup_constant", "linear", "cosine"]
    public static let downTypes = ["DownBlock2D", "CrossAttnDownBlock2D"]
    public static let upTypes = ["UpBlock2D", "CrossAttnUpBlock2D"]
    public static let midTypes = ["UNetMidBlock2DCrossAttn", "UNetMidBlock2D", "none"]

    /// Reads and validates a config file, merging in the file its `base:` names (see `ConfigBase`); `stage` (or a
    /// `#stage` suffix on `path`) picks one stage of a recipe (see `ConfigRecipe`).
    public static func load(path: String, stage: String? = nil) throws -> TrainingConfig {
        let (file, suffix) = stage == nil ? ConfigRecipe.split(path) : (path, nil)
        guard let text = try? String(contentsOfFile: file, encoding: .utf8) else {
            throw TrainingError.file(file, FileManager.default.fileExists(atPath: file) ? "cannot read the config" : "no such config file")
        }
        let chosen = stage ?? suffix
        return try parse(yaml: try ConfigRecipe.resolve(text: text, path: file, stage: chosen),
                         defaultName: chosen ?? URL(fileURLWithPath: file).deletingPathExtension().lastPathComponent)
    }

    /// Parses and validates YAML text.
    public static func parse(yaml: String, defaultName: String = "run") throws -> TrainingConfig {
        let root = try ConfigReader.parse(yaml: yaml)
        try root.forbid("base", because: "in config text: a base is merged in only when a config is loaded from its file")
        let name = try root.string("name", default: defaultName)
        guard !name.isEmpty, !name.contains("/") else {
            throw TrainingError.config(key: "name", found: "'\(name)'", expected: "a non-empty name without '/'")
        }
        let model = try root.section("model")
        let type = try model.requiredString("type", allowed: ["AutoencoderKL", "AudioLDM", "ContrastiveAudioText", "AutoencoderOobleck",
                                                              "StableAudioDiTModel"])
        let stage: Stage = ["AutoencoderKL": .vae, "AudioLDM": .ldm, "ContrastiveAudioText": .clap, "AutoencoderOobleck": .oobleck,
                            "StableAudioDiTModel": .dit][type]!

        var vae = AutoencoderKLConfig()
        var ldm: LDMModelConfig?
        var contrastive: ContrastiveAudioTextConfig?
        var oobleck: AutoencoderOobleckConfig?
        var dit: DiTModelConfig?
        switch stage {
        case .vae: vae = try parseVAE(model)
        case .ldm: ldm = try parseLDM(model)
        case .clap: contrastive = try parseContrastive(model)
        case .oobleck: oobleck = try parseOobleck(model)
        case .dit: dit = try parseDiT(model)
        }
        let data = try parseData(try root.section("data"), stage: stage)
        let train = try parseTrain(try root.section("train"), stage: stage)
        var diffusion = DiffusionConfig(), textEncoder = TextEncoderConfig(), inference = InferenceConfig()
        if stage == .ldm || stage == .dit {
            diffusion = try parseDiffusion(try root.section("diffusion"), flowOnly: stage == .dit)
            textEncoder = try parseTextEncoder(try root.section("text_encoder"))
            inference = try parseInference(try root.section("inference"), flow: diffusion.predictionType == "flow_prediction")
            if diffusion.predictionType == "flow_prediction" && train.timestepBias.strategy != "none" {
                throw TrainingError.config(key: "train.timestep_bias_strategy", found: "'\(train.timestepBias.strategy)'",
                                           expected: "none with diffusion.prediction_type flow_prediction (use diffusion.timestep_sampling)")
            }
        } else if stage == .clap {
            textEncoder = try parseTextEncoder(try root.section("text_encoder"))
            if !textEncoder.freeze {
                throw TrainingError.config(key: "text_encoder.freeze", found: "false", expected: "true for ContrastiveAudioText (it trains a projection of the frozen pooled vector)")
            }
            for s in ["diffusion", "inference"] { try root.forbid(s, because: "section in a ContrastiveAudioText config") }
        } else {
            for s in ["diffusion", "text_encoder", "inference"] { try root.forbid(s, because: "section in a \(stage == .vae ? "stage-1 (AutoencoderKL)" : type) config") }
        }
        // How long to train is never left wholly to defaults: a config without a train section used to train
        // 1000 steps silently.
        guard root.has("train") else {
            throw TrainingError.config(key: "train", found: "nothing (the section is missing)",
                                       expected: "a train section with at least max_steps (the number of optimizer steps)")
        }
        try root.finish()
        return TrainingConfig(name: name, stage: stage, vae: vae, ldm: ldm, contrastive: contrastive, oobleck: oobleck, dit: dit, data: data,
                              train: train, diffusion: diffusion, textEncoder: textEncoder, inference: inference, yaml: yaml)
    }

    static func parseVAE(_ m: ConfigReader) throws -> AutoencoderKLConfig {
        var c = AutoencoderKLConfig()
        c.inChannels = try m.int("in_channels", default: 1, min: 1, max: 1)
        c.outChannels = try m.int("out_channels", default: 1, min: 1, max: 1)
        c.latentChannels = try m.int("latent_channels", default: 8, min: 1)
        let boc = try m.intList("block_out_channels", default: [32, 64, 128], min: 1, count: 1...8)!
        c.blockOutChannels = boc
        c.downBlockTypes = Array(repeating: "DownEncoderBlock2D", count: boc.count)
        c.upBlockTypes = Array(repeating: "UpDecoderBlock2D", count: boc.count)
        c.layersPerBlock = try m.int("layers_per_block", default: 2, min: 1)
        c.normNumGroups = try m.int("norm_num_groups", default: 32, min: 1)
        try checkGroups(m, "norm_num_groups", c.normNumGroups, boc)
        c.actFn = try m.string("act_fn", default: "silu", allowed: ["silu", "relu", "gelu", "swish", "mish", "tanh"])
        c.midBlockAddAttention = try m.bool("mid_block_add_attention", default: true)
        c.sampleSize = nil
        c.forceUpcast = false
        return c
    }

    static func checkGroups(_ m: ConfigReader, _ key: String, _ groups: Int, _ channels: [Int]) throws {
        if let bad = channels.first(where: { $0 % groups != 0 }) {
            throw TrainingError.config(key: m.key(key), found: "\(groups)",
                                       expected: "a divisor of every block_out_channels entry (\(bad) is not divisible)")
        }
    }

    static func parseLDM(_ m: ConfigReader) throws -> LDMModelConfig {
        let boc = try m.intList("block_out_channels", default: [64, 128, 256], min: 1, count: 1...8)!
        let n = boc.count
        // Cross-attention at the lower resolutions only: the first (full-resolution) level is a plain block.
        let defaultDown = n == 1 ? ["CrossAttnDownBlock2D"] : ["DownBlock2D"] + Array(repeating: "CrossAttnDownBlock2D", count: n - 1)
        let down = try m.stringList("down_block_types", default: defaultDown, allowed: downTypes)!
        let up = try m.stringList("up_block_types", default: down.reversed().map { $0 == "DownBlock2D" ? "UpBlock2D" : "CrossAttnUpBlock2D" },
                                  allowed: upTypes)!
        for (k, l) in [("down_block_types", down), ("up_block_types", up)] where l.count != n {
            throw TrainingError.config(key: m.key(k), found: "\(l.count) entries", expected: "one per block_out_channels entry (\(n))")
        }
        var c = LDMModelConfig(downBlockTypes: down, upBlockTypes: up)
        c.blockOutChannels = boc
        c.pretrainedVAE = try m.optionalString("pretrained_vae")
        c.contrastive = try m.optionalString("contrastive")
        let cond = try m.string("conditioning", default: "both", allowed: ["pooled", "tokens", "both"])
        c.conditioning = TextToAudioPipeline.Conditioning(rawValue: cond)!
        c.layersPerBlock = try m.int("layers_per_block", default: 1, min: 1)
        let mid = try m.string("mid_block_type", default: "UNetMidBlock2DCrossAttn", allowed: midTypes)
        c.midBlockType = mid == "none" ? nil : mid
        c.attentionHeads = try m.int("attention_heads", default: 4, min: 1)
        for (i, ch) in boc.enumerated() where ch % c.attentionHeads != 0 && (down[i].hasPrefix("CrossAttn") || up[n - 1 - i].hasPrefix("CrossAttn")) {
            throw TrainingError.config(key: m.key("attention_heads"), found: "\(c.attentionHeads)",
                                       expected: "a divisor of the channels of every attention block (\(ch) is not divisible)")
        }
        c.transformerLayersPerBlock = try m.int("transformer_layers_per_block", default: 1, min: 1)
        c.normNumGroups = try m.int("norm_num_groups", default: 32, min: 1)
        try checkGroups(m, "norm_num_groups", c.normNumGroups, boc)
        c.classEmbeddingsConcat = try m.bool("class_embeddings_concat", default: false)
        c.dropout = Float(try m.double("dropout", default: 0, min: 0, max: 0.99))
        c.timeChannel = try m.bool("time_channel", default: false)
        c.promptAttributes = try m.bool("prompt_attributes", default: false)
        if c.promptAttributes && c.conditioning == .tokens {
            throw TrainingError.config(key: m.key("prompt_attributes"), found: "true with conditioning: tokens",
                                       expected: "conditioning: pooled or both (the features feed the class embedding)")
        }
        return c
    }

    static func parseContrastive(_ m: ConfigReader) throws -> ContrastiveAudioTextConfig {
        var c = ContrastiveAudioTextConfig()
        c.blockOutChannels = try m.intList("block_out_channels", default: c.blockOutChannels, min: 1, count: 1...6)!
        c.normNumGroups = try m.int("norm_num_groups", default: c.normNumGroups, min: 1)
        try checkGroups(m, "norm_num_groups", c.normNumGroups, c.blockOutChannels)
        c.timePooling = try m.int("time_pooling", default: c.timePooling, min: 1, max: 8)
        c.projectionHiddenDim = try m.int("projection_hidden_dim", default: c.projectionHiddenDim, min: 1)
        c.projectionDim = try m.int("projection_dim", default: c.projectionDim, min: 1)
        c.initialTemperature = Float(try m.double("initial_temperature", default: Double(c.initialTemperature), min: 0, exclusiveMin: true))
        return c
    }

    static func parseData(_ d: ConfigReader, stage: Stage = .vae) throws -> DataConfig {
        var c = DataConfig(dataset: try d.requiredString("dataset", meaning: "the output folder of `foley preprocess`"))
        c.trainSplit = try d.string("train_split", default: "train")
        c.validSplit = try d.string("valid_split", default: "valid")
        c.batchSize = try d.int("batch_size", default: 8, min: 1)
        // Bounded: attention runs over every latent position of a crop, and 200000 frames grew past 6 GB.
        c.segmentSeconds = try d.optionalDouble("segment_seconds", min: 0, max: 80, exclusiveMin: true)
        c.segmentFrames = try d.optionalInt("segment_frames", min: 1, max: 8192)
        if c.segmentSeconds != nil && c.segmentFrames != nil {
            throw TrainingError.config(key: d.key("segment_frames"), found: "\(c.segmentFrames!)",
                                       expected: "either segment_seconds or segment_frames, not both")
        }
        if c.segmentSeconds == nil && c.segmentFrames == nil { c.segmentSeconds = 4 }
        c.shuffle = try d.bool("shuffle", default: true)
        c.dropLast = try d.bool("drop_last", default: stage == .clap)
        c.shardRemainder = try d.string("shard_remainder", default: "pad", allowed: ["pad", "drop"])
        c.numWorkers = try d.int("num_workers", default: 1, min: 0)
        if stage == .ldm { c.latents = try d.bool("latents", default: false) } else {
            try d.forbid("latents", because: "outside an LDM config: cached latents feed the diffusion model's training")
        }
        c.sampleRate = try d.optionalInt("sample_rate", min: 1000)
        // librosa's spelling, as the audio front end writes it; the older `num_mels` is still read.
        let nMels = try d.optionalInt("n_mels", min: 8), legacyNumMels = try d.optionalInt("num_mels", min: 8)
        if nMels != nil && legacyNumMels != nil {
            throw TrainingError.config(key: "data.num_mels", found: "beside data.n_mels", expected: "only n_mels (num_mels is its older spelling)")
        }
        c.numMels = nMels ?? legacyNumMels
        c.nFFT = try d.optionalInt("n_fft", min: 16)
        c.hopLength = try d.optionalInt("hop_length", min: 1)
        return c
    }

    static func parseTrain(_ t: ConfigReader, stage: Stage) throws -> TrainConfig {
        var c = TrainConfig()
        c.seed = UInt64(try t.int("seed", default: 0, min: 0))
        c.maxSteps = try t.int("max_steps", default: 1000, min: 1)
        c.maxEpochs = try t.optionalInt("max_epochs", min: 1)
        c.learningRate = try t.double("learning_rate", default: stage == .vae ? 1e-4 : 1e-4, min: 0, exclusiveMin: true)
        c.lrScheduler = try t.string("lr_scheduler", default: "cosine", allowed: lrSchedulers)
        c.warmupSteps = try t.int("warmup_steps", default: 0, min: 0)
        c.minLRFactor = try t.double("min_lr_factor", default: 0, min: 0, max: 1)
        c.weightDecay = try t.double("weight_decay", default: 0.01, min: 0)
        c.adamBetas = try t.doubleList("adam_betas", default: [0.9, 0.999], count: 2...2)!
        for (i, b) in c.adamBetas.enumerated() where !(0..<1).contains(b) {
            throw TrainingError.config(key: t.key("adam_betas") + "[\(i)]", found: "\(b)", expected: "a number in [0, 1)")
        }
        c.adamEps = try t.double("adam_eps", default: 1e-8, min: 0, exclusiveMin: true)
        c.gradClip = try t.double("grad_clip", default: 1, min: 0)
        c.gradAccumSteps = try t.int("grad_accum_steps", default: 1, min: 1)
        c.bucketMB = try t.double("bucket_mb", default: 25, min: 0, exclusiveMin: true)
        let vaeKeys = ["kl_weight", "spectral_loss_weight", "spectral_loss_scales", "validation_clips"]
        let oobleckKeys = ["stft_resolutions", "waveform_l1_weight"]
        let ldmKeys = ["text_dropout", "pooled_from_audio"] + TimestepBias.configKeys
        if stage != .oobleck {
            for k in oobleckKeys { try t.forbid(k, because: "key outside an AutoencoderOobleck config: it is the Oobleck's loss") }
        }
        if stage == .oobleck || stage == .dit {
            c.lossType = try t.string("loss_type", default: "mse", allowed: ["mse"])
        } else {
            c.lossType = try t.string("loss_type", default: stage == .vae ? "l1" : "mse", allowed: ["l1", "mse"])
        }
        if stage == .oobleck {
            try parseOobleckTrain(t, into: &c)
            for k in ["spectral_loss_weight", "spectral_loss_scales", "freeze_encoder"] + ldmKeys {
                try t.forbid(k, because: "key in an AutoencoderOobleck config: it applies to the mel VAE or the LDM (the Oobleck uses stft_resolutions)")
            }
        } else if stage == .dit {
            c.textDropout = try t.double("text_dropout", default: 0.1, min: 0, max: 1)
            for k in vaeKeys + ["pooled_from_audio"] + TimestepBias.configKeys {
                try t.forbid(k, because: "key in a StableAudioDiTModel config: it applies to a VAE or the UNet LDM (a flow draws sigmas by diffusion.timestep_sampling)")
            }
        } else if stage == .vae {
            c.klWeight = try t.double("kl_weight", default: 1e-6, min: 0)
            c.spectralLossWeight = try t.double("spectral_loss_weight", default: 0, min: 0)
            c.freezeEncoder = try t.bool("freeze_encoder", default: false)
            c.spectralLossScales = try t.intList("spectral_loss_scales", default: [1, 2, 4], min: 1, count: 1...8)!
            c.validationClips = try t.int("validation_clips", default: 4, min: 0)
        } else if stage == .ldm {
            c.textDropout = try t.double("text_dropout", default: 0.1, min: 0, max: 1)
            c.pooledFromAudio = try t.double("pooled_from_audio", default: 0, min: 0, max: 1)
            c.timestepBias = TimestepBias(
                strategy: try t.string("timestep_bias_strategy", default: "none", allowed: TimestepBias.strategies),
                multiplier: try t.double("timestep_bias_multiplier", default: 1, min: 0, exclusiveMin: true),
                portion: try t.double("timestep_bias_portion", default: 0.25, min: 0, max: 1),
                begin: try t.int("timestep_bias_begin", default: 0, min: 0),
                end: try t.int("timestep_bias_end", default: 1000, min: 1))
            for k in ["kl_weight", "spectral_loss_weight", "spectral_loss_scales", "validation_clips"] {
                try t.forbid(k, because: "key in a stage-2 (AudioLDM) config: it only applies to the VAE")
            }
        }
        if stage == .vae {
            for k in ["text_dropout", "pooled_from_audio"] + TimestepBias.configKeys {
                try t.forbid(k, because: "key in a stage-1 (AutoencoderKL) config: it only applies to the LDM")
            }
        }
        if stage == .clap {
            for k in ["kl_weight", "spectral_loss_weight", "spectral_loss_scales", "validation_clips", "text_dropout",
                      "pooled_from_audio"] + TimestepBias.configKeys {
                try t.forbid(k, because: "key in a ContrastiveAudioText config: it applies to the VAE or the LDM")
            }
        }
        c.samplePosterior = try t.bool("sample_posterior", default: true)
        c.ema = try t.bool("ema", default: stage == .ldm || stage == .dit)
        c.emaDecay = try t.double("ema_decay", default: 0.999, min: 0, max: 1)
        c.logEvery = try t.int("log_every", default: 10, min: 1)
        c.checkpointEvery = try t.int("checkpoint_every", default: 500, min: 1)
        c.keepCheckpoints = try t.int("keep_checkpoints", default: 3, min: 1)
        c.validateEvery = try t.int("validate_every", default: 0, min: 0)
        c.scalingFactorBatches = try t.int("scaling_factor_batches", default: 8, min: 1)
        c.lora = try parseLoRA(t, stage: stage)
        c.adversarial = try AdversarialConfig.parse(t, stage: stage)
        return c
    }

    /// `flowOnly`: the DiT stage, which trains as a rectified flow only (Stable Audio Open Small's objective).
    static func parseDiffusion(_ d: ConfigReader, flowOnly: Bool = false) throws -> DiffusionConfig {
        var c = DiffusionConfig()
        c.numTrainTimesteps = try d.int("num_train_timesteps", default: 1000, min: 2)
        c.betaSchedule = try d.string("beta_schedule", default: "scaled_linear", allowed: ["linear", "scaled_linear", "squaredcos_cap_v2"])
        c.betaStart = try d.double("beta_start", default: 0.0015, min: 0, max: 1, exclusiveMin: true)
        c.betaEnd = try d.double("beta_end", default: 0.0195, min: 0, max: 1, exclusiveMin: true)
        if c.betaEnd < c.betaStart {
            throw TrainingError.config(key: d.key("beta_end"), found: "\(c.betaEnd)", expected: "a number >= beta_start (\(c.betaStart))")
        }
        // rectified_flow is the issue's and Stable Audio's word for diffusers' flow_prediction.
        c.predictionType = try d.string("prediction_type", default: flowOnly ? "flow_prediction" : "epsilon",
                                        allowed: flowOnly ? ["flow_prediction", "rectified_flow"] : ["epsilon", "v_prediction", "flow_prediction", "rectified_flow"])
        if c.predictionType == "rectified_flow" { c.predictionType = "flow_prediction" }
        let flowKeys = ["timestep_sampling", "logit_mean", "logit_std"]
        if c.predictionType == "flow_prediction" {
            c.timestepSampling = try d.string("timestep_sampling", default: "logit_normal",
                                              allowed: FlowMatchingObjective.TimestepSampling.allCases.map(\.rawValue))
            c.logitMean = try d.double("logit_mean", default: 0)
            c.logitStd = try d.double("logit_std", default: 1, min: 0, exclusiveMin: true)
            for k in ["beta_schedule", "beta_start", "beta_end"] {
                try d.forbid(k, because: "key with prediction_type flow_prediction: a flow has no beta schedule")
            }
        } else {
            for k in flowKeys { try d.forbid(k, because: "key with prediction_type \(c.predictionType): it applies to flow_prediction only") }
        }
        if let v = try d.optionalString("scaling_factor"), v != "auto" {
            guard let f = Double(v), f > 0, f.isFinite else {
                throw TrainingError.config(key: d.key("scaling_factor"), found: "'\(v)'", expected: "auto or a number > 0")
            }
            c.scalingFactor = Float(f)
        }
        return c
    }

    static func parseTextEncoder(_ t: ConfigReader) throws -> TextEncoderConfig {
        var c = TextEncoderConfig()
        c.type = try t.string("type", default: "minilm", allowed: ["minilm", "folder"])
        c.path = try t.optionalString("path")
        c.tokenizerPath = try t.optionalString("tokenizer_path")
        if c.type == "folder" && c.path == nil {
            throw TrainingError.config(key: t.key("path"), found: "nothing (the key is missing)",
                                       expected: "a Hugging Face encoder folder (config.json + model.safetensors) when type is folder")
        }
        if c.type == "minilm", let p = c.path {
            throw TrainingError.config(key: t.key("path"), found: "'\(p)'", expected: "no path when type is minilm (use type: folder)")
        }
        c.freeze = try t.bool("freeze", default: true)
        c.maxLength = try t.optionalInt("max_length", min: 2)
        return c
    }

    static func parseInference(_ i: ConfigReader, flow: Bool = false) throws -> InferenceConfig {
        var c = InferenceConfig()
        c.sampler = try i.string("sampler", default: flow ? "flow_euler" : "ddim", allowed: allowedSamplers)
        // A flow model's output is a velocity, which only the flow samplers integrate (and they integrate nothing else).
        if flow != flowSamplers.contains(c.sampler) {
            throw TrainingError.config(key: i.key("sampler"), found: "'\(c.sampler)'",
                                       expected: flow ? "flow_euler or flow_heun with diffusion.prediction_type flow_prediction"
                                                      : "a sampler other than flow_euler/flow_heun (they need diffusion.prediction_type flow_prediction)")
        }
        c.numSteps = try i.int("num_steps", default: 50, min: 1)
        c.guidanceScale = try i.double("guidance_scale", default: 2.5, min: 0)
        c.prompts = try i.stringList("prompts", default: [])!
        c.seed = UInt64(try i.int("seed", default: 0, min: 0))
        c.seconds = try i.double("seconds", default: 4, min: 0, exclusiveMin: true)
        c.vocoder = try i.string("vocoder", default: "griffin-lim")
        c.griffinLimIterations = try i.int("griffin_lim_iterations", default: 32, min: 1)
        c.modelDefaults = try i.bool("model_defaults", default: false)
        return c
    }
}

/// A learning-rate schedule by name (NN's `LRSchedule`), resolved against the run's total steps.
public struct LRScheduleSpec: Equatable {
    public var name: String
    public var warmup: Int
    /// Where cosine decay ends (linear decays to 0, as diffusers' schedule does).
    public var minFactor: Float

    public func schedule(totalSteps: Int) -> LRSchedule {
        switch name {
        case "constant": return .constant
        case "warmup_constant": return .warmupConstant(warmup: warmup)
        case "linear": return .linear(warmup: warmup, total: totalSteps)
        default: return .cosine(warmup: warmup, total: totalSteps, minFactor: minFactor)
        }
    }
}
