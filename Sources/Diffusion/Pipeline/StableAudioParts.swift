import Foundation
import NN
import Tensors
import Text

/// The parts of a diffusers `StableAudioPipeline` folder, read as they are (`model_index.json` with transformer/,
/// vae/, projection_model/, text_encoder/ (T5), tokenizer/, scheduler/), and the pipeline's conditioning steps:
/// prompt -> T5 states -> projection (masked), seconds start/total -> number embeddings, assembled into the DiT's
/// cross-attention tokens and global token as diffusers' StableAudioPipeline does.
public struct StableAudioParts {
    public let transformer: StableAudioDiTModel
    public let vae: AutoencoderOobleck
    public let projection: StableAudioProjectionModel
    public let conditioner: TextConditioner
    public let samplerConfig: SamplerConfig

    public init(transformer: StableAudioDiTModel, vae: AutoencoderOobleck, projection: StableAudioProjectionModel,
                conditioner: TextConditioner, samplerConfig: SamplerConfig) throws {
        let t = transformer.config
        guard vae.latentChannels == t.inChannels, t.outChannels == t.inChannels else {
            throw DiffusionError.invalidArgument(
                "transformer", "in/out_channels (\(t.inChannels)/\(t.outChannels)) must equal the VAE's latent channels (\(vae.latentChannels))")
        }
        let p = projection.config
        guard p.textEncoderDim == conditioner.encoder.hiddenSize, p.conditioningDim == t.crossAttentionInputDim,
              2 * p.conditioningDim == t.globalStatesInputDim else {
            throw DiffusionError.invalidArgument(
                "projection_model", "conditioning_dim \(p.conditioningDim) from text_encoder_dim \(p.textEncoderDim) does not fit a \(conditioner.encoder.hiddenSize)-wide text encoder and a transformer taking \(t.crossAttentionInputDim)-wide text and \(t.globalStatesInputDim)-wide global states")
        }
        self.transformer = transformer
        self.vae = vae
        self.projection = projection
        self.conditioner = conditioner
        self.samplerConfig = samplerConfig
        transformer.eval()
        vae.eval()
        projection.eval()
    }

    /// Loads every part of a diffusers StableAudioPipeline folder.
    public static func load(folder: URL) throws -> StableAudioParts {
        let index = folder.appendingPathComponent("model_index.json")
        let data: Data
        do { data = try Data(contentsOf: index) } catch { throw DiffusionError.file(index.path, "cannot read the pipeline index") }
        guard let json = try JSONSerialization.jsonObject(with: data) as? [String: Any] else {
            throw DiffusionError.file(index.path, "expected a JSON object")
        }
        guard (json["_class_name"] as? String) == "StableAudioPipeline" else {
            throw DiffusionError.file(index.path, "unsupported pipeline '\(json["_class_name"] ?? "")' (expected StableAudioPipeline)")
        }
        let tokenizerFolder = folder.appendingPathComponent("tokenizer")
        // diffusers pads and truncates every prompt to the tokenizer's model_max_length.
        var maxLength: Int?
        if let d = try? Data(contentsOf: tokenizerFolder.appendingPathComponent("tokenizer_config.json")),
           let t = try? JSONSerialization.jsonObject(with: d) as? [String: Any] {
            maxLength = (t["model_max_length"] as? NSNumber)?.intValue
        }
        let conditioner = try TextConditioner.load(encoderFolder: folder.appendingPathComponent("text_encoder"),
                                                   tokenizerFolder: tokenizerFolder, maxLength: maxLength, padToMaxLength: true)
        return try StableAudioParts(
            transformer: try StableAudioDiTModel.load(folder: folder.appendingPathComponent("transformer")),
            vae: try AutoencoderOobleck.load(folder: folder.appendingPathComponent("vae")),
            projection: try StableAudioProjectionModel.load(folder: folder.appendingPathComponent("projection_model")),
            conditioner: conditioner,
            samplerConfig: try SamplerConfig.load(path: folder.appendingPathComponent("scheduler/scheduler_config.json").path))
    }

    /// The longest audio the transformer was trained on, in seconds (sample_size latent frames).
    public var maxSeconds: Double { Double(transformer.config.sampleSize * vae.hopLength) / Double(vae.sampleRate) }

    /// Latent frames for `seconds` of audio, rounded up (durations are free: the DiT has no fixed length).
    public func latentFrames(seconds: Double) -> Int {
        max(1, Int((seconds * Double(vae.sampleRate) / Double(vae.hopLength)).rounded(.up)))
    }

    /// diffusers encode_prompt for one side: T5 states of `prompts`, projected, zero where the mask is 0.
    public func encodePrompt(_ prompts: [String]) throws -> Tensor {
        try GradMode.noGrad {
            let enc = try conditioner.encode(prompts)
            let mask = try enc.mask.reshape(enc.mask.shape + [1])
            return try projection.projectText(enc.hiddenStates) * mask
        }
    }

    /// The seconds conditioning [B, 1, conditioning_dim] each for `start` and `end` (total) seconds.
    public func encodeDuration(start: Double, end: Double, batch: Int) throws -> (start: Tensor, end: Tensor) {
        try GradMode.noGrad {
            (try projection.secondsStart(Tensor(Array(repeating: Float(start), count: batch))),
             try projection.secondsEnd(Tensor(Array(repeating: Float(end), count: batch))))
        }
    }

    /// The transformer's inputs for `prompts` (rows: the unconditional side first when `guided`, as diffusers
    /// concatenates them): cross-attention tokens [text; start; end] and the global token [start, end]. Without a
    /// negative prompt the unconditional tokens are all zeros (diffusers' StableAudioPipeline).
    public func conditioning(prompts: [String], negative: [String]?, start: Double, end: Double,
                             guided: Bool) throws -> (tokens: Tensor, global: Tensor) {
        let b = prompts.count
        let (s, e) = try encodeDuration(start: start, end: end, batch: b)
        let (tokens, global) = try StableAudioParts.assemble(text: try encodePrompt(prompts), start: s, end: e)
        guard guided else { return (tokens, global) }
        let uncond: Tensor
        if let negative {
            guard negative.count == b else {
                throw DiffusionError.invalidArgument("negative_prompt", "expected \(b) negative prompts (one per prompt), got \(negative.count)")
            }
            uncond = try Tensor.concat([try encodePrompt(negative), s, e], axis: 1)
        } else {
            uncond = Tensor.zeros(tokens.shape)
        }
        return (try Tensor.concat([uncond, tokens], axis: 0), try Tensor.concat([global, global], axis: 0))
    }

    /// The DiT's conditioning from its projected parts, as diffusers' StableAudioPipeline (and training) lays them out:
    /// cross-attention tokens [text; start; end] along the sequence, and the global token [start, end] along the width.
    public static func assemble(text: Tensor, start: Tensor, end: Tensor) throws -> (tokens: Tensor, global: Tensor) {
        (try Tensor.concat([text, start, end], axis: 1), try Tensor.concat([start, end], axis: 2))
    }

    /// One classifier-free-guided transformer call: latents [B, C, L] at timestep `t` -> uncond + g (cond - uncond).
    public func guidedOutput(_ latents: Tensor, timestep t: Float, tokens: Tensor, global: Tensor, guidance: Float) throws -> Tensor {
        try GradMode.noGrad {
            let guided = tokens.shape[0] == 2 * latents.shape[0]
            let input = guided ? try Tensor.concat([latents, latents], axis: 0) : latents
            let out = try transformer(input, timestep: Tensor([t]), encoderHiddenStates: tokens, globalHiddenStates: global)
            guard guided else { return out }
            let halves = try out.chunk(2, axis: 0)
            return try halves[0] + (halves[1] - halves[0]) * guidance
        }
    }
}
