import Foundation
import NN
import Tensors

/// T5 encoder hyper-parameters in transformers' T5Config schema.
public struct T5Config {
    public var vocabSize = 32128
    public var dModel = 512
    public var dKv = 64
    public var dFF = 2048
    public var numLayers = 6
    public var numHeads = 8
    public var relativeAttentionNumBuckets = 32
    public var relativeAttentionMaxDistance = 128
    public var layerNormEpsilon: Float = 1e-6
    /// `relu`, `gated-gelu`, `gated-silu`, ... as T5Config.feed_forward_proj.
    public var feedForwardProj = "relu"
    /// The usual input limit (T5 has no position table; its tokenizers default to 512).
    public var maxLength = 512

    public init() {}

    public init(_ c: HFConfig) throws {
        vocabSize = try c.int("vocab_size")
        dModel = try c.int("d_model")
        dKv = c.int("d_kv", default: 64)
        dFF = try c.int("d_ff")
        numLayers = try c.int("num_layers")
        numHeads = try c.int("num_heads")
        relativeAttentionNumBuckets = c.int("relative_attention_num_buckets", default: 32)
        relativeAttentionMaxDistance = c.int("relative_attention_max_distance", default: 128)
        layerNormEpsilon = c.float("layer_norm_epsilon", default: 1e-6)
        feedForwardProj = c.string("feed_forward_proj", default: "relu")
        maxLength = c.int("n_positions", default: 512)
        do { _ = try activation() } catch { throw TextError.file(c.source, "feed_forward_proj '\(feedForwardProj)': \(error)") }
    }

    /// Whether the feed-forward is gated (wi_0, wi_1) rather than a single wi.
    public var isGated: Bool { feedForwardProj.split(separator: "-").first == "gated" }

    /// The feed-forward activation as T5Config derives dense_act_fn (gated-gelu means gelu_new).
    public func activation() throws -> Activation {
        let parts = feedForwardProj.split(separator: "-").map(String.init)
        guard parts.count == 1 || (parts.count == 2 && parts[0] == "gated") else {
            throw TextError.invalidArgument("feed_forward_proj", "'\(feedForwardProj)' is not 'ACT' or 'gated-ACT'")
        }
        if feedForwardProj == "gated-gelu" { return .geluTanh }
        return try Activation(hfName: parts.last!)
    }
}

/// RMS normalization with a scale and no mean or bias (T5LayerNorm).
public final class T5LayerNorm: Module {
    public let eps: Float
    public var weight: Tensor { param("weight")! }

    public init(_ dim: Int, eps: Float) {
        self.eps = eps
        super.init()
        parameter("weight", Tensor.ones([dim]))
    }

    public func callAsFunction(_ x: Tensor) throws -> Tensor {
        let variance = try (x * x).mean(axis: -1, keepDim: true)
        return try x * (variance + eps).rsqrt() * weight
    }
}

/// q/k/v/o projections without bias, no 1/sqrt(d) scaling, and (in the first block) the
/// relative position bias table (T5Attention).
public final class T5Attention: Module {
    public let heads: Int, dKv: Int
    public let q: Linear, k: Linear, v: Linear, o: Linear
    public let relativeAttentionBias: Embedding?
    let numBuckets: Int, maxDistance: Int

    public init(_ c: T5Config, hasRelativeAttentionBias: Bool) {
        heads = c.numHeads
        dKv = c.dKv
        numBuckets = c.relativeAttentionNumBuckets
        maxDistance = c.relativeAttentionMaxDistance
        let inner = c.numHeads * c.dKv
        q = Linear(c.dModel, inner, bias: false, zeroInit: true)
        k = Linear(c.dModel, inner, bias: false, zeroInit: true)
        v = Linear(c.dModel, inner, bias: false, zeroInit: true)
        o = Linear(inner, c.dModel, bias: false, zeroInit: true)
        relativeAttentionBias = hasRelativeAttentionBias ? Embedding(c.relativeAttentionNumBuckets, c.numHeads, zeroInit: true) : nil
        super.init()
        child("q", q)
        child("k", k)
        child("v", v)
        child("o", o)
        if let relativeAttentionBias { child("relative_attention_bias", relativeAttentionBias) }
    }

    /// T5's bidirectional bucket of a relative position (key - query), computed in float32 as transformers does.
    public static func relativePositionBucket(_ relativePosition: Int, numBuckets: Int, maxDistance: Int) -> Int {
        let half = numBuckets / 2
        var bucket = relativePosition > 0 ? half : 0
        let n = abs(relativePosition)
        let maxExact = half / 2
        if n < maxExact { return bucket + n }
        let ratio = Float(n) / Float(maxExact)
        let scale = Float(Foundation.log(Double(maxDistance) / Double(maxExact)))
        let large = maxExact + Int(Foundation.log(ratio) / scale * Float(half - maxExact))
        bucket += Swift.min(large, half - 1)
        return bucket
    }

    /// The position bias [1, heads, queries, keys] from the bucket table.
    public func positionBias(queries: Int, keys: Int) throws -> Tensor {
        guard let table = relativeAttentionBias else {
            throw TextError.invalidArgument("T5Attention", "this layer has no relative_attention_bias")
        }
        var buckets: [Int] = []
        buckets.reserveCapacity(queries * keys)
        for i in 0..<queries {
            for j in 0..<keys {
                buckets.append(T5Attention.relativePositionBucket(j - i, numBuckets: numBuckets, maxDistance: maxDistance))
            }
        }
        return try table(buckets, shape: [queries, keys]).permute([2, 0, 1]).unsqueeze(0)
    }

    /// `bias` is the position bias plus the additive padding mask, broadcasting to [batch, heads, T, T].
    public func callAsFunction(_ x: Tensor, bias: Tensor) throws -> Tensor {
        let qh = try TextOps.splitHeads(q(x), heads: heads)
        let kh = try TextOps.splitHeads(k(x), heads: heads)
        let vh = try TextOps.splitHeads(v(x), heads: heads)
        let attn = try Tensor.scaledDotProductAttention(qh, kh, vh, mask: bias, scale: 1)
        return try o(try TextOps.mergeHeads(attn))
    }
}

/// Pre-norm self-attention with a residual (T5LayerSelfAttention).
public final class T5LayerSelfAttention: Module {
    public let selfAttention: T5Attention, layerNorm: T5LayerNorm

    public init(_ c: T5Config, hasRelativeAttentionBias: Bool) {
        selfAttention = T5Attention(c, hasRelativeAttentionBias: hasRelativeAttentionBias)
        layerNorm = T5LayerNorm(c.dModel, eps: c.layerNormEpsilon)
        super.init()
        child("SelfAttention", selfAttention)
        child("layer_norm", layerNorm)
    }

    public func callAsFunction(_ x: Tensor, bias: Tensor) throws -> Tensor {
        try x + (try selfAttention(try layerNorm(x), bias: bias))
    }
}

/// wi (or gated wi_0 * wi_1) -> activation -> wo (T5DenseActDense / T5DenseGatedActDense).
public final class T5DenseReluDense: Module {
    public let wi: Linear?, wi0: Linear?, wi1: Linear?, wo: Linear
    let act: Activation

    public init(_ c: T5Config) {
        act = (try? c.activation()) ?? .relu
        if c.isGated {
            wi0 = Linear(c.dModel, c.dFF, bias: false, zeroInit: true)
            wi1 = Linear(c.dModel, c.dFF, bias: false, zeroInit: true)
            wi = nil
        } else {
            wi = Linear(c.dModel, c.dFF, bias: false, zeroInit: true)
            wi0 = nil
            wi1 = nil
        }
        wo = Linear(c.dFF, c.dModel, bias: false, zeroInit: true)
        super.init()
        if let wi { child("wi", wi) }
        if let wi0, let wi1 {
            child("wi_0", wi0)
            child("wi_1", wi1)
        }
        child("wo", wo)
    }

    public func callAsFunction(_ x: Tensor) throws -> Tensor {
        if let wi0, let wi1 { return try wo(try act(try wi0(x)) * (try wi1(x))) }
        return try wo(act(try wi!(x)))
    }
}

/// Pre-norm feed-forward with a residual (T5LayerFF).
public final class T5LayerFF: Module {
    public let denseReluDense: T5DenseReluDense, layerNorm: T5LayerNorm

    public init(_ c: T5Config) {
        denseReluDense = T5DenseReluDense(c)
        layerNorm = T5LayerNorm(c.dModel, eps: c.layerNormEpsilon)
        super.init()
        child("DenseReluDense", denseReluDense)
        child("layer_norm", layerNorm)
    }

    public func callAsFunction(_ x: Tensor) throws -> Tensor { try x + (try denseReluDense(try layerNorm(x))) }
}

/// An encoder block: `layer.0` self-attention, `layer.1` feed-forward (T5Block).
public final class T5Block: Module {
    public let attention: T5LayerSelfAttention, feedForward: T5LayerFF

    public init(_ c: T5Config, hasRelativeAttentionBias: Bool) {
        attention = T5LayerSelfAttention(c, hasRelativeAttentionBias: hasRelativeAttentionBias)
        feedForward = T5LayerFF(c)
        super.init()
        let layer = Module()
        layer.child("0", attention)
        layer.child("1", feedForward)
        child("layer", layer)
    }

    public func callAsFunction(_ x: Tensor, bias: Tensor) throws -> Tensor {
        try feedForward(try attention(x, bias: bias))
    }
}

/// The encoder stack: blocks then final_layer_norm (T5Stack without a decoder).
public final class T5Stack: Module {
    public let blocks: ModuleList<T5Block>, finalLayerNorm: T5LayerNorm

    public init(_ c: T5Config) {
        blocks = ModuleList((0..<c.numLayers).map { T5Block(c, hasRelativeAttentionBias: $0 == 0) })
        finalLayerNorm = T5LayerNorm(c.dModel, eps: c.layerNormEpsilon)
        super.init()
        child("block", blocks)
        child("final_layer_norm", finalLayerNorm)
    }
}

/// T5EncoderModel: `shared` token embedding (also `encoder.embed_tokens`) and the encoder stack.
/// `pooled` is the masked mean of the final hidden states.
public final class T5EncoderModel: Module, TextEncoder {
    public let config: T5Config
    public let shared: Embedding, encoder: T5Stack

    public init(_ c: T5Config) {
        config = c
        shared = Embedding(c.vocabSize, c.dModel, zeroInit: true)
        encoder = T5Stack(c)
        super.init()
        child("shared", shared)
        child("encoder", encoder)
    }

    public var hiddenSize: Int { config.dModel }
    public var pooledSize: Int { config.dModel }
    public var maxLength: Int { config.maxLength }

    /// last_hidden_state [batch, tokens, d_model].
    public func forward(ids: [[Int]], mask: [[Int]]) throws -> Tensor {
        let (b, t) = try TextOps.validate(ids: ids, mask: mask, vocabSize: config.vocabSize)
        return try GradMode.noGrad {
            var h = try shared(Array(ids.joined()), shape: [b, t])
            let first = encoder.blocks[0].attention.selfAttention
            // The first layer's bias is shared by every layer, with the padding mask folded in.
            let bias = try first.positionBias(queries: t, keys: t) + TextOps.additivePaddingMask(mask)
            for block in encoder.blocks.items { h = try block(h, bias: bias) }
            return try encoder.finalLayerNorm(h)
        }
    }

    public func encode(ids: [[Int]], mask: [[Int]]) throws -> TextEncoding {
        let h = try forward(ids: ids, mask: mask)
        let m = TextOps.maskTensor(mask)
        return TextEncoding(hiddenStates: h, mask: m, pooled: try GradMode.noGrad { try TextOps.maskedMean(h, mask: m) })
    }

    /// Loads a T5EncoderModel checkpoint strictly, or the encoder of a T5Model / T5ForConditionalGeneration
    /// (`decoder.` and `lm_head.` dropped). `encoder.embed_tokens.weight` is the tied `shared.weight`:
    /// it stands in for it when `shared.weight` is absent and is otherwise ignored.
    public func load(checkpoint state: [String: Tensor]) throws {
        var s = CheckpointKeys.select(state, keep: ["shared.", "encoder."])
        if let tied = s.removeValue(forKey: "encoder.embed_tokens.weight"), s["shared.weight"] == nil {
            s["shared.weight"] = tied
        }
        try load(stateDict: s, strict: true)
    }
}
