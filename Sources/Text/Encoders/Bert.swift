import Foundation
import NN
import Tensors

/// BERT / RoBERTa hyper-parameters in transformers' BertConfig / RobertaConfig / ClapTextConfig schema.
public struct BertConfig {
    public var vocabSize = 30522
    public var hiddenSize = 768
    public var numHiddenLayers = 12
    public var numAttentionHeads = 12
    public var intermediateSize = 3072
    public var hiddenAct = "gelu"
    public var maxPositionEmbeddings = 512
    public var typeVocabSize = 2
    public var layerNormEps: Float = 1e-12
    public var padTokenId = 0
    /// RoBERTa's position ids: they start at padding_idx + 1 and padding tokens get padding_idx
    /// (create_position_ids_from_input_ids); BERT counts from 0.
    public var positionsFromPadding = false

    public init() {}

    /// Reads a BERT (`bert`) or RoBERTa-like (`roberta`, `clap_text_model`, `xlm-roberta`) config.
    public init(_ c: HFConfig) throws {
        let roberta = ["roberta", "clap_text_model", "xlm-roberta", "camembert"].contains(c.modelType ?? "")
        vocabSize = try c.int("vocab_size")
        hiddenSize = try c.int("hidden_size")
        numHiddenLayers = try c.int("num_hidden_layers")
        numAttentionHeads = try c.int("num_attention_heads")
        intermediateSize = try c.int("intermediate_size")
        hiddenAct = c.string("hidden_act", default: "gelu")
        maxPositionEmbeddings = c.int("max_position_embeddings", default: 512)
        typeVocabSize = c.int("type_vocab_size", default: 2)
        layerNormEps = c.float("layer_norm_eps", default: roberta ? 1e-5 : 1e-12)
        padTokenId = c.int("pad_token_id", default: roberta ? 1 : 0)
        positionsFromPadding = roberta
        let pet = c.string("position_embedding_type", default: "absolute")
        guard pet == "absolute" else {
            throw TextError.file(c.source, "position_embedding_type '\(pet)' is not supported (only 'absolute')")
        }
        _ = try Activation(hfName: hiddenAct)
        guard hiddenSize % numAttentionHeads == 0 else {
            throw TextError.file(c.source, "hidden_size \(hiddenSize) is not a multiple of num_attention_heads \(numAttentionHeads)")
        }
    }

    /// The longest input the position table allows.
    public var maxLength: Int { positionsFromPadding ? maxPositionEmbeddings - padTokenId - 1 : maxPositionEmbeddings }
}

/// word + position + token_type embeddings, then LayerNorm (BertEmbeddings / RobertaEmbeddings).
public final class BertEmbeddings: Module {
    let config: BertConfig
    public let wordEmbeddings: Embedding, positionEmbeddings: Embedding, tokenTypeEmbeddings: Embedding
    public let layerNorm: LayerNorm

    public init(_ c: BertConfig) {
        config = c
        wordEmbeddings = Embedding(c.vocabSize, c.hiddenSize, zeroInit: true)
        positionEmbeddings = Embedding(c.maxPositionEmbeddings, c.hiddenSize, zeroInit: true)
        tokenTypeEmbeddings = Embedding(c.typeVocabSize, c.hiddenSize, zeroInit: true)
        layerNorm = LayerNorm(c.hiddenSize, eps: c.layerNormEps)
        super.init()
        child("word_embeddings", wordEmbeddings)
        child("position_embeddings", positionEmbeddings)
        child("token_type_embeddings", tokenTypeEmbeddings)
        child("LayerNorm", layerNorm)
    }

    /// Position ids per row: 0..<T for BERT, RoBERTa's cumulative count past the padding index otherwise.
    public func positionIds(_ ids: [[Int]]) -> [[Int]] {
        guard config.positionsFromPadding else { return ids.map { Array(0..<$0.count) } }
        let pad = config.padTokenId
        return ids.map { row in
            var n = 0
            return row.map { id in
                if id == pad { return pad }
                n += 1
                return n + pad
            }
        }
    }

    public func callAsFunction(_ ids: [[Int]]) throws -> Tensor {
        let b = ids.count, t = ids[0].count
        let words = try wordEmbeddings(Array(ids.joined()), shape: [b, t])
        let pos = try positionEmbeddings(Array(positionIds(ids).joined()), shape: [b, t])
        let types = try tokenTypeEmbeddings([0], shape: [1, 1])
        return try layerNorm(try words + types + pos)
    }
}

/// Multi-head self-attention with query/key/value projections (BertSelfAttention).
public final class BertSelfAttention: Module {
    public let heads: Int
    public let query: Linear, key: Linear, value: Linear

    public init(_ c: BertConfig) {
        heads = c.numAttentionHeads
        query = Linear(c.hiddenSize, c.hiddenSize, zeroInit: true)
        key = Linear(c.hiddenSize, c.hiddenSize, zeroInit: true)
        value = Linear(c.hiddenSize, c.hiddenSize, zeroInit: true)
        super.init()
        child("query", query)
        child("key", key)
        child("value", value)
    }

    public func callAsFunction(_ x: Tensor, mask: Tensor?) throws -> Tensor {
        let q = try TextOps.splitHeads(query(x), heads: heads)
        let k = try TextOps.splitHeads(key(x), heads: heads)
        let v = try TextOps.splitHeads(value(x), heads: heads)
        return try TextOps.mergeHeads(Tensor.scaledDotProductAttention(q, k, v, mask: mask))
    }
}

/// dense, then LayerNorm of the residual sum (BertSelfOutput, BertOutput).
public final class BertResidualOutput: Module {
    public let dense: Linear, layerNorm: LayerNorm

    public init(_ inFeatures: Int, _ c: BertConfig) {
        dense = Linear(inFeatures, c.hiddenSize, zeroInit: true)
        layerNorm = LayerNorm(c.hiddenSize, eps: c.layerNormEps)
        super.init()
        child("dense", dense)
        child("LayerNorm", layerNorm)
    }

    public func callAsFunction(_ x: Tensor, residual: Tensor) throws -> Tensor {
        try layerNorm(try dense(x) + residual)
    }
}

/// `self` attention and its `output` projection (BertAttention).
public final class BertAttention: Module {
    public let selfAttention: BertSelfAttention, output: BertResidualOutput

    public init(_ c: BertConfig) {
        selfAttention = BertSelfAttention(c)
        output = BertResidualOutput(c.hiddenSize, c)
        super.init()
        child("self", selfAttention)
        child("output", output)
    }

    public func callAsFunction(_ x: Tensor, mask: Tensor?) throws -> Tensor {
        try output(try selfAttention(x, mask: mask), residual: x)
    }
}

/// dense + activation (BertIntermediate).
public final class BertIntermediate: Module {
    public let dense: Linear
    let act: Activation

    public init(_ c: BertConfig) {
        dense = Linear(c.hiddenSize, c.intermediateSize, zeroInit: true)
        act = (try? Activation(hfName: c.hiddenAct)) ?? .gelu
        super.init()
        child("dense", dense)
    }

    public func callAsFunction(_ x: Tensor) throws -> Tensor { try act(dense(x)) }
}

/// One post-LN transformer layer (BertLayer).
public final class BertLayer: Module {
    public let attention: BertAttention, intermediate: BertIntermediate, output: BertResidualOutput

    public init(_ c: BertConfig) {
        attention = BertAttention(c)
        intermediate = BertIntermediate(c)
        output = BertResidualOutput(c.intermediateSize, c)
        super.init()
        child("attention", attention)
        child("intermediate", intermediate)
        child("output", output)
    }

    public func callAsFunction(_ x: Tensor, mask: Tensor?) throws -> Tensor {
        let a = try attention(x, mask: mask)
        return try output(try intermediate(a), residual: a)
    }
}

/// The stack of layers under `layer.N` (BertEncoder).
public final class BertEncoder: Module {
    public let layers: ModuleList<BertLayer>

    public init(_ c: BertConfig) {
        layers = ModuleList((0..<c.numHiddenLayers).map { _ in BertLayer(c) })
        super.init()
        child("layer", layers)
    }

    public func callAsFunction(_ x: Tensor, mask: Tensor?) throws -> Tensor {
        try layers.items.reduce(x) { try $1($0, mask: mask) }
    }
}

/// dense + tanh on the first token (BertPooler).
public final class BertPooler: Module {
    public let dense: Linear

    public init(_ c: BertConfig) {
        dense = Linear(c.hiddenSize, c.hiddenSize, zeroInit: true)
        super.init()
        child("dense", dense)
    }

    public func callAsFunction(_ hidden: Tensor) throws -> Tensor {
        try dense(try hidden.slice(axis: 1, start: 0, end: 1).squeeze(1)).tanh()
    }
}

/// BertModel (also RobertaModel / ClapTextModel with `positionsFromPadding`), keys as transformers names them.
/// As a `TextEncoder` it pools as sentence-transformers does: mean over the mask, then L2 normalization.
public final class BertModel: Module, TextEncoder {
    public let config: BertConfig
    public let embeddings: BertEmbeddings, encoder: BertEncoder
    public let pooler: BertPooler?

    public init(_ c: BertConfig, addPoolingLayer: Bool = true) {
        config = c
        embeddings = BertEmbeddings(c)
        encoder = BertEncoder(c)
        pooler = addPoolingLayer ? BertPooler(c) : nil
        super.init()
        child("embeddings", embeddings)
        child("encoder", encoder)
        if let pooler { child("pooler", pooler) }
    }

    public var hiddenSize: Int { config.hiddenSize }
    public var pooledSize: Int { config.hiddenSize }
    public var maxLength: Int { config.maxLength }

    /// (last_hidden_state, pooler_output when the model has a pooler). Records gradients when the caller's grad
    /// mode does (fine-tuning MiniLM through `PromptConditioning`); `TextConditioner.encode` runs it without.
    public func forward(ids: [[Int]], mask: [[Int]]) throws -> (lastHiddenState: Tensor, poolerOutput: Tensor?) {
        _ = try TextOps.validate(ids: ids, mask: mask, maxLength: maxLength, vocabSize: config.vocabSize)
        let h = try encoder(try embeddings(ids), mask: TextOps.additivePaddingMask(mask))
        return (h, try pooler.map { try $0(h) })
    }

    public func encode(ids: [[Int]], mask: [[Int]]) throws -> TextEncoding {
        let (h, _) = try forward(ids: ids, mask: mask)
        let m = TextOps.maskTensor(mask)
        return TextEncoding(hiddenStates: h, mask: m, pooled: try TextOps.l2Normalize(try TextOps.maskedMean(h, mask: m)))
    }

    /// Loads a BertModel checkpoint strictly, with or without the `bert.`/`roberta.` prefix of *For* head models
    /// (whose other heads, e.g. `cls.`, are dropped); `embeddings.position_ids`/`token_type_ids` buffers are ignored.
    public func load(checkpoint state: [String: Tensor]) throws {
        let s = CheckpointKeys.select(state, keep: ["embeddings.", "encoder.", "pooler."], strip: ["bert.", "roberta."])
        try load(stateDict: s, strict: true, ignoring: ["embeddings.position_ids", "embeddings.token_type_ids"])
    }

    /// Builds the model for a checkpoint, with a pooler only if the checkpoint has one.
    public static func from(config: BertConfig, checkpoint state: [String: Tensor]) throws -> BertModel {
        let hasPooler = ["pooler.", "bert.pooler.", "roberta.pooler."].contains { CheckpointKeys.any(state, $0) }
        let m = BertModel(config, addPoolingLayer: hasPooler)
        try m.load(checkpoint: state)
        return m
    }
}
