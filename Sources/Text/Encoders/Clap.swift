import Foundation
import NN
import Tensors

/// ClapTextConfig: a RoBERTa text tower plus the projection's width and activation.
public struct ClapTextConfig {
    public var text = BertConfig()
    public var projectionDim = 512
    public var projectionHiddenAct = "relu"

    public init() {
        text.positionsFromPadding = true
        text.padTokenId = 1
        text.layerNormEps = 1e-5
        text.vocabSize = 50265
        text.maxPositionEmbeddings = 514
        text.typeVocabSize = 1
    }

    /// Reads a `clap_text_model` config, or the `text_config` of a whole `clap` (ClapModel) config.
    public init(_ c: HFConfig) throws {
        var tc = c
        var top: HFConfig? = nil
        if c.modelType == "clap" {
            guard let sub = c.sub("text_config") else { throw TextError.file(c.source, "clap config without text_config") }
            tc = sub
            top = c
        }
        var values = tc.values
        values["model_type"] = "clap_text_model"
        let roberta = HFConfig(values: values, source: tc.source)
        text = try BertConfig(roberta)
        projectionDim = tc.optionalInt("projection_dim") ?? top?.optionalInt("projection_dim") ?? 512
        projectionHiddenAct = tc.optionalString("projection_hidden_act") ?? top?.optionalString("projection_hidden_act") ?? "relu"
        _ = try Activation(hfName: projectionHiddenAct)
    }
}

/// linear1 -> activation -> linear2 (ClapProjectionLayer).
public final class ClapProjectionLayer: Module {
    public let linear1: Linear, linear2: Linear
    let act: Activation

    public init(hiddenSize: Int, projectionDim: Int, activation: Activation) {
        linear1 = Linear(hiddenSize, projectionDim, zeroInit: true)
        linear2 = Linear(projectionDim, projectionDim, zeroInit: true)
        act = activation
        super.init()
        child("linear1", linear1)
        child("linear2", linear2)
    }

    public func callAsFunction(_ x: Tensor) throws -> Tensor { try linear2(act(try linear1(x))) }
}

/// ClapTextModelWithProjection: a RoBERTa `text_model` whose pooler output (dense + tanh of token 0)
/// goes through `text_projection` to give `text_embeds` (the `pooled` of its encodings).
public final class ClapTextModelWithProjection: Module, TextEncoder {
    public let config: ClapTextConfig
    public let textModel: BertModel
    public let textProjection: ClapProjectionLayer

    public init(_ c: ClapTextConfig) {
        config = c
        var tc = c.text
        tc.positionsFromPadding = true
        textModel = BertModel(tc, addPoolingLayer: true)
        textProjection = ClapProjectionLayer(hiddenSize: tc.hiddenSize, projectionDim: c.projectionDim,
                                             activation: (try? Activation(hfName: c.projectionHiddenAct)) ?? .relu)
        super.init()
        child("text_model", textModel)
        child("text_projection", textProjection)
    }

    public var hiddenSize: Int { config.text.hiddenSize }
    public var pooledSize: Int { config.projectionDim }
    public var maxLength: Int { textModel.maxLength }

    /// (last_hidden_state, text_embeds) as transformers returns them.
    public func forward(ids: [[Int]], mask: [[Int]]) throws -> (lastHiddenState: Tensor, textEmbeds: Tensor) {
        let (h, pooled) = try textModel.forward(ids: ids, mask: mask)
        let embeds = try GradMode.noGrad { try textProjection(pooled!) }
        return (h, embeds)
    }

    public func encode(ids: [[Int]], mask: [[Int]]) throws -> TextEncoding {
        let (h, embeds) = try forward(ids: ids, mask: mask)
        return TextEncoding(hiddenStates: h, mask: TextOps.maskTensor(mask), pooled: embeds)
    }

    /// text_embeds / ||text_embeds|| (what AudioLDM feeds its UNet as class labels).
    public func normalizedTextEmbeds(ids: [[Int]], mask: [[Int]]) throws -> Tensor {
        try GradMode.noGrad { try TextOps.l2Normalize(try forward(ids: ids, mask: mask).textEmbeds) }
    }

    /// Loads a ClapTextModelWithProjection checkpoint, or the text half of a whole ClapModel
    /// (its `audio_model.`, `audio_projection.` and `logit_scale_*` keys are dropped), strictly.
    public func load(checkpoint state: [String: Tensor]) throws {
        let s = CheckpointKeys.select(state, keep: ["text_model.", "text_projection."])
        try load(stateDict: s, strict: true,
                 ignoring: ["text_model.embeddings.position_ids", "text_model.embeddings.token_type_ids"])
    }
}
