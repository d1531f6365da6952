import Foundation

/// StableAudioDiTModel's `config.json` (diffusers schema); absent or null keys take diffusers' defaults, which are
/// Stable Audio Open 1.0's transformer (24 layers, 24 x 64 query heads, 12 key/value heads, 64 latent channels).
public struct StableAudioDiTConfig: Codable, Equatable, Sendable {
    /// Latent frames the model was trained on (used for the default generation length).
    public var sampleSize = 1024
    public var inChannels = 64
    public var numLayers = 24
    public var attentionHeadDim = 64
    public var numAttentionHeads = 24
    public var numKeyValueAttentionHeads = 12
    public var outChannels = 64
    public var crossAttentionDim = 768
    public var timeProjDim = 256
    public var globalStatesInputDim = 1536
    public var crossAttentionInputDim = 768

    public init() {}

    enum CodingKeys: String, CodingKey, CaseIterable {
        case sampleSize = "sample_size", inChannels = "in_channels", numLayers = "num_layers"
        case attentionHeadDim = "attention_head_dim", numAttentionHeads = "num_attention_heads"
        case numKeyValueAttentionHeads = "num_key_value_attention_heads", outChannels = "out_channels"
        case crossAttentionDim = "cross_attention_dim", timeProjDim = "time_proj_dim"
        case globalStatesInputDim = "global_states_input_dim", crossAttentionInputDim = "cross_attention_input_dim"
    }

    public init(from decoder: Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        let d = StableAudioDiTConfig()
        sampleSize = try c.value(.sampleSize, or: d.sampleSize)
        inChannels = try c.value(.inChannels, or: d.inChannels)
        numLayers = try c.value(.numLayers, or: d.numLayers)
        attentionHeadDim = try c.value(.attentionHeadDim, or: d.attentionHeadDim)
        numAttentionHeads = try c.value(.numAttentionHeads, or: d.numAttentionHeads)
        numKeyValueAttentionHeads = try c.value(.numKeyValueAttentionHeads, or: d.numKeyValueAttentionHeads)
        outChannels = try c.value(.outChannels, or: d.outChannels)
        crossAttentionDim = try c.value(.crossAttentionDim, or: d.crossAttentionDim)
        timeProjDim = try c.value(.timeProjDim, or: d.timeProjDim)
        globalStatesInputDim = try c.value(.globalStatesInputDim, or: d.globalStatesInputDim)
        crossAttentionInputDim = try c.value(.crossAttentionInputDim, or: d.crossAttentionInputDim)
    }

    /// The transformer's width: heads x head dim.
    public var innerDim: Int { numAttentionHeads * attentionHeadDim }
    /// Rotary embeddings turn the first half of each head (diffusers' pipeline passes attention_head_dim // 2).
    public var rotaryDim: Int { attentionHeadDim / 2 }

    /// Refuses, by key, values that would build a broken model instead of letting a layer crash on them.
    public func validate() throws {
        let sizes: [(CodingKeys, Int)] = [(.sampleSize, sampleSize), (.inChannels, inChannels), (.numLayers, numLayers),
                                          (.attentionHeadDim, attentionHeadDim), (.numAttentionHeads, numAttentionHeads),
                                          (.numKeyValueAttentionHeads, numKeyValueAttentionHeads), (.outChannels, outChannels),
                                          (.crossAttentionDim, crossAttentionDim), (.timeProjDim, timeProjDim),
                                          (.globalStatesInputDim, globalStatesInputDim),
                                          (.crossAttentionInputDim, crossAttentionInputDim)]
        for (key, v) in sizes where v <= 0 {
            throw DiffusionError.invalidArgument(key.rawValue, "expected a positive integer, got \(v)")
        }
        // Grouped key/value heads are repeated to the query heads, so they must divide them.
        guard numAttentionHeads % numKeyValueAttentionHeads == 0 else {
            throw DiffusionError.invalidArgument(
                "num_key_value_attention_heads", "expected a divisor of num_attention_heads (\(numAttentionHeads)), got \(numKeyValueAttentionHeads)")
        }
        // The cross-attention keys are kv_heads x head_dim wide and must fit the cross-attention width evenly per head.
        guard attentionHeadDim % 4 == 0 else {
            throw DiffusionError.invalidArgument(
                "attention_head_dim", "expected a multiple of 4 (the rotary half is split in two halves), got \(attentionHeadDim)")
        }
        guard timeProjDim % 2 == 0 else {
            throw DiffusionError.invalidArgument("time_proj_dim", "expected an even number (cos and sin halves), got \(timeProjDim)")
        }
    }
}
