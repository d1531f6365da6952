import Foundation

/// UNet2DConditionModel's config.json (diffusers schema); absent or null keys take diffusers' defaults.
public struct UNet2DConditionConfig: Codable, Equatable, Sendable {
    public var sampleSize: IntOrList?
    public var inChannels = 4
    public var outChannels = 4
    public var centerInputSample = false
    public var flipSinToCos = true
    public var freqShift: Float = 0
    public var downBlockTypes = ["CrossAttnDownBlock2D", "CrossAttnDownBlock2D", "CrossAttnDownBlock2D", "DownBlock2D"]
    public var midBlockType: String? = "UNetMidBlock2DCrossAttn"
    public var upBlockTypes = ["UpBlock2D", "CrossAttnUpBlock2D", "CrossAttnUpBlock2D", "CrossAttnUpBlock2D"]
    public var onlyCrossAttention = BoolOrList.bool(false)
    public var blockOutChannels = [320, 640, 1280, 1280]
    public var layersPerBlock = IntOrList.int(2)
    public var downsamplePadding = 1
    public var midBlockScaleFactor: Float = 1
    public var dropout: Float = 0
    public var actFn = "silu"
    public var normNumGroups: Int? = 32
    public var normEps: Float = 1e-5
    public var crossAttentionDim = IntOrList.int(1280)
    public var transformerLayersPerBlock = IntOrList.int(1)
    public var attentionHeadDim = IntOrList.int(8)
    public var numAttentionHeads: IntOrList?
    public var dualCrossAttention = false
    public var useLinearProjection = false
    public var classEmbedType: String?
    public var additionEmbedType: String?
    public var numClassEmbeds: Int?
    public var upcastAttention = false
    public var resnetTimeScaleShift = "default"
    public var resnetSkipTimeAct = false
    public var resnetOutScaleFactor: Float = 1
    public var timeEmbeddingType = "positional"
    public var timeEmbeddingDim: Int?
    public var timeEmbeddingActFn: String?
    public var timestepPostAct: String?
    public var timeCondProjDim: Int?
    public var convInKernel = 3
    public var convOutKernel = 3
    public var projectionClassEmbeddingsInputDim: Int?
    public var attentionType = "default"
    public var classEmbeddingsConcat = false
    public var midBlockOnlyCrossAttention: Bool?
    public var crossAttentionNorm: String?
    public var encoderHidDim: Int?
    public var encoderHidDimType: String?
    /// Foley's extension (not a diffusers key): when set, the UNet appends one input channel holding each latent
    /// frame's time in seconds (frame index times this), so it knows where in the clip it is; `in_channels` counts
    /// that channel, as diffusers' inpainting UNets count their mask channel, and callers pass `sampleChannels`.
    public var timeChannelSecondsPerFrame: Float?

    /// The channels a caller's latents have: `in_channels` less the time channel the UNet appends itself.
    public var sampleChannels: Int { inChannels - (timeChannelSecondsPerFrame == nil ? 0 : 1) }

    public init() {}

    enum CodingKeys: String, CodingKey {
        case sampleSize = "sample_size", inChannels = "in_channels", outChannels = "out_channels"
        case centerInputSample = "center_input_sample", flipSinToCos = "flip_sin_to_cos", freqShift = "freq_shift"
        case downBlockTypes = "down_block_types", midBlockType = "mid_block_type", upBlockTypes = "up_block_types"
        case onlyCrossAttention = "only_cross_attention", blockOutChannels = "block_out_channels"
        case layersPerBlock = "layers_per_block", downsamplePadding = "downsample_padding"
        case midBlockScaleFactor = "mid_block_scale_factor", dropout, actFn = "act_fn", normNumGroups = "norm_num_groups"
        case normEps = "norm_eps", crossAttentionDim = "cross_attention_dim"
        case transformerLayersPerBlock = "transformer_layers_per_block", attentionHeadDim = "attention_head_dim"
        case numAttentionHeads = "num_attention_heads", dualCrossAttention = "dual_cross_attention"
        case useLinearProjection = "use_linear_projection", classEmbedType = "class_embed_type"
        case additionEmbedType = "addition_embed_type", numClassEmbeds = "num_class_embeds"
        case upcastAttention = "upcast_attention", resnetTimeScaleShift = "resnet_time_scale_shift"
        case resnetSkipTimeAct = "resnet_skip_time_act", resnetOutScaleFactor = "resnet_out_scale_factor"
        case timeEmbeddingType = "time_embedding_type", timeEmbeddingDim = "time_embedding_dim"
        case timeEmbeddingActFn = "time_embedding_act_fn", timestepPostAct = "timestep_post_act"
        case timeCondProjDim = "time_cond_proj_dim", convInKernel = "conv_in_kernel", convOutKernel = "conv_out_kernel"
        case projectionClassEmbeddingsInputDim = "projection_class_embeddings_input_dim", attentionType = "attention_type"
        case classEmbeddingsConcat = "class_embeddings_concat", midBlockOnlyCrossAttention = "mid_block_only_cross_attention"
        case crossAttentionNorm = "cross_attention_norm", encoderHidDim = "encoder_hid_dim"
        case encoderHidDimType = "encoder_hid_dim_type"
        case timeChannelSecondsPerFrame = "time_channel_seconds_per_frame"
    }

    public init(from decoder: Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        let d = UNet2DConditionConfig()
        sampleSize = try c.decodeIfPresent(IntOrList.self, forKey: .sampleSize)
        inChannels = try c.value(.inChannels, or: d.inChannels)
        outChannels = try c.value(.outChannels, or: d.outChannels)
        centerInputSample = try c.value(.centerInputSample, or: d.centerInputSample)
        flipSinToCos = try c.value(.flipSinToCos, or: d.flipSinToCos)
        freqShift = try c.value(.freqShift, or: d.freqShift)
        downBlockTypes = try c.value(.downBlockTypes, or: d.downBlockTypes)
        // An explicit null means "no mid block"; an absent key means the default.
        midBlockType = c.contains(.midBlockType) ? try c.decodeIfPresent(String.self, forKey: .midBlockType) : d.midBlockType
        upBlockTypes = try c.value(.upBlockTypes, or: d.upBlockTypes)
        onlyCrossAttention = try c.value(.onlyCrossAttention, or: d.onlyCrossAttention)
        blockOutChannels = try c.value(.blockOutChannels, or: d.blockOutChannels)
        layersPerBlock = try c.value(.layersPerBlock, or: d.layersPerBlock)
        downsamplePadding = try c.value(.downsamplePadding, or: d.downsamplePadding)
        midBlockScaleFactor = try c.value(.midBlockScaleFactor, or: d.midBlockScaleFactor)
        dropout = try c.value(.dropout, or: d.dropout)
        actFn = try c.value(.actFn, or: d.actFn)
        normNumGroups = c.contains(.normNumGroups) ? try c.decodeIfPresent(Int.self, forKey: .normNumGroups) : d.normNumGroups
        normEps = try c.value(.normEps, or: d.normEps)
        crossAttentionDim = try c.value(.crossAttentionDim, or: d.crossAttentionDim)
        transformerLayersPerBlock = try c.value(.transformerLayersPerBlock, or: d.transformerLayersPerBlock)
        attentionHeadDim = try c.value(.attentionHeadDim, or: d.attentionHeadDim)
        numAttentionHeads = try c.decodeIfPresent(IntOrList.self, forKey: .numAttentionHeads)
        dualCrossAttention = try c.value(.dualCrossAttention, or: d.dualCrossAttention)
        useLinearProjection = try c.value(.useLinearProjection, or: d.useLinearProjection)
        classEmbedType = try c.decodeIfPresent(String.self, forKey: .classEmbedType)
        additionEmbedType = try c.decodeIfPresent(String.self, forKey: .additionEmbedType)
        numClassEmbeds = try c.decodeIfPresent(Int.self, forKey: .numClassEmbeds)
        upcastAttention = try c.value(.upcastAttention, or: d.upcastAttention)
        resnetTimeScaleShift = try c.value(.resnetTimeScaleShift, or: d.resnetTimeScaleShift)
        resnetSkipTimeAct = try c.value(.resnetSkipTimeAct, or: d.resnetSkipTimeAct)
        resnetOutScaleFactor = try c.value(.resnetOutScaleFactor, or: d.resnetOutScaleFactor)
        timeEmbeddingType = try c.value(.timeEmbeddingType, or: d.timeEmbeddingType)
        timeEmbeddingDim = try c.decodeIfPresent(Int.self, forKey: .timeEmbeddingDim)
        timeEmbeddingActFn = try c.decodeIfPresent(String.self, forKey: .timeEmbeddingActFn)
        timestepPostAct = try c.decodeIfPresent(String.self, forKey: .timestepPostAct)
        timeCondProjDim = try c.decodeIfPresent(Int.self, forKey: .timeCondProjDim)
        convInKernel = try c.value(.convInKernel, or: d.convInKernel)
        convOutKernel = try c.value(.convOutKernel, or: d.convOutKernel)
        projectionClassEmbeddingsInputDim = try c.decodeIfPresent(Int.self, forKey: .projectionClassEmbeddingsInputDim)
        attentionType = try c.value(.attentionType, or: d.attentionType)
        classEmbeddingsConcat = try c.value(.classEmbeddingsConcat, or: d.classEmbeddingsConcat)
        midBlockOnlyCrossAttention = try c.decodeIfPresent(Bool.self, forKey: .midBlockOnlyCrossAttention)
        crossAttentionNorm = try c.decodeIfPresent(String.self, forKey: .crossAttentionNorm)
        encoderHidDim = try c.decodeIfPresent(Int.self, forKey: .encoderHidDim)
        encoderHidDimType = try c.decodeIfPresent(String.self, forKey: .encoderHidDimType)
        timeChannelSecondsPerFrame = try c.decodeIfPresent(Float.self, forKey: .timeChannelSecondsPerFrame)
    }
}
