import NN
import Tensors

/// What the attention blocks of a UNet receive besides the feature map.
public struct CrossAttentionInputs {
    /// [B, S, cross_attention_dim] conditioning tokens; nil makes attn2 a self-attention (AudioLDM).
    public var encoderHiddenStates: Tensor?
    /// Additive bias for attn1, broadcastable to [B, heads, L, L].
    public var attentionMask: Tensor?
    /// Additive bias for attn2, broadcastable to [B, heads, L, S] (e.g. [B, 1, 1, S]).
    public var encoderAttentionMask: Tensor?

    public init(encoderHiddenStates: Tensor? = nil, attentionMask: Tensor? = nil, encoderAttentionMask: Tensor? = nil) {
        self.encoderHiddenStates = encoderHiddenStates
        self.attentionMask = attentionMask
        self.encoderAttentionMask = encoderAttentionMask
    }
}

/// A UNet down block: returns the downsampled map and the skip states it leaves for the up path.
public protocol UNetDownBlock: Module {
    func callAsFunction(_ x: Tensor, temb: Tensor?, cross: CrossAttentionInputs) throws -> (Tensor, [Tensor])
}

/// A UNet up block: consumes `resnetCount` skip states (last first) and optionally upsamples.
public protocol UNetUpBlock: Module {
    var resnetCount: Int { get }
    func callAsFunction(_ x: Tensor, temb: Tensor?, skips: [Tensor], cross: CrossAttentionInputs,
                        upsampleSize: (Int, Int)?) throws -> Tensor
}

/// A UNet middle block.
public protocol UNetMidBlock: Module {
    func callAsFunction(_ x: Tensor, temb: Tensor?, cross: CrossAttentionInputs) throws -> Tensor
}

/// Settings shared by the ResNets of a UNet's blocks.
public struct ResnetSettings {
    public var tembChannels: Int?
    public var dropout: Float = 0
    public var eps: Float = 1e-5
    public var groups: Int = 32
    public var activation: Activation = .silu
    public var timeEmbeddingNorm: TimeEmbeddingNorm = .default

    public init(tembChannels: Int?, dropout: Float = 0, eps: Float = 1e-5, groups: Int = 32,
                activation: Activation = .silu, timeEmbeddingNorm: TimeEmbeddingNorm = .default) {
        self.tembChannels = tembChannels
        self.dropout = dropout
        self.eps = eps
        self.groups = groups
        self.activation = activation
        self.timeEmbeddingNorm = timeEmbeddingNorm
    }

    func block(_ inChannels: Int, _ outChannels: Int, outputScaleFactor: Float = 1) -> ResnetBlock2D {
        ResnetBlock2D(inChannels: inChannels, outChannels: outChannels, dropout: dropout, tembChannels: tembChannels,
                      groups: groups, eps: eps, activation: activation, timeEmbeddingNorm: timeEmbeddingNorm,
                      outputScaleFactor: outputScaleFactor)
    }
}

/// Settings of the Transformer2DModels inside cross-attention blocks.
public struct TransformerSettings {
    public var numAttentionHeads: Int
    public var crossAttentionDim: Int?
    public var layersPerBlock: [Int]
    public var useLinearProjection: Bool = false
    public var onlyCrossAttention: Bool = false

    public init(numAttentionHeads: Int, crossAttentionDim: Int?, layersPerBlock: [Int], useLinearProjection: Bool = false,
                onlyCrossAttention: Bool = false) {
        self.numAttentionHeads = numAttentionHeads
        self.crossAttentionDim = crossAttentionDim
        self.layersPerBlock = layersPerBlock
        self.useLinearProjection = useLinearProjection
        self.onlyCrossAttention = onlyCrossAttention
    }

    func layers(_ i: Int) -> Int { layersPerBlock.count == 1 ? layersPerBlock[0] : layersPerBlock[i] }

    func transformer(channels: Int, layers: Int, groups: Int, dropout: Float) -> Transformer2DModel {
        Transformer2DModel(numAttentionHeads: numAttentionHeads, attentionHeadDim: channels / numAttentionHeads,
                           inChannels: channels, numLayers: layers, dropout: dropout, normNumGroups: groups,
                           crossAttentionDim: crossAttentionDim, onlyCrossAttention: onlyCrossAttention,
                           useLinearProjection: useLinearProjection)
    }
}

/// diffusers' DownBlock2D: ResNets (each output kept as a skip), then an optional strided-conv downsampler.
public final class DownBlock2D: Module, UNetDownBlock {
    public let resnets: ModuleList<ResnetBlock2D>
    public let downsamplers: ModuleList<Downsample2D>?

    public init(inChannels: Int, outChannels: Int, numLayers: Int, resnet: ResnetSettings, addDownsample: Bool,
                downsamplePadding: Int = 1) {
        resnets = ModuleList((0..<numLayers).map { resnet.block($0 == 0 ? inChannels : outChannels, outChannels) })
        downsamplers = addDownsample
            ? ModuleList([Downsample2D(channels: outChannels, useConv: true, outChannels: outChannels, padding: downsamplePadding)])
            : nil
        super.init()
        child("resnets", resnets)
        if let downsamplers { child("downsamplers", downsamplers) }
    }

    public func callAsFunction(_ x: Tensor, temb: Tensor?, cross: CrossAttentionInputs) throws -> (Tensor, [Tensor]) {
        let layer = beginLayer()
        defer { layer.end() }
        var h = x
        var states: [Tensor] = []
        for r in resnets.items {
            h = try r(h, temb: temb)
            states.append(h)
        }
        for d in downsamplers?.items ?? [] {
            h = try d(h)
            states.append(h)
        }
        return (h, states)
    }
}

/// diffusers' CrossAttnDownBlock2D: (ResNet, Transformer2DModel) pairs, then an optional downsampler.
public final class CrossAttnDownBlock2D: Module, UNetDownBlock {
    public let resnets: ModuleList<ResnetBlock2D>
    public let attentions: ModuleList<Transformer2DModel>
    public let downsamplers: ModuleList<Downsample2D>?

    public init(inChannels: Int, outChannels: Int, numLayers: Int, resnet: ResnetSettings, transformer: TransformerSettings,
                addDownsample: Bool, downsamplePadding: Int = 1) {
        resnets = ModuleList((0..<numLayers).map { resnet.block($0 == 0 ? inChannels : outChannels, outChannels) })
        attentions = ModuleList((0..<numLayers).map {
            transformer.transformer(channels: outChannels, layers: transformer.layers($0), groups: resnet.groups,
                                    dropout: resnet.dropout)
        })
        downsamplers = addDownsample
            ? ModuleList([Downsample2D(channels: outChannels, useConv: true, outChannels: outChannels, padding: downsamplePadding)])
            : nil
        super.init()
        child("attentions", attentions)
        child("resnets", resnets)
        if let downsamplers { child("downsamplers", downsamplers) }
    }

    public func callAsFunction(_ x: Tensor, temb: Tensor?, cross: CrossAttentionInputs) throws -> (Tensor, [Tensor]) {
        let layer = beginLayer()
        defer { layer.end() }
        var h = x
        var states: [Tensor] = []
        for (r, a) in zip(resnets.items, attentions.items) {
            h = try r(h, temb: temb)
            h = try a(h, encoderHiddenStates: cross.encoderHiddenStates, attentionMask: cross.attentionMask,
                      encoderAttentionMask: cross.encoderAttentionMask)
            states.append(h)
        }
        for d in downsamplers?.items ?? [] {
            h = try d(h)
            states.append(h)
        }
        return (h, states)
    }
}

/// diffusers' UNetMidBlock2DCrossAttn: resnet, then (Transformer2DModel, resnet) x numLayers.
public final class UNetMidBlock2DCrossAttn: Module, UNetMidBlock {
    public let resnets: ModuleList<ResnetBlock2D>
    public let attentions: ModuleList<Transformer2DModel>

    public init(inChannels: Int, numLayers: Int = 1, resnet: ResnetSettings, transformer: TransformerSettings,
                outputScaleFactor: Float = 1) {
        resnets = ModuleList((0...numLayers).map { _ in resnet.block(inChannels, inChannels, outputScaleFactor: outputScaleFactor) })
        var mid = transformer
        mid.onlyCrossAttention = false  // diffusers does not pass only_cross_attention to this block
        attentions = ModuleList((0..<numLayers).map {
            mid.transformer(channels: inChannels, layers: mid.layers($0), groups: resnet.groups, dropout: resnet.dropout)
        })
        super.init()
        child("attentions", attentions)
        child("resnets", resnets)
    }

    public func callAsFunction(_ x: Tensor, temb: Tensor?, cross: CrossAttentionInputs) throws -> Tensor {
        let layer = beginLayer()
        defer { layer.end() }
        var h = try resnets[0](x, temb: temb)
        for (a, r) in zip(attentions.items, resnets.items.dropFirst()) {
            h = try a(h, encoderHiddenStates: cross.encoderHiddenStates, attentionMask: cross.attentionMask,
                      encoderAttentionMask: cross.encoderAttentionMask)
            h = try r(h, temb: temb)
        }
        return h
    }
}

/// UNetMidBlock2D as a UNet middle block (resnets with time embedding; attention only when asked).
extension UNetMidBlock2D: UNetMidBlock {
    public func callAsFunction(_ x: Tensor, temb: Tensor?, cross: CrossAttentionInputs) throws -> Tensor {
        try self(x, temb: temb)
    }
}

/// Channels of the ResNets of an up block: the first takes the previous block's output, the last the skip
/// from the matching down block's input side.
func upResnetChannels(i: Int, numLayers: Int, inChannels: Int, outChannels: Int, prevOutputChannel: Int) -> Int {
    let skip = i == numLayers - 1 ? inChannels : outChannels
    let input = i == 0 ? prevOutputChannel : outChannels
    return input + skip
}

/// diffusers' UpBlock2D: ResNets over [h, skip] concatenations, then an optional nearest x2 + conv upsampler.
public final class UpBlock2D: Module, UNetUpBlock {
    public let resnets: ModuleList<ResnetBlock2D>
    public let upsamplers: ModuleList<Upsample2D>?
    public var resnetCount: Int { resnets.count }

    public init(inChannels: Int, outChannels: Int, prevOutputChannel: Int, numLayers: Int, resnet: ResnetSettings,
                addUpsample: Bool) {
        resnets = ModuleList((0..<numLayers).map {
            resnet.block(upResnetChannels(i: $0, numLayers: numLayers, inChannels: inChannels, outChannels: outChannels,
                                          prevOutputChannel: prevOutputChannel), outChannels)
        })
        upsamplers = addUpsample ? ModuleList([Upsample2D(channels: outChannels, useConv: true, outChannels: outChannels)]) : nil
        super.init()
        child("resnets", resnets)
        if let upsamplers { child("upsamplers", upsamplers) }
    }

    public func callAsFunction(_ x: Tensor, temb: Tensor?, skips: [Tensor], cross: CrossAttentionInputs,
                               upsampleSize: (Int, Int)?) throws -> Tensor {
        let layer = beginLayer()
        defer { layer.end() }
        var h = x
        var rest = skips
        for r in resnets.items {
            h = try r(Tensor.concat([h, rest.removeLast()], axis: 1), temb: temb)
        }
        for u in upsamplers?.items ?? [] { h = try u(h, outputSize: upsampleSize) }
        return h
    }
}

/// diffusers' CrossAttnUpBlock2D: (ResNet over [h, skip], Transformer2DModel) pairs, then an optional upsampler.
public final class CrossAttnUpBlock2D: Module, UNetUpBlock {
    public let resnets: ModuleList<ResnetBlock2D>
    public let attentions: ModuleList<Transformer2DModel>
    public let upsamplers: ModuleList<Upsample2D>?
    public var resnetCount: Int { resnets.count }

    public init(inChannels: Int, outChannels: Int, prevOutputChannel: Int, numLayers: Int, resnet: ResnetSettings,
                transformer: TransformerSettings, addUpsample: Bool) {
        resnets = ModuleList((0..<numLayers).map {
            resnet.block(upResnetChannels(i: $0, numLayers: numLayers, inChannels: inChannels, outChannels: outChannels,
                                          prevOutputChannel: prevOutputChannel), outChannels)
        })
        attentions = ModuleList((0..<numLayers).map {
            transformer.transformer(channels: outChannels, layers: transformer.layers($0), groups: resnet.groups,
                                    dropout: resnet.dropout)
        })
        upsamplers = addUpsample ? ModuleList([Upsample2D(channels: outChannels, useConv: true, outChannels: outChannels)]) : nil
        super.init()
        child("attentions", attentions)
        child("resnets", resnets)
        if let upsamplers { child("upsamplers", upsamplers) }
    }

    public func callAsFunction(_ x: Tensor, temb: Tensor?, skips: [Tensor], cross: CrossAttentionInputs,
                               upsampleSize: (Int, Int)?) throws -> Tensor {
        let layer = beginLayer()
        defer { layer.end() }
        var h = x
        var rest = skips
        for (r, a) in zip(resnets.items, attentions.items) {
            h = try r(Tensor.concat([h, rest.removeLast()], axis: 1), temb: temb)
            h = try a(h, encoderHiddenStates: cross.encoderHiddenStates, attentionMask: cross.attentionMask,
                      encoderAttentionMask: cross.encoderAttentionMask)
        }
        for u in upsamplers?.items ?? [] { h = try u(h, outputSize: upsampleSize) }
        return h
    }
}
