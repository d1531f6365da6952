import Foundation
import NN
import Tensors

/// The diffusion transformer of Stable Audio (diffusers' StableAudioDiTModel), over latents [B, in_channels, L].
///
/// The timestep goes through random Fourier features (cos, sin of 2 pi t w) and an MLP; the projected global states
/// (the seconds conditioning) plus that timestep embedding form one global token prepended to the latent tokens
/// (1x1 conv residual, then proj_in). The blocks attend over [global; latents] with rotary positions and cross-attend
/// to the projected text; proj_out and a 1x1 conv residual return [B, out_channels, L] with the global token dropped.
public final class StableAudioDiTModel: Module {
    public let config: StableAudioDiTConfig
    public let timeProjWeight: Tensor
    public let timestepProj0: Linear, timestepProj2: Linear
    public let globalProj0: Linear, globalProj2: Linear
    public let crossAttentionProj0: Linear, crossAttentionProj2: Linear
    public let preprocessConv: Conv1d, projIn: Linear
    public let transformerBlocks: ModuleList<StableAudioDiTBlock>
    public let projOut: Linear, postprocessConv: Conv1d

    public init(config: StableAudioDiTConfig = StableAudioDiTConfig()) throws {
        try config.validate()
        self.config = config
        let c = config, inner = c.innerDim
        // diffusers draws the Fourier frequencies N(0, 1); checkpoints overwrite them (key time_proj.weight).
        timeProjWeight = Tensor.randn([c.timeProjDim / 2], generator: RandomGenerator(seed: 0))
        timestepProj0 = Linear(c.timeProjDim, inner)
        timestepProj2 = Linear(inner, inner)
        globalProj0 = Linear(c.globalStatesInputDim, inner, bias: false)
        globalProj2 = Linear(inner, inner, bias: false)
        crossAttentionProj0 = Linear(c.crossAttentionInputDim, c.crossAttentionDim, bias: false)
        crossAttentionProj2 = Linear(c.crossAttentionDim, c.crossAttentionDim, bias: false)
        preprocessConv = Conv1d(c.inChannels, c.inChannels, kernelSize: 1, bias: false)
        projIn = Linear(c.inChannels, inner, bias: false)
        transformerBlocks = ModuleList((0..<c.numLayers).map { _ in
            StableAudioDiTBlock(dim: inner, heads: c.numAttentionHeads, kvHeads: c.numKeyValueAttentionHeads,
                                headDim: c.attentionHeadDim, crossAttentionDim: c.crossAttentionDim)
        })
        projOut = Linear(inner, c.outChannels, bias: false)
        postprocessConv = Conv1d(c.outChannels, c.outChannels, kernelSize: 1, bias: false)
        super.init()
        let timeProj = Module()
        // A fixed buffer in diffusers (requires_grad=False), but saved as a parameter named weight.
        timeProj.parameter("weight", timeProjWeight)
        timeProjWeight.requiresGrad = false
        child("time_proj", timeProj)
        child("timestep_proj", ModuleList<Module>([timestepProj0, Module(), timestepProj2]))
        child("global_proj", ModuleList<Module>([globalProj0, Module(), globalProj2]))
        child("cross_attention_proj", ModuleList<Module>([crossAttentionProj0, Module(), crossAttentionProj2]))
        child("preprocess_conv", preprocessConv)
        child("proj_in", projIn)
        child("transformer_blocks", transformerBlocks)
        child("proj_out", projOut)
        child("postprocess_conv", postprocessConv)
    }

    /// Reads `config.json` and the safetensors of a diffusers `transformer/` folder.
    public static func load(folder: URL, strict: Bool = true) throws -> StableAudioDiTModel {
        try ModelFolder(folder).load(StableAudioDiTConfig.self, strict: strict, build: { try StableAudioDiTModel(config: $0) })
    }

    /// The timestep embedding [T, inner]: MLP(cat(cos, sin)(2 pi t w)).
    public func timestepEmbedding(_ timestep: Tensor) throws -> Tensor {
        let t = try timestep.reshape([timestep.count, 1])
        // diffusers: 2 * np.pi * t[:, None] @ w[None, :], the constant applied to t first.
        let angles = try (t * Float(2 * Double.pi)).matmul(timeProjWeight.reshape([1, timeProjWeight.count]))
        let fourier = try Tensor.concat([angles.cos(), angles.sin()], axis: 1)
        return try timestepProj2(timestepProj0(fourier).silu())
    }

    /// - Parameters:
    ///   - hiddenStates: latents [B, in_channels, L].
    ///   - timestep: [B] or [1] (one timestep for the whole batch, as the pipeline passes it).
    ///   - encoderHiddenStates: text states [B, S, cross_attention_input_dim].
    ///   - globalHiddenStates: [B, 1, global_states_input_dim] (the seconds start/total embeddings, concatenated).
    /// - Returns: [B, out_channels, L].
    public func callAsFunction(_ hiddenStates: Tensor, timestep: Tensor, encoderHiddenStates: Tensor,
                               globalHiddenStates: Tensor) throws -> Tensor {
        let layer = beginLayer()
        defer { layer.end() }
        let c = config
        guard hiddenStates.rank == 3, hiddenStates.shape[1] == c.inChannels else {
            throw DiffusionError.invalidArgument("hidden_states", "expected [batch, \(c.inChannels), frames], got \(hiddenStates.shape)")
        }
        let b = hiddenStates.shape[0], l = hiddenStates.shape[2]
        guard timestep.count == 1 || timestep.count == b else {
            throw DiffusionError.invalidArgument("timestep", "expected 1 or \(b) values, got shape \(timestep.shape)")
        }
        guard encoderHiddenStates.rank == 3, encoderHiddenStates.shape[0] == b,
              encoderHiddenStates.shape[2] == c.crossAttentionInputDim else {
            throw DiffusionError.invalidArgument(
                "encoder_hidden_states", "expected [\(b), tokens, \(c.crossAttentionInputDim)], got \(encoderHiddenStates.shape)")
        }
        guard globalHiddenStates.rank == 3, globalHiddenStates.shape[0] == b, globalHiddenStates.shape[1] == 1,
              globalHiddenStates.shape[2] == c.globalStatesInputDim else {
            throw DiffusionError.invalidArgument(
                "global_hidden_states", "expected [\(b), 1, \(c.globalStatesInputDim)], got \(globalHiddenStates.shape)")
        }
        let text = try crossAttentionProj2(crossAttentionProj0(encoderHiddenStates).silu())
        let time = try timestepEmbedding(timestep).unsqueeze(1)
        let global = try globalProj2(globalProj0(globalHiddenStates).silu()) + time
        let x = try preprocessConv(hiddenStates) + hiddenStates
        var h = try Tensor.concat([global, projIn(x.transpose(1, 2))], axis: 1)
        let rotary = RotaryEmbedding(dim: c.rotaryDim, length: l + 1)
        for block in transformerBlocks.items { h = try block(h, text: text, rotary: rotary) }
        let out = try projOut(h).transpose(1, 2).slice(axis: 2, start: 1, end: l + 1)
        return try postprocessConv(out) + out
    }
}
