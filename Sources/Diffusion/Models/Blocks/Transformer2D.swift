import NN
import Tensors

/// A gated linear unit: proj(x) split in (hidden, gate) halves, hidden * act(gate); diffusers' `GEGLU` (gelu gate)
/// and `SwiGLU` (silu gate), key `proj`.
public final class GatedProjection: Module {
    /// The gate's activation: `gelu` is GEGLU, `silu` SwiGLU.
    public enum Gate { case gelu, silu }
    public let proj: Linear
    public let gate: Gate

    public init(dimIn: Int, dimOut: Int, gate: Gate, bias: Bool = true) {
        proj = Linear(dimIn, dimOut * 2, bias: bias)
        self.gate = gate
        super.init()
        child("proj", proj)
    }

    public func callAsFunction(_ x: Tensor) throws -> Tensor {
        let parts = try proj(x).chunk(2, axis: -1)
        return try parts[0] * (gate == .gelu ? parts[1].gelu() : parts[1].silu())
    }
}

/// GELU with a projection in front (diffusers' `GELU`, key `proj`), used by `activation_fn` "gelu".
public final class GELUProjection: Module {
    public let proj: Linear
    public let approximate: Bool

    public init(dimIn: Int, dimOut: Int, approximate: Bool = false, bias: Bool = true) {
        proj = Linear(dimIn, dimOut, bias: bias)
        self.approximate = approximate
        super.init()
        child("proj", proj)
    }

    public func callAsFunction(_ x: Tensor) throws -> Tensor { try proj(x).gelu(approximate: approximate) }
}

/// diffusers' FeedForward: net.0 (GEGLU / SwiGLU / GELU projection), net.1 dropout, net.2 linear back to `dim`.
public final class FeedForward: Module {
    public enum Kind: String, Sendable { case geglu, gelu, geluApproximate = "gelu-approximate", swiglu }
    let act: (Tensor) throws -> Tensor
    public let out: Linear
    let drop: Dropout

    public init(dim: Int, dimOut: Int? = nil, mult: Int = 4, dropout: Float = 0, kind: Kind = .geglu,
                innerDim: Int? = nil, bias: Bool = true) {
        let inner = innerDim ?? dim * mult
        let first: Module
        switch kind {
        case .geglu, .swiglu:
            let g = GatedProjection(dimIn: dim, dimOut: inner, gate: kind == .geglu ? .gelu : .silu, bias: bias)
            act = { try g($0) }
            first = g
        case .gelu, .geluApproximate:
            let g = GELUProjection(dimIn: dim, dimOut: inner, approximate: kind == .geluApproximate, bias: bias)
            act = { try g($0) }
            first = g
        }
        drop = Dropout(dropout)
        out = Linear(inner, dimOut ?? dim, bias: bias)
        super.init()
        child("net", ModuleList<Module>([first, drop, out]))
    }

    public func callAsFunction(_ x: Tensor) throws -> Tensor { try out(drop(act(x))) }
}

/// diffusers' BasicTransformerBlock (layer-norm variant): self-attention, then attn2 (cross-attention to the
/// encoder states, or self-attention when none are given, as AudioLDM runs it), then a GEGLU feed-forward,
/// each pre-normed with a residual.
public final class BasicTransformerBlock: Module {
    public let onlyCrossAttention: Bool
    public let norm1: LayerNorm, attn1: Attention
    public let norm2: LayerNorm?, attn2: Attention?
    public let norm3: LayerNorm, ff: FeedForward

    public init(dim: Int, numAttentionHeads: Int, attentionHeadDim: Int, dropout: Float = 0, crossAttentionDim: Int? = nil,
                activation: FeedForward.Kind = .geglu, attentionBias: Bool = false, onlyCrossAttention: Bool = false,
                doubleSelfAttention: Bool = false, normElementwiseAffine: Bool = true, normEps: Float = 1e-5,
                ffInnerDim: Int? = nil, ffBias: Bool = true, attentionOutBias: Bool = true) {
        self.onlyCrossAttention = onlyCrossAttention
        norm1 = LayerNorm(dim, eps: normEps, affine: normElementwiseAffine)
        attn1 = Attention(queryDim: dim, crossAttentionDim: onlyCrossAttention ? crossAttentionDim : nil,
                          heads: numAttentionHeads, dimHead: attentionHeadDim, dropout: dropout, bias: attentionBias,
                          outBias: attentionOutBias)
        if crossAttentionDim != nil || doubleSelfAttention {
            norm2 = LayerNorm(dim, eps: normEps, affine: normElementwiseAffine)
            attn2 = Attention(queryDim: dim, crossAttentionDim: doubleSelfAttention ? nil : crossAttentionDim,
                              heads: numAttentionHeads, dimHead: attentionHeadDim, dropout: dropout, bias: attentionBias,
                              outBias: attentionOutBias)
        } else {
            norm2 = nil
            attn2 = nil
        }
        norm3 = LayerNorm(dim, eps: normEps, affine: normElementwiseAffine)
        ff = FeedForward(dim: dim, dropout: dropout, kind: activation, innerDim: ffInnerDim, bias: ffBias)
        super.init()
        child("norm1", norm1)
        child("attn1", attn1)
        if let norm2, let attn2 {
            child("norm2", norm2)
            child("attn2", attn2)
        }
        child("norm3", norm3)
        child("ff", ff)
    }

    /// x [B, L, dim]; masks are additive biases broadcastable to [B, heads, L, L] / [B, heads, L, S].
    public func callAsFunction(_ x: Tensor, encoderHiddenStates: Tensor? = nil, attentionMask: Tensor? = nil,
                               encoderAttentionMask: Tensor? = nil) throws -> Tensor {
        let layer = beginLayer()
        defer { layer.end() }
        var h = x
        h = try attn1(norm1(h), encoderHiddenStates: onlyCrossAttention ? encoderHiddenStates : nil,
                      attentionMask: attentionMask) + h
        if let norm2, let attn2 {
            h = try attn2(norm2(h), encoderHiddenStates: encoderHiddenStates, attentionMask: encoderAttentionMask) + h
        }
        h = try ff(norm3(h)) + h
        return h
    }
}

/// diffusers' Transformer2DModel for continuous inputs: GroupNorm (eps 1e-6), proj_in (1x1 conv, or linear with
/// `use_linear_projection`), transformer_blocks over the H*W tokens, proj_out, plus the input residual.
public final class Transformer2DModel: Module {
    public let useLinearProjection: Bool
    public let innerDim: Int
    public let norm: GroupNorm
    let projInLinear: Linear?, projInConv: Conv2d?, projOutLinear: Linear?, projOutConv: Conv2d?
    public let transformerBlocks: ModuleList<BasicTransformerBlock>

    public init(numAttentionHeads: Int = 16, attentionHeadDim: Int = 88, inChannels: Int, outChannels: Int? = nil,
                numLayers: Int = 1, dropout: Float = 0, normNumGroups: Int = 32, crossAttentionDim: Int? = nil,
                attentionBias: Bool = false, onlyCrossAttention: Bool = false, doubleSelfAttention: Bool = false,
                useLinearProjection: Bool = false, normEps: Float = 1e-5) {
        let inner = numAttentionHeads * attentionHeadDim
        let out = outChannels ?? inChannels
        self.useLinearProjection = useLinearProjection
        innerDim = inner
        norm = GroupNorm(groups: normNumGroups, channels: inChannels, eps: 1e-6)
        if useLinearProjection {
            projInLinear = Linear(inChannels, inner)
            projOutLinear = Linear(inner, out)
            projInConv = nil
            projOutConv = nil
        } else {
            projInConv = Conv2d(inChannels, inner, kernelSize: 1)
            projOutConv = Conv2d(inner, out, kernelSize: 1)
            projInLinear = nil
            projOutLinear = nil
        }
        transformerBlocks = ModuleList((0..<numLayers).map { _ in
            BasicTransformerBlock(dim: inner, numAttentionHeads: numAttentionHeads, attentionHeadDim: attentionHeadDim,
                                  dropout: dropout, crossAttentionDim: crossAttentionDim, attentionBias: attentionBias,
                                  onlyCrossAttention: onlyCrossAttention, doubleSelfAttention: doubleSelfAttention,
                                  normEps: normEps)
        })
        super.init()
        child("norm", norm)
        child("proj_in", (projInLinear as Module?) ?? projInConv!)
        child("transformer_blocks", transformerBlocks)
        child("proj_out", (projOutLinear as Module?) ?? projOutConv!)
    }

    /// x [B, C, H, W] -> [B, C, H, W].
    public func callAsFunction(_ x: Tensor, encoderHiddenStates: Tensor? = nil, attentionMask: Tensor? = nil,
                               encoderAttentionMask: Tensor? = nil) throws -> Tensor {
        let layer = beginLayer()
        defer { layer.end() }
        let (b, h, w) = (x.shape[0], x.shape[2], x.shape[3])
        var t = try norm(x)
        if let projInConv {
            t = try projInConv(t).permute([0, 2, 3, 1]).reshape([b, h * w, innerDim])
        } else if let projInLinear {
            t = try projInLinear(t.permute([0, 2, 3, 1]).reshape([b, h * w, x.shape[1]]))
        }
        for block in transformerBlocks.items {
            t = try block(t, encoderHiddenStates: encoderHiddenStates, attentionMask: attentionMask,
                          encoderAttentionMask: encoderAttentionMask)
        }
        if let projOutConv {
            t = try projOutConv(t.reshape([b, h, w, innerDim]).permute([0, 3, 1, 2]))
        } else if let projOutLinear {
            let o = try projOutLinear(t)
            t = try o.reshape([b, h, w, o.shape[2]]).permute([0, 3, 1, 2])
        }
        return try t + x
    }
}
