import Foundation
import NN
import Tensors

/// CLIP text tower hyper-parameters in transformers' CLIPTextConfig schema.
public struct CLIPTextConfig {
    public var vocabSize = 49408
    public var hiddenSize = 512
    public var intermediateSize = 2048
    public var numHiddenLayers = 12
    public var numAttentionHeads = 8
    public var maxPositionEmbeddings = 77
    public var hiddenAct = "quick_gelu"
    public var layerNormEps: Float = 1e-5
    /// transformers pools at the argmax of the ids when this is 2 (legacy configs), else at the first eos id.
    public var eosTokenId = 2
    /// Width of text_projection; nil for a CLIPTextModel without one.
    public var projectionDim: Int? = 512

    public init() {}

    /// Reads a `clip_text_model` config or the `text_config` of a whole `clip` (CLIPModel) config.
    /// `withProjection` says whether the checkpoint has text_projection.
    public init(_ c: HFConfig, withProjection: Bool) throws {
        var tc = c
        var top: HFConfig? = nil
        if c.modelType == "clip" {
            guard let sub = c.sub("text_config") else { throw TextError.file(c.source, "clip config without text_config") }
            tc = sub
            top = c
        }
        vocabSize = try tc.int("vocab_size")
        hiddenSize = try tc.int("hidden_size")
        intermediateSize = try tc.int("intermediate_size")
        numHiddenLayers = try tc.int("num_hidden_layers")
        numAttentionHeads = try tc.int("num_attention_heads")
        maxPositionEmbeddings = tc.int("max_position_embeddings", default: 77)
        hiddenAct = tc.string("hidden_act", default: "quick_gelu")
        layerNormEps = tc.float("layer_norm_eps", default: 1e-5)
        eosTokenId = tc.int("eos_token_id", default: 2)
        projectionDim = withProjection ? (tc.optionalInt("projection_dim") ?? top?.optionalInt("projection_dim") ?? 512) : nil
        _ = try Activation(hfName: hiddenAct)
        guard hiddenSize % numAttentionHeads == 0 else {
            throw TextError.file(tc.source, "hidden_size \(hiddenSize) is not a multiple of num_attention_heads \(numAttentionHeads)")
        }
    }
}

/// token_embedding + position_embedding (CLIPTextEmbeddings).
public final class CLIPTextEmbeddings: Module {
    public let tokenEmbedding: Embedding, positionEmbedding: Embedding

    public init(_ c: CLIPTextConfig) {
        tokenEmbedding = Embedding(c.vocabSize, c.hiddenSize, zeroInit: true)
        positionEmbedding = Embedding(c.maxPositionEmbeddings, c.hiddenSize, zeroInit: true)
        super.init()
        child("token_embedding", tokenEmbedding)
        child("position_embedding", positionEmbedding)
    }

    public func callAsFunction(_ ids: [[Int]]) throws -> Tensor {
        let b = ids.count, t = ids[0].count
        return try tokenEmbedding(Array(ids.joined()), shape: [b, t]) + (try positionEmbedding(Array(0..<t), shape: [1, t]))
    }
}

/// q/k/v/out projections with 1/sqrt(head_dim) scaling (CLIPAttention).
public final class CLIPAttention: Module {
    public let heads: Int
    public let qProj: Linear, kProj: Linear, vProj: Linear, outProj: Linear

    public init(_ c: CLIPTextConfig) {
        heads = c.numAttentionHeads
        qProj = Linear(c.hiddenSize, c.hiddenSize, zeroInit: true)
        kProj = Linear(c.hiddenSize, c.hiddenSize, zeroInit: true)
        vProj = Linear(c.hiddenSize, c.hiddenSize, zeroInit: true)
        outProj = Linear(c.hiddenSize, c.hiddenSize, zeroInit: true)
        super.init()
        child("k_proj", kProj)
        child("v_proj", vProj)
        child("q_proj", qProj)
        child("out_proj", outProj)
    }

    public func callAsFunction(_ x: Tensor, mask: Tensor) throws -> Tensor {
        let q = try TextOps.splitHeads(qProj(x), heads: heads)
        let k = try TextOps.splitHeads(kProj(x), heads: heads)
        let v = try TextOps.splitHeads(vProj(x), heads: heads)
        return try outProj(try TextOps.mergeHeads(Tensor.scaledDotProductAttention(q, k, v, mask: mask)))
    }
}

/// fc1 -> activation -> fc2 (CLIPMLP).
public final class CLIPMLP: Module {
    public let fc1: Linear, fc2: Linear
    let act: Activation

    public init(_ c: CLIPTextConfig) {
        fc1 = Linear(c.hiddenSize, c.intermediateSize, zeroInit: true)
        fc2 = Linear(c.intermediateSize, c.hiddenSize, zeroInit: true)
        act = (try? Activation(hfName: c.hiddenAct)) ?? .quickGelu
        super.init()
        child("fc1", fc1)
        child("fc2", fc2)
    }

    public func callAsFunction(_ x: Tensor) throws -> Tensor { try fc2(act(try fc1(x))) }
}

/// Pre-LN layer: x + attn(ln1(x)), then + mlp(ln2(.)) (CLIPEncoderLayer).
public final class CLIPEncoderLayer: Module {
    public let selfAttn: CLIPAttention, layerNorm1: LayerNorm, mlp: CLIPMLP, layerNorm2: LayerNorm

    public init(_ c: CLIPTextConfig) {
        selfAttn = CLIPAttention(c)
        layerNorm1 = LayerNorm(c.hiddenSize, eps: c.layerNormEps)
        mlp = CLIPMLP(c)
        layerNorm2 = LayerNorm(c.hiddenSize, eps: c.layerNormEps)
        super.init()
        child("self_attn", selfAttn)
        child("layer_norm1", layerNorm1)
        child("mlp", mlp)
        child("layer_norm2", layerNorm2)
    }

    public func callAsFunction(_ x: Tensor, mask: Tensor) throws -> Tensor {
        let h = try x + (try selfAttn(try layerNorm1(x), mask: mask))
        return try h + (try mlp(try layerNorm2(h)))
    }
}

/// embeddings, encoder.layers, final_layer_norm (CLIPTextTransformer).
public final class CLIPTextTransformer: Module {
    public let config: CLIPTextConfig
    public let embeddings: CLIPTextEmbeddings, layers: ModuleList<CLIPEncoderLayer>, finalLayerNorm: LayerNorm

    public init(_ c: CLIPTextConfig) {
        config = c
        embeddings = CLIPTextEmbeddings(c)
        layers = ModuleList((0..<c.numHiddenLayers).map { _ in CLIPEncoderLayer(c) })
        finalLayerNorm = LayerNorm(c.hiddenSize, eps: c.layerNormEps)
        super.init()
        child("embeddings", embeddings)
        let encoder = Module()
        encoder.child("layers", layers)
        child("encoder", encoder)
        child("final_layer_norm", finalLayerNorm)
    }

    /// The causal mask combined with the padding mask, [batch, 1, T, T]: 0 where key j <= query i is a
    /// real token, float32 min elsewhere.
    public static func attentionMask(_ mask: [[Int]]) -> Tensor {
        let b = mask.count, t = mask[0].count
        var data = [Float](repeating: 0, count: b * t * t)
        for r in 0..<b {
            for i in 0..<t {
                for j in 0..<t where j > i || mask[r][j] == 0 { data[(r * t + i) * t + j] = -Float.greatestFiniteMagnitude }
            }
        }
        return Tensor(shape: [b, 1, t, t], data: data)
    }

    /// The position transformers pools at: argmax of the ids when eos_token_id is 2 (legacy), else the
    /// first eos_token_id (0 when a row has none, as argmax of all zeros).
    public func eosPositions(_ ids: [[Int]]) -> [Int] {
        ids.map { row in
            if config.eosTokenId == 2 {
                var best = 0
                for (j, id) in row.enumerated() where id > row[best] { best = j }
                return best
            }
            return row.firstIndex(of: config.eosTokenId) ?? 0
        }
    }

    /// (last_hidden_state, pooler_output at the EOS token).
    public func forward(ids: [[Int]], mask: [[Int]]) throws -> (lastHiddenState: Tensor, pooled: Tensor) {
        _ = try TextOps.validate(ids: ids, mask: mask, maxLength: config.maxPositionEmbeddings, vocabSize: config.vocabSize)
        return try GradMode.noGrad {
            let m = CLIPTextTransformer.attentionMask(mask)
            var h = try embeddings(ids)
            for layer in layers.items { h = try layer(h, mask: m) }
            h = try finalLayerNorm(h)
            return (h, try TextOps.gatherTokens(h, eosPositions(ids)))
        }
    }
}

/// CLIPTextModelWithProjection (or CLIPTextModel when `projectionDim` is nil): `pooled` is text_embeds,
/// the EOS token's state through text_projection (or that state itself without a projection).
public final class CLIPTextModel: Module, TextEncoder {
    public let config: CLIPTextConfig
    public let textModel: CLIPTextTransformer
    public let textProjection: Linear?

    public init(_ c: CLIPTextConfig) {
        config = c
        textModel = CLIPTextTransformer(c)
        textProjection = c.projectionDim.map { Linear(c.hiddenSize, $0, bias: false, zeroInit: true) }
        super.init()
        child("text_model", textModel)
        if let textProjection { child("text_projection", textProjection) }
    }

    public var hiddenSize: Int { config.hiddenSize }
    public var pooledSize: Int { config.projectionDim ?? config.hiddenSize }
    public var maxLength: Int { config.maxPositionEmbeddings }

    /// (last_hidden_state, text_embeds or pooler_output).
    public func forward(ids: [[Int]], mask: [[Int]]) throws -> (lastHiddenState: Tensor, textEmbeds: Tensor) {
        let (h, pooled) = try textModel.forward(ids: ids, mask: mask)
        guard let textProjection else { return (h, pooled) }
        return (h, try GradMode.noGrad { try textProjection(pooled) })
    }

    public func encode(ids: [[Int]], mask: [[Int]]) throws -> TextEncoding {
        let (h, embeds) = try forward(ids: ids, mask: mask)
        return TextEncoding(hiddenStates: h, mask: TextOps.maskTensor(mask), pooled: embeds)
    }

    /// Loads a CLIPTextModel(WithProjection) checkpoint, or the text half of a whole CLIPModel
    /// (`vision_model.`, `visual_projection.`, `logit_scale` dropped), strictly; position_ids buffers are ignored.
    public func load(checkpoint state: [String: Tensor]) throws {
        let s = CheckpointKeys.select(state, keep: ["text_model.", "text_projection."])
        try load(stateDict: s, strict: true, ignoring: ["text_model.embeddings.position_ids"])
    }
}

/// The name transformers gives the projected variant.
public typealias CLIPTextModelWithProjection = CLIPTextModel
