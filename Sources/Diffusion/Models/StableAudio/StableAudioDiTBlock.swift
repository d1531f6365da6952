import Foundation
import NN
import Tensors

/// One Stable Audio DiT block (diffusers' StableAudioDiTBlock): pre-LayerNorm self-attention with rotary
/// embeddings, pre-LayerNorm cross-attention to the projected text with grouped key/value heads, and a pre-LayerNorm
/// SwiGLU feed-forward (4x width, with biases), each added back to the residual stream.
public final class StableAudioDiTBlock: Module {
    public let norm1: LayerNorm, attn1: StableAudioAttention
    public let norm2: LayerNorm, attn2: StableAudioAttention
    public let norm3: LayerNorm, ff: FeedForward

    public init(dim: Int, heads: Int, kvHeads: Int, headDim: Int, crossAttentionDim: Int, normEps: Float = 1e-5) {
        norm1 = LayerNorm(dim, eps: normEps)
        attn1 = StableAudioAttention(queryDim: dim, heads: heads, headDim: headDim)
        norm2 = LayerNorm(dim, eps: normEps)
        attn2 = StableAudioAttention(queryDim: dim, crossAttentionDim: crossAttentionDim, heads: heads, kvHeads: kvHeads, headDim: headDim)
        norm3 = LayerNorm(dim, eps: normEps)
        ff = FeedForward(dim: dim, kind: .swiglu, bias: true)
        super.init()
        child("norm1", norm1)
        child("attn1", attn1)
        child("norm2", norm2)
        child("attn2", attn2)
        child("norm3", norm3)
        child("ff", ff)
    }

    /// x [B, 1 + L, dim] (the global token first), text [B, S, cross_attention_dim].
    public func callAsFunction(_ x: Tensor, text: Tensor, rotary: RotaryEmbedding) throws -> Tensor {
        let layer = beginLayer()
        defer { layer.end() }
        var h = try attn1(norm1(x), rotary: rotary) + x
        h = try attn2(norm2(h), context: text) + h
        return try ff(norm3(h)) + h
    }
}
