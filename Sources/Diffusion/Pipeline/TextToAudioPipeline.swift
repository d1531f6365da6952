import Audio
import Foundation
import NN
import Tensors
import Text

/// Text -> conditioning -> sampler loop with classifier-free guidance -> latent -> VAE -> vocoder -> waveform.
public final class TextToAudioPipeline {
    /// How text reaches the UNet: AudioLDM's pooled class embedding, cross-attention to token states, or both.
    public enum Conditioning: String, Codable, Sendable { case pooled, tokens, both }

    // The mel-latent parts; nil (and never touched) in a Stable Audio pipeline, whose parts are `stableAudio`.
    public let unet: UNet2DConditionModel!
    public let vae: AutoencoderKL!
    public let vocoder: (any Vocoder)!
    /// A waveform-latent model's parts (Stable Audio: DiT, Oobleck, projection, T5); nil for mel-latent models.
    public let stableAudio: StableAudioParts?
    public let conditioner: TextConditioner?
    /// Encodes the negative/unconditional prompts; diffusers' AudioLDM truncates those to the embedding
    /// width in tokens (its `max_length = prompt_embeds.shape[1]`), and checkpoints are matched to that.
    public let negativeConditioner: TextConditioner?
    public let samplerConfig: SamplerConfig
    public let conditioning: Conditioning
    /// The audio front end the VAE's log-mels were made with (sample rate, STFT, mel bands, floor).
    public let audio: AudioFrontEnd
    /// Its log-mel transform (audio-to-audio, style vectors, spectrogram pictures).
    public let frontEnd: LogMel
    /// A short name and a hash of the model's configs, recorded next to every output.
    public let identity: String
    /// The model's audio-text space (Foley's default model has one): its text projection turns the pooled vector into
    /// the class-embedding input, its audio side gives style vectors and scores candidates for reranking.
    public let contrastive: ContrastiveAudioText?
    /// Text to UNet inputs for prompts, and for negative prompts (the same path unless a negative encoder is given).
    let promptConditioning: PromptConditioning?
    /// Whether the UNet's class embedding reads the prompts' `PromptAttributes` after the pooled vector.
    public let promptAttributes: Bool
    /// What every front door (`foley generate`, `eval-probes`, Lua's `p:generate`) starts from: the one defaults table
    /// with the model's own step count and guidance (`foley.yaml`'s `generation:`) where it states them.
    public let defaults: GenerationOptions
    let negativeConditioning: PromptConditioning?
    /// LoRA adapters attached to the denoiser, in load order (see PipelineLoRA.swift).
    public internal(set) var loraAdapters: [LoadedLoRA] = []

    /// Use `assemble(_:)`, which also builds the vocoder and checks that the parts agree.
    init(unet: UNet2DConditionModel?, vae: AutoencoderKL?, vocoder: (any Vocoder)?, conditioner: TextConditioner?,
         samplerConfig: SamplerConfig, conditioning: Conditioning, audio: AudioFrontEnd, identity: String,
         negativeConditioner: TextConditioner?, contrastive: ContrastiveAudioText?, stableAudio: StableAudioParts?,
         promptAttributes: Bool = false, defaults: GenerationOptions = .defaults) throws {
        self.promptAttributes = promptAttributes
        self.defaults = defaults
        self.stableAudio = stableAudio
        self.negativeConditioner = negativeConditioner
        self.contrastive = contrastive
        self.unet = unet
        self.vae = vae
        self.vocoder = vocoder
        self.conditioner = conditioner
        self.samplerConfig = samplerConfig
        self.conditioning = conditioning
        self.audio = audio
        frontEnd = try audio.logMel()
        self.identity = identity
        promptConditioning = conditioner.map {
            PromptConditioning(conditioner: $0, conditioning: conditioning, contrastive: contrastive, promptAttributes: promptAttributes)
        }
        negativeConditioning = negativeConditioner.map {
            PromptConditioning(conditioner: $0, conditioning: conditioning, contrastive: contrastive, promptAttributes: promptAttributes)
        }
            ?? promptConditioning
        unet?.eval()
        vae?.eval()
        contrastive?.eval()
    }

    public var sampleRate: Int { audio.sampleRate }
    public var melBins: Int { audio.nMels }
    public var hopLength: Int { audio.hopLength }
    /// Mel frames per latent frame (audio samples per latent frame for a Stable Audio model).
    public var vaeScaleFactor: Int { stableAudio?.vae.hopLength ?? vae.downsamplingFactor }
    /// Channels of every output: 2 for Stable Audio's stereo, 1 for the mel models.
    public var audioChannels: Int { stableAudio?.vae.audioChannels ?? 1 }

    /// The length generated when none is asked: the UNet's `sample_size` (latent frames, its training crop) in seconds,
    /// as diffusers' AudioLDM pipeline derives `audio_length_in_s`; 5 s when the config has none. A UNet generates
    /// other lengths, but only the trained one puts its events where training did.
    public var defaultSeconds: Double {
        if let sa = stableAudio { return sa.maxSeconds }
        let frames: Int?
        switch unet.config.sampleSize {
        case let .int(n)?: frames = n
        case let .list(l)?: frames = l.first
        case nil: frames = nil
        }
        guard let frames, frames > 0 else { return 5 }
        return Double(frames * vaeScaleFactor * hopLength) / Double(sampleRate)
    }
    /// Latent frames must divide by this for the UNet's down/up path to line up.
    var unetFactor: Int { unet.map { 1 << ($0.config.blockOutChannels.count - 1) } ?? 1 }

    /// The duration rule: seconds -> mel frames -> rounded up to the VAE and UNet factors.
    public func melFrames(seconds: Double) -> Int { audio.melFrames(seconds: seconds, unit: vaeScaleFactor * unetFactor) }

    /// The shape of the latents a run of `seconds` starts from, `batch` rows.
    public func latentShape(seconds: Double, batch: Int = 1) -> [Int] {
        if let sa = stableAudio { return [batch, sa.vae.latentChannels, sa.latentFrames(seconds: seconds)] }
        return audio.latentShape(seconds: seconds, batch: batch, channels: unet.config.sampleChannels, vaeFactor: vaeScaleFactor, unetFactor: unetFactor)
    }

    /// Text to conditioning rows (pooled vectors L2-normalized, as AudioLDM feeds its class embedding; through the
    /// contrastive model's text projection when the model has one).
    public func encode(prompts: [String], negative: Bool = false) throws -> ConditioningEmbeddings {
        guard let path = negative ? negativeConditioning : promptConditioning else {
            throw DiffusionError.invalidArgument("prompt", "this model has no text encoder; pass prompt embeddings")
        }
        return try path(prompts)
    }

    /// Makes the sampler the options ask for, on the model's training schedule.
    public func makeSampler(_ options: GenerationOptions) throws -> any Sampler {
        let s = try options.sampler.map { try Diffusion.makeSampler(name: $0, config: samplerConfig) }
            ?? Diffusion.makeSampler(config: samplerConfig)
        // A UNet trained as a flow (diffusion.prediction_type flow_prediction) predicts a velocity, which only the flow
        // samplers integrate: any other would run without error and return noise.
        if stableAudio == nil, samplerConfig.isFlow, let cls = samplerConfig.className,
           !(s is FlowMatchEulerSampler || s is FlowMatchHeunSampler) {
            throw DiffusionError.invalidArgument(
                "sampler", "this model was trained as a flow (its scheduler is \(cls)): expected flow_euler or flow_heun, got '\(options.sampler ?? cls)'")
        }
        try applySamplerOptions(options.samplerOptions, to: s)
        return s
    }

    /// The samplers that integrate what this model predicts: a flow model's flow samplers, a noise-prediction
    /// model's others (a flow sampler would run on it and return noise), Stable Audio's all it accepts.
    public var runnableSamplers: [String] {
        samplerNames.filter { name in
            if stableAudio == nil && !samplerConfig.isFlow && (name.hasPrefix("flow_") || name == "cosine_dpm") { return false }
            var o = defaults
            o.sampler = name
            return (try? makeSampler(o)) != nil
        }
    }

    /// Generates audio for every prompt (and `count` outputs each).
    public func generate(_ options: GenerationOptions, progress: ((StepProgress) -> Bool)? = nil) throws -> GenerationResult {
        try options.validate()
        if options.candidates > 1 { return try generateReranked(options, progress: progress) }
        if let sa = stableAudio { return try generateStableAudio(sa, options, progress: progress) }
        // Rows: prompt-major, `count` per prompt; each row has its own seed.
        let promptCount = options.batchPrompts
        let rowPrompt = (0..<promptCount).flatMap { Array(repeating: $0, count: options.count) }
        let b = rowPrompt.count
        let seeds = (0..<b).map { options.seed &+ UInt64($0) }

        var cond = try options.promptEmbeddings.map { try $0.rows(rowPrompt) } ?? encode(prompts: rowPrompt.map { options.prompts[$0] })
        if let style = options.style, let pooled = cond.pooled {
            let mixed = try pooled * (1 - options.styleWeight) + (try style.reshape([1, -1])) * options.styleWeight
            cond.pooled = try mixed * (try (mixed * mixed).sum(axes: [1], keepDim: true)).rsqrt()
        }
        // Guidance above 1 runs a second, unconditional branch (diffusers' do_classifier_free_guidance).
        let guided = options.guidanceScale > 1
        var uncond: ConditioningEmbeddings?
        if guided {
            if let neg = options.negativeEmbeddings {
                uncond = try neg.rows(neg.count == 1 ? Array(repeating: 0, count: b) : rowPrompt)
            } else {
                let negs = options.negativePrompts
                let texts = rowPrompt.map { negs.isEmpty ? "" : (negs.count == 1 ? negs[0] : negs[$0]) }
                uncond = try encode(prompts: texts, negative: true)
            }
        }
        if promptAttributes {
            // Embeddings passed in state no numbers: they get the features of a prompt that states none.
            cond = cond.withAttributes()
            uncond = uncond?.withAttributes()
        }
        let both = try uncond.map { try ConditioningEmbeddings.joined($0, cond) } ?? cond

        let seconds = options.seconds ?? defaultSeconds
        let frames = melFrames(seconds: seconds)
        let latentShape = self.latentShape(seconds: seconds, batch: b)
        let sampler = try makeSampler(options)
        try sampler.setTimesteps(options.steps)
        let noise = BatchNoise(seeds: seeds, temperature: options.noiseTemperature)
        var referenceLatents: Tensor?
        if let ref = try referenceBuffer(options) {
            referenceLatents = try encodeReference(ref.mixedToMono().samples, frames: frames, batch: b)
        }
        let start = try runStart(options, sampler: sampler, noise: noise, latentShape: latentShape, reference: referenceLatents,
                                 seconds: seconds)
        let timesteps = start.timesteps
        var latents = start.latents

        let unet: UNet2DConditionModel = self.unet
        let scale = options.guidanceScale
        // Each output runs through the UNet on its own (with its unconditional twin when guided): BLAS picks
        // kernels by matrix size, so batching rows together would make an output depend on its batch-mates.
        let perRow: [ConditioningEmbeddings] = try (0..<b).map { r in try both.rows(guided ? [r, b + r] : [r]) }
        let loop = DenoisingLoop(sampler: sampler, timesteps: timesteps, latents: latents, noise: noise, afterStep: start.afterStep) { x, t in
            try GradMode.noGrad {
                let rows = try (0..<b).map { r -> Tensor in
                    let xr = try x.slice(axis: 0, start: r, end: r + 1)
                    let c = perRow[r]
                    let input = guided ? try Tensor.concat([xr, xr], axis: 0) : xr
                    let eps = try unet(input, timesteps: Array(repeating: t, count: input.shape[0]),
                                       encoderHiddenStates: c.tokens, classLabels: c.classLabels, encoderAttentionMask: c.mask)
                    guard guided else { return eps }
                    let halves = try eps.chunk(2, axis: 0)
                    return try halves[0] + (halves[1] - halves[0]) * scale
                }
                return try Tensor.concat(rows, axis: 0)
            }
        }
        for step in loop {
            if let progress, !progress(step) {
                throw cancelled(loop, step: step.step, samples: Int(seconds * Double(sampleRate)))
            }
        }
        if let error = loop.error {
            // Ctrl-C lands inside a step (tensor kernels poll the flag): the run is cancelled with what it had.
            if error is Interrupt.Interrupted { throw cancelled(loop, step: loop.index, samples: Int(seconds * Double(sampleRate))) }
            throw error
        }
        latents = loop.latents
        try OutputCheck.requireFinite(latents, "denoised latents")

        let (waves, mel) = try decode(latents: latents, samples: Int(seconds * Double(sampleRate)))
        try OutputCheck.requireFinite(mel, "decoded log-mels")
        var out = waves
        let warnings = try OutputCheck.check(out)
        if let lufs = options.loudness {
            out = try out.map { try AudioBuffer(mono: $0, sampleRate: sampleRate).loudnessNormalized(to: lufs).samples }
            _ = try OutputCheck.check(out)
        }
        var result = GenerationResult(waveforms: out, sampleRate: sampleRate, seeds: seeds, latents: latents, logMel: mel)
        result.warnings = warnings + OutputCheck.clipping(out)
        return result
    }

    /// Latents -> log-mel -> waveforms trimmed to `samples`.
    public func decode(latents: Tensor, samples: Int? = nil) throws -> (waveforms: [[Float]], logMel: Tensor) {
        if let sa = stableAudio { return try decodeStableAudio(sa, latents: latents, samples: samples) }
        return try GradMode.noGrad {
            let mel = try vae.decode(latents / vae.scalingFactor).squeeze(1)
            let wave = try vocoder.waveform(fromLogMel: mel)
            let n = wave.shape[1], keep = min(samples ?? n, n)
            let rows = (0..<wave.shape[0]).map { i in Array(wave.scalars[(i * n)..<(i * n + keep)]) }
            return (rows, mel)
        }
    }

    /// A reference recording -> its log-mel padded/cropped to `frames` -> the VAE posterior mode, scaled.
    public func encodeReference(_ samples: [Float], frames: Int, batch: Int) throws -> Tensor {
        let z = try recordingLatents(samples, argument: "reference", what: "the reference recording") { _ in frames }
        return try z.expand([batch] + z.shape.dropFirst())
    }

    /// A recording's log-mel, cropped or padded to `frames(its own frame count)`, -> the VAE posterior mode, scaled;
    /// `argument` and `what` name the recording when it is empty.
    func recordingLatents(_ samples: [Float], argument: String, what: String, frames: (Int) -> Int) throws -> Tensor {
        guard stableAudio == nil else { throw stableAudioLacks(argument) }
        guard !samples.isEmpty else { throw DiffusionError.invalidArgument(argument, "\(what) is empty") }
        try OutputCheck.requireFiniteInput(samples, argument)
        let mel = try logMelInput(samples, frames: frames)
        return try GradMode.noGrad { try vae.encode(mel).mode * vae.scalingFactor }
    }

    /// The front end's log-mel of `samples` as a model input [1, 1, frames, mels], cropped or padded with the log
    /// floor (silence) to `frames(its own frame count)`.
    func logMelInput(_ samples: [Float], frames: (Int) -> Int) throws -> Tensor {
        let spec = try frontEnd(samples)
        let count = frames(spec.frames)
        var values = [Float](repeating: audio.logFloor, count: count * melBins)
        let n = min(count, spec.frames) * melBins
        values.replaceSubrange(0..<n, with: spec.values[0..<n])
        return Tensor(shape: [1, 1, count, melBins], data: values)
    }
}
