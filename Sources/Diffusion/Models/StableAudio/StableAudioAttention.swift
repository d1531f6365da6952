import Foundation
import NN
import Tensors

/// diffusers' `Attention` run by `StableAudioAttnProcessor2_0`: no biases, grouped key/value heads repeated to the
/// query heads, and rotary position embeddings on the first `rotary` channels of each query and key head
/// (self-attention only; the cross-attention's keys are text tokens and are not rotated).
public final class StableAudioAttention: Module {
    public let heads: Int, kvHeads: Int, headDim: Int
    public let toQ: Linear, toK: Linear, toV: Linear, toOut: Linear

    public init(queryDim: Int, crossAttentionDim: Int? = nil, heads: Int, kvHeads: Int? = nil, headDim: Int) {
        self.heads = heads
        self.kvHeads = kvHeads ?? heads
        self.headDim = headDim
        toQ = Linear(queryDim, heads * headDim, bias: false)
        toK = Linear(crossAttentionDim ?? queryDim, self.kvHeads * headDim, bias: false)
        toV = Linear(crossAttentionDim ?? queryDim, self.kvHeads * headDim, bias: false)
        toOut = Linear(heads * headDim, queryDim, bias: false)
        super.init()
        child("to_q", toQ)
        child("to_k", toK)
        child("to_v", toV)
        child("to_out", ModuleList<Module>([toOut, Dropout(0)]))
    }

    /// x [B, L, C]; `context` [B, S, cross] for cross-attention (nil: self-attention); `rotary` rotates q and k
    /// in self-attention.
    public func callAsFunction(_ x: Tensor, context: Tensor? = nil, rotary: RotaryEmbedding? = nil) throws -> Tensor {
        let layer = beginLayer()
        defer { layer.end() }
        let b = x.shape[0], l = x.shape[1]
        let kv = context ?? x
        guard kv.rank == 3, kv.shape[0] == b else {
            throw DiffusionError.invalidArgument("encoder_hidden_states", "expected [\(b), S, \(toK.inFeatures)], got \(kv.shape)")
        }
        let s = kv.shape[1]
        var q = try split(toQ(x), b, l, heads)
        var k = try split(toK(kv), b, s, kvHeads)
        var v = try split(toV(kv), b, s, kvHeads)
        if kvHeads != heads {
            // repeat_interleave over heads: query head h reads key/value head h / (heads / kv_heads).
            let group = heads / kvHeads
            let index = (0..<heads).map { $0 / group }
            k = try k.indexSelect(axis: 1, index)
            v = try v.indexSelect(axis: 1, index)
        }
        if let rotary {
            q = try rotary.apply(q)
            if context == nil { k = try rotary.apply(k) }
        }
        let o = try Tensor.scaledDotProductAttention(q, k, v).permute([0, 2, 1, 3]).reshape([b, l, heads * headDim])
        return try toOut(o)
    }

    /// [B, n, h * d] -> [B, h, n, d].
    private func split(_ t: Tensor, _ b: Int, _ n: Int, _ h: Int) throws -> Tensor {
        try t.reshape([b, n, h, headDim]).permute([0, 2, 1, 3])
    }
}

/// Stable Audio's rotary position embedding (diffusers' get_1d_rotary_pos_embed with use_real and no interleave,
/// applied with use_real_unbind_dim -2): cos/sin tables [S, dim] whose two halves repeat the dim/2 frequencies
/// 1 / 10000^(2i / dim), turning the first `dim` channels of a head as (x1, x2) -> (x1 cos - x2 sin, x2 cos + x1 sin).
public struct RotaryEmbedding {
    public let dim: Int
    public let cos: Tensor
    public let sin: Tensor

    public init(dim: Int, length: Int, theta: Float = 10000) {
        self.dim = dim
        let half = dim / 2
        // torch: 1.0 / (theta ** (arange(0, dim, 2) / dim)) in float32, then outer(pos, freqs).
        let freqs = (0..<half).map { 1 / Foundation.pow(theta, Float(2 * $0) / Float(dim)) }
        var c = [Float](), s = [Float]()
        c.reserveCapacity(length * dim)
        s.reserveCapacity(length * dim)
        for p in 0..<length {
            let angles = freqs.map { Float(p) * $0 }
            let rowC = angles.map { Foundation.cos($0) }, rowS = angles.map { Foundation.sin($0) }
            c += rowC + rowC
            s += rowS + rowS
        }
        cos = Tensor(shape: [length, dim], data: c)
        sin = Tensor(shape: [length, dim], data: s)
    }

    /// x [B, H, S, D] with D >= dim: the first `dim` channels rotated, the rest unchanged.
    public func apply(_ x: Tensor) throws -> Tensor {
        let d = x.shape[3]
        guard x.shape[2] == cos.shape[0], d >= dim else {
            throw DiffusionError.invalidArgument("rotary", "table is \(cos.shape[0]) x \(dim), input is \(x.shape)")
        }
        let turned = try x.slice(axis: 3, start: 0, end: dim)
        let x1 = try turned.slice(axis: 3, start: 0, end: dim / 2), x2 = try turned.slice(axis: 3, start: dim / 2, end: dim)
        let rotated = try Tensor.concat([x2 * -1, x1], axis: 3)
        let out = try turned * cos + rotated * sin
        return d == dim ? out : try Tensor.concat([out, x.slice(axis: 3, start: dim, end: d)], axis: 3)
    }
}
