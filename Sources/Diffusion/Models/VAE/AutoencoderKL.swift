import Foundation
import NN
import Tensors

/// AutoencoderKL's config.json (diffusers schema); absent or null keys take diffusers' defaults.
public struct AutoencoderKLConfig: Codable, Equatable, Sendable {
    public var inChannels = 3
    public var outChannels = 3
    public var downBlockTypes = ["DownEncoderBlock2D"]
    public var upBlockTypes = ["UpDecoderBlock2D"]
    public var blockOutChannels = [64]
    public var layersPerBlock = 1
    public var actFn = "silu"
    public var latentChannels = 4
    public var normNumGroups = 32
    public var sampleSize: IntOrList? = .int(32)
    public var scalingFactor: Float = 0.18215
    public var shiftFactor: Float?
    public var latentsMean: [Float]?
    public var latentsStd: [Float]?
    public var forceUpcast = true
    public var useQuantConv = true
    public var usePostQuantConv = true
    public var midBlockAddAttention = true

    /// How many mel frames (and bins) one latent cell covers: each block but the last halves both axes.
    public var downsamplingFactor: Int { 1 << (blockOutChannels.count - 1) }

    public init() {}

    enum CodingKeys: String, CodingKey {
        case inChannels = "in_channels", outChannels = "out_channels", downBlockTypes = "down_block_types"
        case upBlockTypes = "up_block_types", blockOutChannels = "block_out_channels", layersPerBlock = "layers_per_block"
        case actFn = "act_fn", latentChannels = "latent_channels", normNumGroups = "norm_num_groups"
        case sampleSize = "sample_size", scalingFactor = "scaling_factor", shiftFactor = "shift_factor"
        case latentsMean = "latents_mean", latentsStd = "latents_std", forceUpcast = "force_upcast"
        case useQuantConv = "use_quant_conv", usePostQuantConv = "use_post_quant_conv"
        case midBlockAddAttention = "mid_block_add_attention"
    }

    public init(from decoder: Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        let d = AutoencoderKLConfig()
        inChannels = try c.value(.inChannels, or: d.inChannels)
        outChannels = try c.value(.outChannels, or: d.outChannels)
        downBlockTypes = try c.value(.downBlockTypes, or: d.downBlockTypes)
        upBlockTypes = try c.value(.upBlockTypes, or: d.upBlockTypes)
        blockOutChannels = try c.value(.blockOutChannels, or: d.blockOutChannels)
        layersPerBlock = try c.value(.layersPerBlock, or: d.layersPerBlock)
        actFn = try c.value(.actFn, or: d.actFn)
        latentChannels = try c.value(.latentChannels, or: d.latentChannels)
        normNumGroups = try c.value(.normNumGroups, or: d.normNumGroups)
        sampleSize = try c.value(.sampleSize, or: d.sampleSize)
        scalingFactor = try c.value(.scalingFactor, or: d.scalingFactor)
        shiftFactor = try c.decodeIfPresent(Float.self, forKey: .shiftFactor)
        latentsMean = try c.decodeIfPresent([Float].self, forKey: .latentsMean)
        latentsStd = try c.decodeIfPresent([Float].self, forKey: .latentsStd)
        forceUpcast = try c.value(.forceUpcast, or: d.forceUpcast)
        useQuantConv = try c.value(.useQuantConv, or: d.useQuantConv)
        usePostQuantConv = try c.value(.usePostQuantConv, or: d.usePostQuantConv)
        midBlockAddAttention = try c.value(.midBlockAddAttention, or: d.midBlockAddAttention)
    }
}

/// The VAE encoder (diffusers `Encoder`): conv_in, down_blocks, mid_block, GroupNorm + SiLU, conv_out to
/// 2 x latent channels (mean and log-variance).
public final class VAEEncoder: Module {
    public let convIn: Conv2d, convOut: Conv2d
    public let downBlocks: ModuleList<DownEncoderBlock2D>
    public let midBlock: UNetMidBlock2D
    public let convNormOut: GroupNorm
    let activation: Activation

    public init(inChannels: Int, outChannels: Int, downBlockTypes: [String], blockOutChannels: [Int], layersPerBlock: Int,
                normNumGroups: Int, activation: Activation, doubleZ: Bool = true, midBlockAddAttention: Bool = true) throws {
        self.activation = activation
        convIn = Conv2d(inChannels, blockOutChannels[0], kernelSize: 3, padding: 1)
        var blocks: [DownEncoderBlock2D] = []
        var out = blockOutChannels[0]
        for (i, type) in downBlockTypes.enumerated() {
            guard type == "DownEncoderBlock2D" else {
                throw DiffusionError.invalidArgument("down_block_types[\(i)]", "unsupported block '\(type)' (supported: DownEncoderBlock2D)")
            }
            let input = out
            out = blockOutChannels[i]
            blocks.append(DownEncoderBlock2D(inChannels: input, outChannels: out, numLayers: layersPerBlock, eps: 1e-6,
                                             activation: activation, groups: normNumGroups,
                                             addDownsample: i != blockOutChannels.count - 1, downsamplePadding: 0))
        }
        downBlocks = ModuleList(blocks)
        let last = blockOutChannels[blockOutChannels.count - 1]
        midBlock = UNetMidBlock2D(inChannels: last, tembChannels: nil, eps: 1e-6, activation: activation, groups: normNumGroups,
                                  addAttention: midBlockAddAttention, attentionHeadDim: last)
        convNormOut = GroupNorm(groups: normNumGroups, channels: last, eps: 1e-6)
        convOut = Conv2d(last, doubleZ ? 2 * outChannels : outChannels, kernelSize: 3, padding: 1)
        super.init()
        child("conv_in", convIn)
        child("down_blocks", downBlocks)
        child("mid_block", midBlock)
        child("conv_norm_out", convNormOut)
        child("conv_out", convOut)
    }

    public func callAsFunction(_ x: Tensor) throws -> Tensor {
        let layer = beginLayer()
        defer { layer.end() }
        var h = try convIn(x)
        for b in downBlocks.items { h = try b(h) }
        h = try midBlock(h)
        h = try activation(convNormOut, h)
        return try convOut(h)
    }
}

/// The VAE decoder (diffusers `Decoder`): conv_in, mid_block, up_blocks, GroupNorm + SiLU, conv_out.
public final class VAEDecoder: Module {
    public let convIn: Conv2d, convOut: Conv2d
    public let midBlock: UNetMidBlock2D
    public let upBlocks: ModuleList<UpDecoderBlock2D>
    public let convNormOut: GroupNorm
    let activation: Activation

    public init(inChannels: Int, outChannels: Int, upBlockTypes: [String], blockOutChannels: [Int], layersPerBlock: Int,
                normNumGroups: Int, activation: Activation, midBlockAddAttention: Bool = true) throws {
        self.activation = activation
        let last = blockOutChannels[blockOutChannels.count - 1]
        convIn = Conv2d(inChannels, last, kernelSize: 3, padding: 1)
        midBlock = UNetMidBlock2D(inChannels: last, tembChannels: nil, eps: 1e-6, activation: activation, groups: normNumGroups,
                                  addAttention: midBlockAddAttention, attentionHeadDim: last)
        let reversed = Array(blockOutChannels.reversed())
        var blocks: [UpDecoderBlock2D] = []
        var out = reversed[0]
        for (i, type) in upBlockTypes.enumerated() {
            guard type == "UpDecoderBlock2D" else {
                throw DiffusionError.invalidArgument("up_block_types[\(i)]", "unsupported block '\(type)' (supported: UpDecoderBlock2D)")
            }
            let prev = out
            out = reversed[i]
            blocks.append(UpDecoderBlock2D(inChannels: prev, outChannels: out, numLayers: layersPerBlock + 1, eps: 1e-6,
                                           activation: activation, groups: normNumGroups,
                                           addUpsample: i != blockOutChannels.count - 1))
        }
        upBlocks = ModuleList(blocks)
        convNormOut = GroupNorm(groups: normNumGroups, channels: blockOutChannels[0], eps: 1e-6)
        convOut = Conv2d(blockOutChannels[0], outChannels, kernelSize: 3, padding: 1)
        super.init()
        child("conv_in", convIn)
        child("mid_block", midBlock)
        child("up_blocks", upBlocks)
        child("conv_norm_out", convNormOut)
        child("conv_out", convOut)
    }

    public func callAsFunction(_ z: Tensor) throws -> Tensor { try convOut(try features(z)) }

    /// Everything before conv_out: what the adversarial loss's adaptive weight differentiates conv_out's weight at.
    public func features(_ z: Tensor) throws -> Tensor {
        let layer = beginLayer()
        defer { layer.end() }
        var h = try convIn(z)
        h = try midBlock(h)
        for b in upBlocks.items { h = try b(h) }
        return try activation(convNormOut, h)
    }
}

/// The encoder's posterior: a diagonal Gaussian with `mean` and `logvar` (clamped to [-30, 20]).
public struct DiagonalGaussianDistribution {
    public let mean: Tensor
    public let logvar: Tensor
    public let std: Tensor
    public let variance: Tensor

    /// Splits `parameters` [B, 2C, H, W] into mean and log-variance along the channels.
    public init(parameters: Tensor) throws {
        guard parameters.rank >= 2, parameters.shape[1] % 2 == 0 else {
            throw DiffusionError.invalidArgument("posterior parameters", "expected an even channel count, got shape \(parameters.shape)")
        }
        let parts = try parameters.chunk(2, axis: 1)
        mean = parts[0]
        logvar = parts[1].clamp(min: -30, max: 20)
        std = (logvar * 0.5).exp()
        variance = logvar.exp()
    }

    /// mean + std * noise, the noise drawn from `generator` (the reparameterization trick: differentiable).
    public func sample(generator: RandomGenerator) throws -> Tensor {
        try mean + std * Tensor.randn(mean.shape, generator: generator)
    }

    /// The most likely latent: the mean.
    public var mode: Tensor { mean }

    /// KL divergence to the standard normal (or to `other`), summed over all but the batch dim: [B].
    public func kl(_ other: DiagonalGaussianDistribution? = nil) throws -> Tensor {
        let axes = Array(1..<mean.rank)
        if let other {
            let d = try mean - other.mean
            let t = try d * d / other.variance + variance / other.variance - 1 - logvar + other.logvar
            return try t.sum(axes: axes) * 0.5
        }
        return try (mean * mean + variance - 1 - logvar).sum(axes: axes) * 0.5
    }

    /// Negative log-likelihood of `sample` under this Gaussian, summed over all but the batch dim: [B].
    public func nll(_ sample: Tensor) throws -> Tensor {
        let d = try sample - mean
        let t = try d * d / variance + logvar + Float(Foundation.log(2 * Double.pi))
        return try t.sum(axes: Array(1..<mean.rank)) * 0.5
    }
}

/// diffusers' AutoencoderKL: `encode` gives the posterior over latents, `decode` maps latents back.
/// Latents fed to diffusion are `mode` or `sample` times `scalingFactor` (after subtracting `shiftFactor`).
public final class AutoencoderKL: Module {
    public let config: AutoencoderKLConfig
    public let encoder: VAEEncoder, decoder: VAEDecoder
    public let quantConv: Conv2d?, postQuantConv: Conv2d?

    public var scalingFactor: Float { config.scalingFactor }
    public var shiftFactor: Float { config.shiftFactor ?? 0 }
    /// How many times smaller than the input each latent axis is.
    public var downsamplingFactor: Int { config.downsamplingFactor }

    public init(config: AutoencoderKLConfig) throws {
        let c = config
        guard !c.blockOutChannels.isEmpty, c.downBlockTypes.count == c.blockOutChannels.count,
              c.upBlockTypes.count == c.blockOutChannels.count else {
            throw DiffusionError.invalidArgument("block_out_channels", "\(c.blockOutChannels.count) entries but \(c.downBlockTypes.count) down and \(c.upBlockTypes.count) up block types")
        }
        try ConfigRange.check("block_out_channels", c.blockOutChannels.count, in: 1...8)
        try ConfigRange.size("block_out_channels", c.blockOutChannels)
        try ConfigRange.size("in_channels", c.inChannels)
        try ConfigRange.size("out_channels", c.outChannels)
        try ConfigRange.size("latent_channels", c.latentChannels)
        try ConfigRange.check("layers_per_block", c.layersPerBlock, in: 1...64)
        try ConfigRange.groups("norm_num_groups", c.normNumGroups, channelsKey: "block_out_channels", c.blockOutChannels)
        guard c.scalingFactor.isFinite, c.scalingFactor != 0 else {
            throw DiffusionError.invalidArgument("scaling_factor", "\(c.scalingFactor) is out of range (expected a finite, non-zero number)")
        }
        if let s = c.shiftFactor, !s.isFinite {
            throw DiffusionError.invalidArgument("shift_factor", "\(s) is out of range (expected a finite number)")
        }
        self.config = config
        let act = try Activation(name: c.actFn, key: "act_fn")
        encoder = try VAEEncoder(inChannels: c.inChannels, outChannels: c.latentChannels, downBlockTypes: c.downBlockTypes,
                                 blockOutChannels: c.blockOutChannels, layersPerBlock: c.layersPerBlock,
                                 normNumGroups: c.normNumGroups, activation: act, midBlockAddAttention: c.midBlockAddAttention)
        decoder = try VAEDecoder(inChannels: c.latentChannels, outChannels: c.outChannels, upBlockTypes: c.upBlockTypes,
                                 blockOutChannels: c.blockOutChannels, layersPerBlock: c.layersPerBlock,
                                 normNumGroups: c.normNumGroups, activation: act, midBlockAddAttention: c.midBlockAddAttention)
        quantConv = c.useQuantConv ? Conv2d(2 * c.latentChannels, 2 * c.latentChannels, kernelSize: 1) : nil
        postQuantConv = c.usePostQuantConv ? Conv2d(c.latentChannels, c.latentChannels, kernelSize: 1) : nil
        super.init()
        child("encoder", encoder)
        child("decoder", decoder)
        if let quantConv { child("quant_conv", quantConv) }
        if let postQuantConv { child("post_quant_conv", postQuantConv) }
    }

    /// Reads `config.json` and `diffusion_pytorch_model.safetensors` from a diffusers `vae/` folder. Checkpoints
    /// with the legacy attention names (query/key/value/proj_attn) load too.
    public static func load(folder: URL, strict: Bool = true) throws -> AutoencoderKL {
        try ModelFolder(folder).load(AutoencoderKLConfig.self, strict: strict, build: { try AutoencoderKL(config: $0) }) { names in
            let legacy = names.contains { $0.contains(".attentions.") && ($0.contains(".query.") || $0.contains(".proj_attn.")) }
            return legacy ? convertLegacyAttentionKeys : nil
        }
    }

    public static func load(path: String, strict: Bool = true) throws -> AutoencoderKL {
        try load(folder: URL(fileURLWithPath: path), strict: strict)
    }

    /// Renames the pre-0.14 diffusers attention keys (query, key, value, proj_attn; 1x1-conv shaped) to
    /// to_q, to_k, to_v, to_out.0 (linear shaped), as diffusers does when loading old VAEs.
    public static func convertLegacyAttentionKeys(_ state: [String: Tensor]) throws -> [String: Tensor] {
        let renames = [".query.": ".to_q.", ".key.": ".to_k.", ".value.": ".to_v.", ".proj_attn.": ".to_out.0."]
        var out: [String: Tensor] = [:]
        for (k, t) in state {
            var name = k, tensor = t
            if k.contains(".attentions.") {
                for (old, new) in renames where name.contains(old) {
                    name = name.replacingOccurrences(of: old, with: new)
                    if tensor.rank == 4 { tensor = try tensor.reshape([tensor.shape[0], tensor.shape[1]]) }
                }
            }
            out[name] = tensor
        }
        return out
    }

    /// The posterior over latents for `x` [B, in_channels, H, W].
    public func encode(_ x: Tensor) throws -> DiagonalGaussianDistribution {
        guard x.rank == 4, x.shape[1] == config.inChannels else {
            throw DiffusionError.invalidArgument("vae input", "expected [B, \(config.inChannels), H, W], got \(x.shape)")
        }
        var moments = try encoder(x)
        if let quantConv { moments = try quantConv(moments) }
        return try DiagonalGaussianDistribution(parameters: moments)
    }

    /// Decodes latents `z` [B, latent_channels, h, w] (unscaled: divide diffusion latents by `scalingFactor` first).
    public func decode(_ z: Tensor) throws -> Tensor {
        guard z.rank == 4, z.shape[1] == config.latentChannels else {
            throw DiffusionError.invalidArgument("latents", "expected [B, \(config.latentChannels), h, w], got \(z.shape)")
        }
        var h = z
        if let postQuantConv { h = try postQuantConv(h) }
        return try decoder(h)
    }

    /// `decode(z)` stopped before the decoder's conv_out (`decode(z) == decoder.convOut(decodeFeatures(z))`).
    public func decodeFeatures(_ z: Tensor) throws -> Tensor {
        var h = z
        if let postQuantConv { h = try postQuantConv(h) }
        return try decoder.features(h)
    }

    /// Reconstruction of `x`: decode(mode) or decode(sample) when a generator is given.
    public func callAsFunction(_ x: Tensor, samplePosterior generator: RandomGenerator? = nil) throws -> Tensor {
        let posterior = try encode(x)
        return try decode(generator.map { try posterior.sample(generator: $0) } ?? posterior.mode)
    }
}
