import Audio
import Foundation
import Text

/// The parts of a text-to-audio model, whoever found them: a diffusers folder, a Foley folder or a trainer. A
/// mel-latent model (AudioLDM, Foley's own) has a UNet, an AutoencoderKL and a vocoder; a waveform-latent model
/// (Stable Audio) has `stableAudio` instead, whose VAE decodes straight to audio.
public struct PipelineParts {
    public var unet: UNet2DConditionModel?
    public var vae: AutoencoderKL?
    public var stableAudio: StableAudioParts?
    public var vocoder: VocoderPart
    public var conditioner: TextConditioner?
    /// Encodes negative/unconditional prompts when it differs from `conditioner` (diffusers' AudioLDM truncation).
    public var negativeConditioner: TextConditioner?
    public var samplerConfig: SamplerConfig
    public var conditioning: TextToAudioPipeline.Conditioning
    /// The front end the VAE's log-mels were made with; the vocoder and audio-to-audio use the same one.
    public var audio: AudioFrontEnd
    public var identity: String
    public var contrastive: ContrastiveAudioText?
    /// Where the contrastive model came from, named when it does not fit the rest.
    public var contrastiveSource = "contrastive"
    /// The UNet's class embedding reads `PromptAttributes` features after the pooled vector.
    public var promptAttributes = false
    /// The model's own step count and guidance (nil: the one defaults table's).
    public var generationDefaults: GenerationDefaults?

    public init(unet: UNet2DConditionModel, vae: AutoencoderKL, vocoder: VocoderPart, conditioner: TextConditioner?,
                negativeConditioner: TextConditioner? = nil, samplerConfig: SamplerConfig,
                conditioning: TextToAudioPipeline.Conditioning, audio: AudioFrontEnd, identity: String,
                contrastive: ContrastiveAudioText? = nil) {
        self.unet = unet
        self.vae = vae
        self.vocoder = vocoder
        self.conditioner = conditioner
        self.negativeConditioner = negativeConditioner
        self.samplerConfig = samplerConfig
        self.conditioning = conditioning
        self.audio = audio
        self.identity = identity
        self.contrastive = contrastive
    }

    /// A Stable Audio model: its own conditioning and scheduler; `audio` is only the front end used for spectrogram
    /// pictures and for resampling recordings to the model's rate.
    public init(stableAudio: StableAudioParts, identity: String) {
        self.stableAudio = stableAudio
        vocoder = .waveformVAE
        conditioner = stableAudio.conditioner
        samplerConfig = stableAudio.samplerConfig
        conditioning = .tokens
        audio = AudioFrontEnd(sampleRate: stableAudio.vae.sampleRate, nFFT: 2048, hopLength: 512, nMels: 128,
                              fMax: Double(stableAudio.vae.sampleRate) / 2)
        self.identity = identity
    }
}

/// Which vocoder a model uses: Griffin-Lim on the model's own front end, a loaded network, or none because the
/// VAE itself decodes to a waveform (Stable Audio's Oobleck).
public enum VocoderPart {
    case griffinLim(iterations: Int)
    case model(any Vocoder)
    case waveformVAE

    /// A config's `vocoder` value: "griffin-lim", or a folder holding a HiFi-GAN (relative to `base` if given).
    public static func named(_ name: String, griffinLimIterations: Int, relativeTo base: URL?) throws -> VocoderPart {
        if name == "griffin-lim" { return .griffinLim(iterations: griffinLimIterations) }
        let folder = base.map { $0.appendingPathComponent(name) } ?? URL(fileURLWithPath: name)
        return .model(try HiFiGAN.load(folder: folder))
    }
}

extension TextToAudioPipeline {
    /// The one assembler from parts to pipeline (both loaders and the trainer): builds the vocoder and checks that
    /// the parts agree on the audio front end before anything runs.
    public static func assemble(_ p: PipelineParts) throws -> TextToAudioPipeline {
        if let c = p.contrastive {
            // The scorer reads the front end's log-mels and the conditioner's pooled text: both must be its sizes.
            let pooled = p.conditioner?.encoder.pooledSize ?? c.config.textEmbedDim
            guard c.config.numMels == p.audio.nMels, c.config.textEmbedDim == pooled else {
                throw DiffusionError.file(p.contrastiveSource, "the contrastive model takes \(c.config.numMels) mel bins and \(c.config.textEmbedDim)-d pooled text; the model has \(p.audio.nMels) and \(pooled)")
            }
        }
        if let sa = p.stableAudio {
            guard p.unet == nil, p.vae == nil else {
                throw DiffusionError.invalidArgument("stableAudio", "a Stable Audio model takes no UNet or AutoencoderKL")
            }
            // A contrastive model here only scores candidates (reranking); Stable Audio's conditioning never reads it.
            return try TextToAudioPipeline(unet: nil, vae: nil, vocoder: nil, conditioner: sa.conditioner,
                                           samplerConfig: p.samplerConfig, conditioning: p.conditioning, audio: p.audio,
                                           identity: p.identity, negativeConditioner: nil, contrastive: p.contrastive, stableAudio: sa)
        }
        guard let unet = p.unet, let vae = p.vae else {
            throw DiffusionError.invalidArgument("unet", "a mel-latent model needs a UNet and an AutoencoderKL")
        }
        if p.conditioning != .tokens, let input = unet.config.projectionClassEmbeddingsInputDim {
            // The class embedding must take what the conditioning feeds it, or the first prompt would fail mid-run.
            if let conditioner = p.conditioner {
                let fed = PromptConditioning.classLabelWidth(pooledSize: conditioner.encoder.pooledSize, contrastive: p.contrastive,
                                                             promptAttributes: p.promptAttributes)
                let features = p.promptAttributes ? PromptAttributes.featureSize : 0
                guard input == fed else {
                    throw DiffusionError.invalidArgument("prompt_attributes", "the UNet's class embedding takes \(input) inputs, but this model feeds it \(fed) (\(fed - features) pooled\(p.promptAttributes ? " + \(features) prompt-attribute features" : ", prompt_attributes off"))")
                }
            }
        } else if p.promptAttributes {
            throw DiffusionError.invalidArgument("prompt_attributes", "needs a UNet with a projection class embedding and conditioning pooled or both")
        }
        let vocoder: any Vocoder
        switch p.vocoder {
        case let .griffinLim(iterations): vocoder = try GriffinLimVocoder(audio: p.audio, iterations: iterations)
        case let .model(v): vocoder = v
        case .waveformVAE: throw DiffusionError.invalidArgument("vocoder", "an AutoencoderKL decodes to log-mels and needs a vocoder")
        }
        guard vocoder.sampleRate == p.audio.sampleRate else {
            throw DiffusionError.invalidArgument("vocoder", "runs at \(vocoder.sampleRate) Hz, but the model's front end is \(p.audio.sampleRate) Hz")
        }
        return try TextToAudioPipeline(unet: unet, vae: vae, vocoder: vocoder, conditioner: p.conditioner,
                                       samplerConfig: p.samplerConfig, conditioning: p.conditioning, audio: p.audio,
                                       identity: p.identity, negativeConditioner: p.negativeConditioner, contrastive: p.contrastive,
                                       stableAudio: nil, promptAttributes: p.promptAttributes,
                                       defaults: p.generationDefaults?.applied(to: .defaults) ?? .defaults)
    }
}
