import Foundation
import NN
import Tensors

/// diffusers' UNet2DConditionModel, the subset audio latent diffusion uses (AudioLDM, Tango/Amphion-style
/// cross-attention UNets): DownBlock2D / CrossAttnDownBlock2D, UNetMidBlock2DCrossAttn (or UNetMidBlock2D / none),
/// CrossAttnUpBlock2D / UpBlock2D, positional time embedding, and class embeddings ("simple_projection",
/// "projection", "timestep", "identity", or a `num_class_embeds` table), added to or concatenated with the
/// time embedding. Parameter names are diffusers', so its checkpoints load with strict key matching.
public final class UNet2DConditionModel: Module {
    public let config: UNet2DConditionConfig
    public let timeProj: Timesteps
    public let timeEmbedding: TimestepEmbedding
    public let convIn: Conv2d, convOut: Conv2d
    public let convNormOut: GroupNorm
    let classEmbed: ((Tensor) throws -> Tensor)?
    let timeEmbedActivation: Activation?
    let activation: Activation
    public let downBlocks: [any UNetDownBlock]
    public let midBlock: (any UNetMidBlock)?
    public let upBlocks: [any UNetUpBlock]
    /// Whether some attn2 projects from a width other than its own, so encoder states must be given.
    public let requiresEncoderHiddenStates: Bool
    /// The cross-attention width each conditioning token must have (the first block's), nil without cross-attention.
    public let crossAttentionDim: Int?

    public init(config: UNet2DConditionConfig) throws {
        self.config = config
        let c = config
        let n = c.downBlockTypes.count
        func unsupported(_ key: String, _ value: String) -> DiffusionError {
            .invalidArgument(key, "unsupported value \(value) (Foley implements the subset of UNet2DConditionModel audio models use)")
        }
        guard n > 0, c.upBlockTypes.count == n, c.blockOutChannels.count == n else {
            throw DiffusionError.invalidArgument("down_block_types", "\(n) down blocks, \(c.upBlockTypes.count) up blocks and \(c.blockOutChannels.count) block_out_channels must agree")
        }
        if let t = c.additionEmbedType { throw unsupported("addition_embed_type", "'\(t)'") }
        if c.encoderHidDim != nil || c.encoderHidDimType != nil { throw unsupported("encoder_hid_dim", "(encoder_hid_proj)") }
        if c.dualCrossAttention { throw unsupported("dual_cross_attention", "true") }
        if c.attentionType != "default" { throw unsupported("attention_type", "'\(c.attentionType)'") }
        if c.timeEmbeddingType != "positional" { throw unsupported("time_embedding_type", "'\(c.timeEmbeddingType)'") }
        if let d = c.timeCondProjDim { throw unsupported("time_cond_proj_dim", "\(d)") }
        if let v = c.crossAttentionNorm { throw unsupported("cross_attention_norm", "'\(v)'") }
        if c.resnetSkipTimeAct { throw unsupported("resnet_skip_time_act", "true") }
        if let s = c.timeChannelSecondsPerFrame, !(s > 0 && s.isFinite) || c.inChannels < 2 {
            throw DiffusionError.invalidArgument("time_channel_seconds_per_frame", "expected a positive number of seconds and in_channels of 2 or more (the time channel plus the latents), got \(s) with in_channels \(c.inChannels)")
        }
        guard let groups = c.normNumGroups else { throw unsupported("norm_num_groups", "null") }
        try Self.checkRanges(c, groups: groups)
        activation = try Activation(name: c.actFn, key: "act_fn")
        let timeNorm = try TimeEmbeddingNorm(name: c.resnetTimeScaleShift, key: "resnet_time_scale_shift")

        // Time embedding.
        let boc = c.blockOutChannels
        let timeEmbedDim = c.timeEmbeddingDim ?? boc[0] * 4
        timeProj = Timesteps(numChannels: boc[0], flipSinToCos: c.flipSinToCos, downscaleFreqShift: c.freqShift)
        timeEmbedding = TimestepEmbedding(inChannels: boc[0], timeEmbedDim: timeEmbedDim, activation: activation,
                                          postActivation: try c.timestepPostAct.map { try Activation(name: $0, key: "timestep_post_act") })
        timeEmbedActivation = try c.timeEmbeddingActFn.map { try Activation(name: $0, key: "time_embedding_act_fn") }

        // Class embedding.
        var classModule: Module? = nil
        let proj = c.projectionClassEmbeddingsInputDim
        switch c.classEmbedType {
        case nil:
            if let k = c.numClassEmbeds {
                let e = Embedding(k, timeEmbedDim)
                classModule = e
                classEmbed = { labels in try e(labels.scalars.map { Int($0) }, shape: [labels.count]) }
            } else {
                classEmbed = nil
            }
        case "simple_projection":
            guard let proj else { throw DiffusionError.invalidArgument("projection_class_embeddings_input_dim", "required by class_embed_type 'simple_projection'") }
            let l = Linear(proj, timeEmbedDim)
            classModule = l
            classEmbed = { try l($0) }
        case "projection":
            guard let proj else { throw DiffusionError.invalidArgument("projection_class_embeddings_input_dim", "required by class_embed_type 'projection'") }
            let e = TimestepEmbedding(inChannels: proj, timeEmbedDim: timeEmbedDim)
            classModule = e
            classEmbed = { try e($0) }
        case "timestep":
            let e = TimestepEmbedding(inChannels: boc[0], timeEmbedDim: timeEmbedDim, activation: activation)
            let tp = timeProj
            classModule = e
            classEmbed = { try e(tp($0.scalars)) }
        case "identity":
            classEmbed = { $0 }
        case let t?:
            throw unsupported("class_embed_type", "'\(t)'")
        }
        let blocksTembDim = c.classEmbeddingsConcat ? timeEmbedDim * 2 : timeEmbedDim

        // Per-block settings, with diffusers' historical quirk: num_attention_heads defaults to attention_head_dim.
        let heads = try (c.numAttentionHeads ?? c.attentionHeadDim).perBlock(n, key: c.numAttentionHeads == nil ? "attention_head_dim" : "num_attention_heads")
        let crossDims = try c.crossAttentionDim.perBlock(n, key: "cross_attention_dim")
        let layers = try c.layersPerBlock.perBlock(n, key: "layers_per_block")
        let tLayers = try c.transformerLayersPerBlock.perBlock(n, key: "transformer_layers_per_block")
        let onlyCross = try c.onlyCrossAttention.perBlock(n, key: "only_cross_attention")
        let resnet = ResnetSettings(tembChannels: blocksTembDim, dropout: c.dropout, eps: c.normEps, groups: groups,
                                    activation: activation, timeEmbeddingNorm: timeNorm)
        var needsStates = false

        convIn = Conv2d(c.inChannels, boc[0], kernelSize: c.convInKernel, padding: (c.convInKernel - 1) / 2)

        // Down path.
        var downs: [any UNetDownBlock] = []
        var out = boc[0]
        for (i, type) in c.downBlockTypes.enumerated() {
            let input = out
            out = boc[i]
            let isFinal = i == n - 1
            switch type {
            case "DownBlock2D":
                downs.append(DownBlock2D(inChannels: input, outChannels: out, numLayers: layers[i], resnet: resnet,
                                         addDownsample: !isFinal, downsamplePadding: c.downsamplePadding))
            case "CrossAttnDownBlock2D":
                let t = TransformerSettings(numAttentionHeads: heads[i], crossAttentionDim: crossDims[i], layersPerBlock: [tLayers[i]],
                                            useLinearProjection: c.useLinearProjection, onlyCrossAttention: onlyCross[i])
                needsStates = needsStates || crossDims[i] != out
                downs.append(CrossAttnDownBlock2D(inChannels: input, outChannels: out, numLayers: layers[i], resnet: resnet,
                                                  transformer: t, addDownsample: !isFinal, downsamplePadding: c.downsamplePadding))
            default:
                throw unsupported("down_block_types[\(i)]", "'\(type)' (supported: DownBlock2D, CrossAttnDownBlock2D)")
            }
        }

        // Middle.
        let last = boc[n - 1]
        switch c.midBlockType {
        case "UNetMidBlock2DCrossAttn":
            let t = TransformerSettings(numAttentionHeads: heads[n - 1], crossAttentionDim: crossDims[n - 1],
                                        layersPerBlock: [tLayers[n - 1]], useLinearProjection: c.useLinearProjection)
            needsStates = needsStates || crossDims[n - 1] != last
            midBlock = UNetMidBlock2DCrossAttn(inChannels: last, resnet: resnet, transformer: t,
                                               outputScaleFactor: c.midBlockScaleFactor)
        case "UNetMidBlock2D":
            midBlock = UNetMidBlock2D(inChannels: last, tembChannels: blocksTembDim, dropout: c.dropout, numLayers: 0,
                                      eps: c.normEps, timeEmbeddingNorm: timeNorm, activation: activation, groups: groups,
                                      addAttention: false, outputScaleFactor: c.midBlockScaleFactor)
        case nil:
            midBlock = nil
        case let t?:
            throw unsupported("mid_block_type", "'\(t)' (supported: UNetMidBlock2DCrossAttn, UNetMidBlock2D, null)")
        }

        // Up path (every per-block list reversed).
        var ups: [any UNetUpBlock] = []
        let rboc = Array(boc.reversed()), rHeads = Array(heads.reversed()), rLayers = Array(layers.reversed())
        let rCross = Array(crossDims.reversed()), rTLayers = Array(tLayers.reversed()), rOnly = Array(onlyCross.reversed())
        out = rboc[0]
        for (i, type) in c.upBlockTypes.enumerated() {
            let isFinal = i == n - 1
            let prev = out
            out = rboc[i]
            let input = rboc[Swift.min(i + 1, n - 1)]
            switch type {
            case "UpBlock2D":
                ups.append(UpBlock2D(inChannels: input, outChannels: out, prevOutputChannel: prev, numLayers: rLayers[i] + 1,
                                     resnet: resnet, addUpsample: !isFinal))
            case "CrossAttnUpBlock2D":
                let t = TransformerSettings(numAttentionHeads: rHeads[i], crossAttentionDim: rCross[i], layersPerBlock: [rTLayers[i]],
                                            useLinearProjection: c.useLinearProjection, onlyCrossAttention: rOnly[i])
                needsStates = needsStates || rCross[i] != out
                ups.append(CrossAttnUpBlock2D(inChannels: input, outChannels: out, prevOutputChannel: prev, numLayers: rLayers[i] + 1,
                                              resnet: resnet, transformer: t, addUpsample: !isFinal))
            default:
                throw unsupported("up_block_types[\(i)]", "'\(type)' (supported: UpBlock2D, CrossAttnUpBlock2D)")
            }
        }
        downBlocks = downs
        upBlocks = ups
        requiresEncoderHiddenStates = needsStates
        let hasCross = c.downBlockTypes.contains("CrossAttnDownBlock2D") || c.upBlockTypes.contains("CrossAttnUpBlock2D")
            || c.midBlockType == "UNetMidBlock2DCrossAttn"
        crossAttentionDim = hasCross ? crossDims[0] : nil

        convNormOut = GroupNorm(groups: groups, channels: boc[0], eps: c.normEps)
        convOut = Conv2d(boc[0], c.outChannels, kernelSize: c.convOutKernel, padding: (c.convOutKernel - 1) / 2)

        super.init()
        child("conv_in", convIn)
        child("time_proj", timeProj)
        child("time_embedding", timeEmbedding)
        if let classModule { child("class_embedding", classModule) }
        child("down_blocks", ModuleList<Module>(downs.map { $0 as Module }))
        if let midBlock { child("mid_block", midBlock as Module) }
        child("up_blocks", ModuleList<Module>(ups.map { $0 as Module }))
        child("conv_norm_out", convNormOut)
        child("conv_out", convOut)
    }

    /// Sizes, counts and factors range-checked before anything is built: each error names the key, the value and
    /// the valid range (a head count of 0 used to divide by zero in the attention blocks).
    static func checkRanges(_ c: UNet2DConditionConfig, groups: Int) throws {
        let n = c.blockOutChannels.count
        try ConfigRange.check("block_out_channels", n, in: 1...8)
        try ConfigRange.size("block_out_channels", c.blockOutChannels)
        try ConfigRange.size("in_channels", c.inChannels)
        try ConfigRange.size("out_channels", c.outChannels)
        try ConfigRange.groups("norm_num_groups", groups, channelsKey: "block_out_channels", c.blockOutChannels)
        let headsKey = c.numAttentionHeads == nil ? "attention_head_dim" : "num_attention_heads"
        let heads = try (c.numAttentionHeads ?? c.attentionHeadDim).perBlock(n, key: headsKey)
        for i in 0..<n {
            try ConfigRange.check(n == 1 ? headsKey : "\(headsKey)[\(i)]", heads[i], in: 1...c.blockOutChannels[i])
        }
        try ConfigRange.size("cross_attention_dim", c.crossAttentionDim.perBlock(n, key: "cross_attention_dim"))
        try ConfigRange.check("layers_per_block", c.layersPerBlock.perBlock(n, key: "layers_per_block"), in: 1...64)
        try ConfigRange.check("transformer_layers_per_block",
                              c.transformerLayersPerBlock.perBlock(n, key: "transformer_layers_per_block"), in: 1...64)
        for (key, k) in [("conv_in_kernel", c.convInKernel), ("conv_out_kernel", c.convOutKernel)] where k < 1 || k > 15 || k % 2 == 0 {
            throw DiffusionError.invalidArgument(key, "\(k) is out of range (expected an odd kernel size in 1...15)")
        }
        try ConfigRange.check("downsample_padding", c.downsamplePadding, in: 0...8)
        try ConfigRange.check("norm_eps", c.normEps, in: 0...1, open: true)
        if let d = c.timeEmbeddingDim { try ConfigRange.size("time_embedding_dim", d) }
        if let k = c.numClassEmbeds { try ConfigRange.check("num_class_embeds", k, in: 1...(1 << 24)) }
        if let d = c.projectionClassEmbeddingsInputDim { try ConfigRange.size("projection_class_embeddings_input_dim", d) }
    }

    /// Reads `config.json` and `diffusion_pytorch_model.safetensors` (or shards) from a diffusers `unet/` folder.
    public static func load(folder: URL, strict: Bool = true) throws -> UNet2DConditionModel {
        try ModelFolder(folder).load(UNet2DConditionConfig.self, strict: strict) { try UNet2DConditionModel(config: $0) }
    }

    public static func load(path: String, strict: Bool = true) throws -> UNet2DConditionModel {
        try load(folder: URL(fileURLWithPath: path), strict: strict)
    }

    /// The predicted noise (or v / x0, per training) for `sample` [B, C, H, W] at one timestep for the whole batch.
    public func callAsFunction(_ sample: Tensor, timestep: Float, encoderHiddenStates: Tensor? = nil,
                               classLabels: Tensor? = nil, encoderAttentionMask: Tensor? = nil) throws -> Tensor {
        try self(sample, timesteps: [timestep], encoderHiddenStates: encoderHiddenStates, classLabels: classLabels,
                 encoderAttentionMask: encoderAttentionMask)
    }

    /// The UNet output for `sample` [B, C, H, W] at `timesteps` (one per batch element, or one for all).
    /// - Parameters:
    ///   - encoderHiddenStates: [B, S, cross_attention_dim] conditioning tokens; nil runs attn2 as self-attention
    ///     (AudioLDM, which conditions through `classLabels` instead).
    ///   - classLabels: [B, projection_class_embeddings_input_dim] for the projection class embeddings
    ///     (AudioLDM: the L2-normalized CLAP text embedding), [B] ids for a class table, [B] values for "timestep".
    ///   - encoderAttentionMask: [B, S] with 1 for tokens to attend to and 0 for padding.
    public func callAsFunction(_ sample: Tensor, timesteps: [Float], encoderHiddenStates: Tensor? = nil,
                               classLabels: Tensor? = nil, encoderAttentionMask: Tensor? = nil) throws -> Tensor {
        let layer = beginLayer()
        defer { layer.end() }
        guard sample.rank == 4, sample.shape[1] == config.sampleChannels else {
            throw DiffusionError.invalidArgument("sample", "expected [B, \(config.sampleChannels), H, W], got \(sample.shape)")
        }
        let b = sample.shape[0]
        guard timesteps.count == 1 || timesteps.count == b else {
            throw DiffusionError.invalidArgument("timesteps", "expected 1 or \(b) values (one per batch element), got \(timesteps.count)")
        }
        if requiresEncoderHiddenStates && encoderHiddenStates == nil {
            throw DiffusionError.invalidArgument("encoder_hidden_states", "this UNet cross-attends to conditioning tokens of width \(crossAttentionDim ?? 0); none were given")
        }
        if let e = encoderHiddenStates {
            guard e.rank == 3, e.shape[0] == b else {
                throw DiffusionError.invalidArgument("encoder_hidden_states", "expected [\(b), S, D], got \(e.shape)")
            }
        }
        var cross = CrossAttentionInputs(encoderHiddenStates: encoderHiddenStates)
        if let m = encoderAttentionMask {
            guard let e = encoderHiddenStates else {
                throw DiffusionError.invalidArgument("encoder_attention_mask", "given without encoder_hidden_states")
            }
            guard m.count == b * e.shape[1] else {
                throw DiffusionError.invalidArgument("encoder_attention_mask", "expected [\(b), \(e.shape[1])], got \(m.shape)")
            }
            // keep -> 0, discard -> -10000, shaped to broadcast over heads and queries.
            cross.encoderAttentionMask = try ((1 - m.detach()) * -10000).reshape([b, 1, 1, e.shape[1]])
        }

        // 1. Time (and class) embedding.
        let ts = timesteps.count == b ? timesteps : Array(repeating: timesteps[0], count: b)
        var emb = try timeEmbedding(timeProj(ts))
        if let classEmbed {
            guard let classLabels else {
                throw DiffusionError.invalidArgument("class_labels", "required by class_embed_type '\(config.classEmbedType ?? "num_class_embeds")'")
            }
            let ce = try classEmbed(classLabels)
            emb = config.classEmbeddingsConcat ? try Tensor.concat([emb, ce], axis: -1) : try emb + ce
        }
        if let timeEmbedActivation { emb = try timeEmbedActivation(emb) }

        // 2. Pre-process.
        var h = config.centerInputSample ? sample * 2 - 1 : sample
        if let s = config.timeChannelSecondsPerFrame { h = try Tensor.concat([h, Self.timeChannel(like: h, secondsPerFrame: s)], axis: 1) }
        h = try convIn(h)

        // 3. Down.
        var skips: [Tensor] = [h]
        for block in downBlocks {
            let (o, states) = try block(h, temb: emb, cross: cross)
            h = o
            skips += states
        }

        // 4. Middle.
        if let midBlock { h = try midBlock(h, temb: emb, cross: cross) }

        // 5. Up: each block takes as many skips as it has resnets; odd sizes force the upsampled size.
        let factor = 1 << Swift.max(0, upBlocks.count - 1)
        let forwardSize = sample.shape[2] % factor != 0 || sample.shape[3] % factor != 0
        for (i, block) in upBlocks.enumerated() {
            let k = block.resnetCount
            let res = Array(skips.suffix(k))
            skips.removeLast(k)
            var size: (Int, Int)? = nil
            if i < upBlocks.count - 1, forwardSize, let next = skips.last { size = (next.shape[2], next.shape[3]) }
            h = try block(h, temb: emb, skips: res, cross: cross, upsampleSize: size)
        }

        // 6. Post-process.
        h = try activation(convNormOut, h)
        return try convOut(h)
    }

    /// [B, 1, H, W] holding each frame's start time in seconds along H (the latents' time axis).
    public static func timeChannel(like x: Tensor, secondsPerFrame: Float) -> Tensor {
        let (b, h, w) = (x.shape[0], x.shape[2], x.shape[3])
        var v = [Float](repeating: 0, count: b * h * w)
        for i in 0..<(b * h) { let t = Float(i % h) * secondsPerFrame; for j in 0..<w { v[i * w + j] = t } }
        return Tensor(shape: [b, 1, h, w], data: v)
    }
}
