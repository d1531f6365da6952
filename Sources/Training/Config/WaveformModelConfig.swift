import Diffusion
import Foundation

/// `model` for the Stable Audio family's two stages: `AutoencoderOobleck` (the waveform VAE, trained on the
/// dataset's audio) and `StableAudioDiTModel` (the DiT trained as a rectified flow over that VAE's latents, with
/// StableAudioProjectionModel's text and seconds conditioning). Keys are diffusers' config names.
extension TrainingConfig {
    /// The DiT stage's model section: the transformer's shape, the projection's and where the frozen VAE comes from.
    public struct DiTModelConfig: Equatable {
        /// An AutoencoderOobleck: an oobleck-stage checkpoint or experiment folder, a diffusers `vae/` folder, or a
        /// model folder holding `vae/`.
        public var pretrainedVAE: String?
        public var numLayers = 2
        public var attentionHeadDim = 16
        public var numAttentionHeads = 2
        public var numKeyValueAttentionHeads = 1
        public var crossAttentionDim = 32
        public var timeProjDim = 32
        /// StableAudioProjectionModel's width: the text and each seconds number are projected to it.
        public var conditioningDim = 32
        /// The seconds conditioners' range (Stable Audio Open: 0 to 512).
        public var minSeconds: Float = 0
        public var maxSeconds: Float = 512

        /// The diffusers transformer config for latents of `latentChannels`; `sampleSize` is the trained length.
        public func transformerConfig(latentChannels: Int, sampleSize: Int) -> StableAudioDiTConfig {
            var c = StableAudioDiTConfig()
            c.sampleSize = sampleSize
            c.inChannels = latentChannels
            c.outChannels = latentChannels
            c.numLayers = numLayers
            c.attentionHeadDim = attentionHeadDim
            c.numAttentionHeads = numAttentionHeads
            c.numKeyValueAttentionHeads = numKeyValueAttentionHeads
            c.crossAttentionDim = crossAttentionDim
            c.timeProjDim = timeProjDim
            c.crossAttentionInputDim = conditioningDim
            c.globalStatesInputDim = 2 * conditioningDim
            return c
        }

        /// The projection from a text encoder of `textEncoderDim` to the conditioning width.
        public func projectionConfig(textEncoderDim: Int) -> StableAudioProjectionConfig {
            StableAudioProjectionConfig(textEncoderDim: textEncoderDim, conditioningDim: conditioningDim, minValue: minSeconds, maxValue: maxSeconds)
        }
    }

    /// The Oobleck's shape; audio_channels and sampling_rate are the dataset's (mono, its rate), so they are not keys.
    static func parseOobleck(_ m: ConfigReader) throws -> AutoencoderOobleckConfig {
        var c = AutoencoderOobleckConfig()
        c.decoderInputChannels = try m.int("decoder_input_channels", default: 8, min: 1)
        c.encoderHiddenSize = try m.int("encoder_hidden_size", default: 2 * c.decoderInputChannels, min: 1)
        c.downsamplingRatios = try m.intList("downsampling_ratios", default: [2, 4, 4], min: 1, count: 1...8)!
        c.channelMultiples = try m.intList("channel_multiples", default: [1, 2, 4], min: 1, count: 1...8)!
        c.decoderChannels = try m.int("decoder_channels", default: 16, min: 1)
        for k in ["audio_channels", "sampling_rate"] {
            try m.forbid(k, because: "key: the Oobleck takes the dataset's audio (mono, at the rate it was preprocessed at)")
        }
        c.audioChannels = 1
        do { try c.validate() } catch let e as DiffusionError {
            throw TrainingError.config(key: "model", found: "an AutoencoderOobleck it cannot build", expected: e.description)
        }
        return c
    }

    static func parseDiT(_ m: ConfigReader) throws -> DiTModelConfig {
        var c = DiTModelConfig()
        c.pretrainedVAE = try m.optionalString("pretrained_vae")
        c.numLayers = try m.int("num_layers", default: c.numLayers, min: 1)
        c.attentionHeadDim = try m.int("attention_head_dim", default: c.attentionHeadDim, min: 4)
        c.numAttentionHeads = try m.int("num_attention_heads", default: c.numAttentionHeads, min: 1)
        c.numKeyValueAttentionHeads = try m.int("num_key_value_attention_heads", default: c.numKeyValueAttentionHeads, min: 1)
        c.crossAttentionDim = try m.int("cross_attention_dim", default: c.crossAttentionDim, min: 1)
        c.timeProjDim = try m.int("time_proj_dim", default: c.timeProjDim, min: 2)
        c.conditioningDim = try m.int("conditioning_dim", default: c.conditioningDim, min: 1)
        c.minSeconds = Float(try m.double("min_value", default: 0, min: 0))
        c.maxSeconds = Float(try m.double("max_value", default: 512, min: 0, exclusiveMin: true))
        for k in ["in_channels", "out_channels", "global_states_input_dim", "cross_attention_input_dim", "sample_size"] {
            try m.forbid(k, because: "key: it follows from the VAE's latent channels, conditioning_dim and the crop length")
        }
        // Built once here so a shape diffusers' class refuses is an error naming the key before any data is read.
        do { try c.transformerConfig(latentChannels: 1, sampleSize: 1).validate() } catch let e as DiffusionError {
            throw TrainingError.config(key: "model", found: "a StableAudioDiTModel it cannot build", expected: e.description)
        }
        guard c.maxSeconds > c.minSeconds else {
            throw TrainingError.config(key: m.key("max_value"), found: "\(c.maxSeconds)", expected: "more than min_value (\(c.minSeconds))")
        }
        return c
    }

    /// `train` keys of the Oobleck stage: its multi-resolution STFT loss, the KL weight and an optional waveform L1.
    static func parseOobleckTrain(_ t: ConfigReader, into c: inout TrainConfig) throws {
        c.klWeight = try t.double("kl_weight", default: 1e-4, min: 0)
        c.stftResolutions = try t.intList("stft_resolutions", default: [512, 256, 128, 64], min: 16, count: 1...8)!
        c.waveformL1Weight = try t.double("waveform_l1_weight", default: 0, min: 0)
        c.validationClips = try t.int("validation_clips", default: 4, min: 0)
    }
}
