import NN
import Tensors

/// diffusers' `Attention` with the default processor: multi-head (cross-)attention through to_q / to_k / to_v /
/// to_out.0, optionally group-normalizing its input (the VAE's spatial attention) and adding the residual,
/// then dividing by `rescale_output_factor`.
///
/// Inputs are [B, L, C] token sequences or [B, C, H, W] feature maps (attended over H*W positions and returned
/// in the same layout). Attention runs through `Tensor.scaledDotProductAttention`, which uses a memory-bounded
/// chunked kernel in no-grad inference.
public final class Attention: Module {
    public let queryDim: Int, crossAttentionDim: Int, heads: Int, dimHead: Int, innerDim: Int, outDim: Int
    public let residualConnection: Bool
    public let rescaleOutputFactor: Float
    public let toQ: Linear, toK: Linear, toV: Linear, toOut: Linear
    public let groupNorm: GroupNorm?
    let outDropout: Dropout

    /// - Parameters mirror diffusers' `Attention.__init__`: `bias` is the q/k/v projections' bias, `outBias` to_out's,
    ///   `normNumGroups` adds the input GroupNorm (with `eps`).
    public init(queryDim: Int, crossAttentionDim: Int? = nil, heads: Int = 8, dimHead: Int = 64, dropout: Float = 0,
                bias: Bool = false, outBias: Bool = true, normNumGroups: Int? = nil, eps: Float = 1e-5,
                residualConnection: Bool = false, rescaleOutputFactor: Float = 1, outDim: Int? = nil) {
        self.queryDim = queryDim
        self.crossAttentionDim = crossAttentionDim ?? queryDim
        self.outDim = outDim ?? queryDim
        innerDim = outDim ?? dimHead * heads
        self.heads = outDim.map { $0 / dimHead } ?? heads
        self.dimHead = dimHead
        self.residualConnection = residualConnection
        self.rescaleOutputFactor = rescaleOutputFactor
        groupNorm = normNumGroups.map { GroupNorm(groups: $0, channels: queryDim, eps: eps) }
        toQ = Linear(queryDim, innerDim, bias: bias)
        toK = Linear(crossAttentionDim ?? queryDim, innerDim, bias: bias)
        toV = Linear(crossAttentionDim ?? queryDim, innerDim, bias: bias)
        toOut = Linear(innerDim, outDim ?? queryDim, bias: outBias)
        outDropout = Dropout(dropout)
        super.init()
        if let groupNorm { child("group_norm", groupNorm) }
        child("to_q", toQ)
        child("to_k", toK)
        child("to_v", toV)
        child("to_out", ModuleList<Module>([toOut, outDropout]))
    }

    /// Self-attention when `encoderHiddenStates` is nil, else cross-attention to them ([B, S, crossAttentionDim]).
    /// `attentionMask` is an additive bias broadcastable to [B, heads, L, S] (e.g. [B, 1, 1, S]).
    public func callAsFunction(_ x: Tensor, encoderHiddenStates: Tensor? = nil, attentionMask: Tensor? = nil) throws -> Tensor {
        let layer = beginLayer()
        defer { layer.end() }
        let residual = x
        var h = x
        var spatial: [Int]? = nil
        if x.rank == 4 {
            spatial = x.shape
            // GroupNorm over [B, C, H*W] equals GroupNorm over [B, C, H, W]: normalize before flattening.
            if let groupNorm { h = try groupNorm(h) }
            h = try h.reshape([x.shape[0], x.shape[1], x.shape[2] * x.shape[3]]).transpose(1, 2)
        } else if let groupNorm {
            h = try groupNorm(h.transpose(1, 2)).transpose(1, 2)
        }
        guard h.rank == 3 else {
            throw DiffusionError.invalidArgument("attention input", "expected [B, L, C] or [B, C, H, W], got \(x.shape)")
        }
        let b = h.shape[0], l = h.shape[1]
        let context = encoderHiddenStates ?? h
        guard context.rank == 3, context.shape[0] == b else {
            throw DiffusionError.invalidArgument("encoder_hidden_states", "expected [\(b), S, \(crossAttentionDim)], got \(context.shape)")
        }
        let s = context.shape[1]
        let q = try splitHeads(toQ(h), b, l)
        let k = try splitHeads(toK(context), b, s)
        let v = try splitHeads(toV(context), b, s)
        var o = try Tensor.scaledDotProductAttention(q, k, v, mask: attentionMask)
        o = heads == 1 ? try o.reshape([b, l, innerDim]) : try o.permute([0, 2, 1, 3]).reshape([b, l, innerDim])
        o = try outDropout(toOut(o))
        if let spatial {
            o = try o.transpose(1, 2).reshape([spatial[0], outDim, spatial[2], spatial[3]])
        }
        if residualConnection { o = try o + residual }
        if rescaleOutputFactor != 1 { o = o / rescaleOutputFactor }
        return o
    }

    /// [B, L, heads * d] -> [B, heads, L, d].
    func splitHeads(_ t: Tensor, _ b: Int, _ n: Int) throws -> Tensor {
        let d = t.shape[2] / heads
        if heads == 1 { return try t.reshape([b, 1, n, d]) }
        return try t.reshape([b, n, heads, d]).permute([0, 2, 1, 3])
    }
}
