import NN
import Tensors

/// diffusers' DownEncoderBlock2D: ResNet blocks without time embedding, then an optional Downsample2D.
public final class DownEncoderBlock2D: Module {
    public let resnets: ModuleList<ResnetBlock2D>
    public let downsamplers: ModuleList<Downsample2D>?

    public init(inChannels: Int, outChannels: Int, numLayers: Int = 1, dropout: Float = 0, eps: Float = 1e-6,
                activation: Activation = .silu, groups: Int = 32, outputScaleFactor: Float = 1,
                addDownsample: Bool = true, downsamplePadding: Int = 1) {
        resnets = ModuleList((0..<numLayers).map { i in
            ResnetBlock2D(inChannels: i == 0 ? inChannels : outChannels, outChannels: outChannels, dropout: dropout,
                          tembChannels: nil, groups: groups, eps: eps, activation: activation,
                          outputScaleFactor: outputScaleFactor)
        })
        downsamplers = addDownsample
            ? ModuleList([Downsample2D(channels: outChannels, useConv: true, outChannels: outChannels, padding: downsamplePadding)])
            : nil
        super.init()
        child("resnets", resnets)
        if let downsamplers { child("downsamplers", downsamplers) }
    }

    public func callAsFunction(_ x: Tensor) throws -> Tensor {
        let layer = beginLayer()
        defer { layer.end() }
        var h = x
        for r in resnets.items { h = try r(h) }
        for d in downsamplers?.items ?? [] { h = try d(h) }
        return h
    }
}

/// diffusers' UpDecoderBlock2D: ResNet blocks without time embedding, then an optional Upsample2D.
public final class UpDecoderBlock2D: Module {
    public let resnets: ModuleList<ResnetBlock2D>
    public let upsamplers: ModuleList<Upsample2D>?

    public init(inChannels: Int, outChannels: Int, numLayers: Int = 1, dropout: Float = 0, eps: Float = 1e-6,
                activation: Activation = .silu, groups: Int = 32, outputScaleFactor: Float = 1,
                addUpsample: Bool = true, tembChannels: Int? = nil) {
        resnets = ModuleList((0..<numLayers).map { i in
            ResnetBlock2D(inChannels: i == 0 ? inChannels : outChannels, outChannels: outChannels, dropout: dropout,
                          tembChannels: tembChannels, groups: groups, eps: eps, activation: activation,
                          outputScaleFactor: outputScaleFactor)
        })
        upsamplers = addUpsample ? ModuleList([Upsample2D(channels: outChannels, useConv: true, outChannels: outChannels)]) : nil
        super.init()
        child("resnets", resnets)
        if let upsamplers { child("upsamplers", upsamplers) }
    }

    public func callAsFunction(_ x: Tensor, temb: Tensor? = nil) throws -> Tensor {
        let layer = beginLayer()
        defer { layer.end() }
        var h = x
        for r in resnets.items { h = try r(h, temb: temb) }
        for u in upsamplers?.items ?? [] { h = try u(h) }
        return h
    }
}

/// diffusers' UNetMidBlock2D: resnet, then (spatial self-attention with GroupNorm and residual, resnet) x numLayers.
/// The VAE's middle block (attention with one head of all channels unless `attentionHeadDim` says otherwise).
public final class UNetMidBlock2D: Module {
    public let resnets: ModuleList<ResnetBlock2D>
    public let attentions: ModuleList<Attention>?

    public init(inChannels: Int, tembChannels: Int?, dropout: Float = 0, numLayers: Int = 1, eps: Float = 1e-6,
                timeEmbeddingNorm: TimeEmbeddingNorm = .default, activation: Activation = .silu, groups: Int? = 32,
                addAttention: Bool = true, attentionHeadDim: Int? = nil, outputScaleFactor: Float = 1) {
        let g = groups ?? Swift.min(inChannels / 4, 32)
        let headDim = attentionHeadDim ?? inChannels
        var rs = [ResnetBlock2D]()
        var atts = [Attention]()
        for _ in 0...numLayers {
            rs.append(ResnetBlock2D(inChannels: inChannels, outChannels: inChannels, dropout: dropout, tembChannels: tembChannels,
                                    groups: g, eps: eps, activation: activation, timeEmbeddingNorm: timeEmbeddingNorm,
                                    outputScaleFactor: outputScaleFactor))
        }
        if addAttention {
            for _ in 0..<numLayers {
                atts.append(Attention(queryDim: inChannels, heads: inChannels / headDim, dimHead: headDim, bias: true,
                                      normNumGroups: timeEmbeddingNorm == .default ? g : nil, eps: eps,
                                      residualConnection: true, rescaleOutputFactor: outputScaleFactor))
            }
        }
        resnets = ModuleList(rs)
        attentions = addAttention && numLayers > 0 ? ModuleList(atts) : nil
        super.init()
        if let attentions { child("attentions", attentions) }
        child("resnets", resnets)
    }

    public func callAsFunction(_ x: Tensor, temb: Tensor? = nil) throws -> Tensor {
        let layer = beginLayer()
        defer { layer.end() }
        var h = try resnets[0](x, temb: temb)
        for i in 1..<resnets.count {
            if let attentions { h = try attentions[i - 1](h) }
            h = try resnets[i](h, temb: temb)
        }
        return h
    }
}
