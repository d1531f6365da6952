import Audio
import Foundation
import Tensors
import Text
import Yams

/// Foley's own model folder description (`foley.yaml`); the submodels sit beside it in diffusers layout.
public struct FoleyModelConfig: Codable, Equatable {
    public var name = "foley-model"
    public var conditioning: TextToAudioPipeline.Conditioning = .both
    /// "minilm" (the default encoder fetched by scripts/setup), or a Hugging Face folder, relative or absolute.
    public var textEncoder = "minilm"
    /// The log-mel front end shared by the VAE's data and the vocoder (`audio:`; older folders say `sample_rate:`
    /// at the top and `mel:` for the rest, which is still read).
    public var audio = AudioFrontEnd()
    /// "griffin-lim", or a subfolder holding a HiFi-GAN (config.json + weights).
    public var vocoder = "griffin-lim"
    public var griffinLimIterations = 32
    /// A subfolder holding the model's ContrastiveAudioText (nil: the pooled text vector feeds the class embedding as is).
    public var contrastive: String?
    /// Whether the UNet's class embedding also reads the prompt's `PromptAttributes` features (after the pooled vector).
    public var promptAttributes = false
    /// The step count and guidance the model was made to be sampled with, which every front door starts from
    /// (`generation:`; nil keeps the one defaults table's). A few-step flow model says 10 steps here, not 50.
    public var generation: GenerationDefaults?

    public var sampleRate: Int { audio.sampleRate }

    public init() {}

    enum CodingKeys: String, CodingKey {
        case name, conditioning, textEncoder = "text_encoder", audio, vocoder
        case griffinLimIterations = "griffin_lim_iterations", contrastive, promptAttributes = "prompt_attributes", generation
    }
    /// The layout before `audio:`, read only.
    enum LegacyKeys: String, CodingKey { case sampleRate = "sample_rate", mel }

    public init(from decoder: Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self), old = try decoder.container(keyedBy: LegacyKeys.self)
        let d = FoleyModelConfig()
        name = try c.decodeIfPresent(String.self, forKey: .name) ?? d.name
        conditioning = try c.decodeIfPresent(TextToAudioPipeline.Conditioning.self, forKey: .conditioning) ?? d.conditioning
        textEncoder = try c.decodeIfPresent(String.self, forKey: .textEncoder) ?? d.textEncoder
        if let a = try c.decodeIfPresent(AudioFrontEnd.self, forKey: .audio) {
            audio = a
        } else {
            audio = try old.decodeIfPresent(AudioFrontEnd.self, forKey: .mel) ?? d.audio
            audio.sampleRate = try old.decodeIfPresent(Int.self, forKey: .sampleRate) ?? d.audio.sampleRate
        }
        vocoder = try c.decodeIfPresent(String.self, forKey: .vocoder) ?? d.vocoder
        griffinLimIterations = try c.decodeIfPresent(Int.self, forKey: .griffinLimIterations) ?? d.griffinLimIterations
        contrastive = try c.decodeIfPresent(String.self, forKey: .contrastive)
        promptAttributes = try c.decodeIfPresent(Bool.self, forKey: .promptAttributes) ?? d.promptAttributes
        generation = try c.decodeIfPresent(GenerationDefaults.self, forKey: .generation)
        if let g = generation { try g.validate() }
    }

    public static func load(path: String) throws -> FoleyModelConfig {
        guard let text = try? String(contentsOfFile: path, encoding: .utf8) else {
            throw DiffusionError.file(path, "cannot read the model description")
        }
        do { return try YAMLDecoder().decode(FoleyModelConfig.self, from: text) } catch {
            throw DiffusionError.file(path, "invalid model description: \(error)")
        }
    }

    public func save(path: String) throws {
        let text = try YAMLEncoder().encode(self)
        try AtomicFile.write(Data(text.utf8), to: path)
    }
}

/// A model's own generation defaults (`foley.yaml`'s `generation:`): what its front doors use when not told.
public struct GenerationDefaults: Codable, Equatable, Sendable {
    public var steps: Int?
    public var guidanceScale: Double?

    public init(steps: Int? = nil, guidanceScale: Double? = nil) {
        self.steps = steps
        self.guidanceScale = guidanceScale
    }

    enum CodingKeys: String, CodingKey { case steps, guidanceScale = "guidance_scale" }

    func validate() throws {
        if let s = steps, !GenerationOptions.Range.steps.contains(s) {
            throw DiffusionError.invalidArgument("generation.steps", "expected an integer in 1...10000, got \(s)")
        }
        if let g = guidanceScale, !GenerationOptions.Range.guidance.contains(Float(g)) {
            throw DiffusionError.invalidArgument("generation.guidance_scale", "expected a number in 0...100, got \(g)")
        }
    }

    /// `base` with these values where set.
    public func applied(to base: GenerationOptions) -> GenerationOptions {
        var o = base
        if let steps { o.steps = steps }
        if let guidanceScale { o.guidanceScale = Float(guidanceScale) }
        return o
    }
}

extension TextToAudioPipeline {
    /// Loads a diffusers AudioLDM folder (`model_index.json`) or a Foley folder (`foley.yaml`).
    public static func load(folder: URL) throws -> TextToAudioPipeline {
        let fm = FileManager.default
        var isDir: ObjCBool = false
        guard fm.fileExists(atPath: folder.path, isDirectory: &isDir), isDir.boolValue else {
            throw DiffusionError.file(folder.path, "no such model folder")
        }
        let foley = folder.appendingPathComponent("foley.yaml")
        if fm.fileExists(atPath: foley.path) { return try loadFoley(folder: folder, config: FoleyModelConfig.load(path: foley.path)) }
        if fm.fileExists(atPath: folder.appendingPathComponent("model_index.json").path) { return try loadDiffusers(folder: folder) }
        throw DiffusionError.file(folder.path, "not a model folder: expected foley.yaml or model_index.json")
    }

    static func loadDiffusers(folder: URL) throws -> TextToAudioPipeline {
        let index = folder.appendingPathComponent("model_index.json")
        let data = try Data(contentsOf: index)
        guard let json = try JSONSerialization.jsonObject(with: data) as? [String: Any] else {
            throw DiffusionError.file(index.path, "expected a JSON object")
        }
        let cls = json["_class_name"] as? String ?? ""
        if cls == "StableAudioPipeline" {
            return try assemble(PipelineParts(stableAudio: try StableAudioParts.load(folder: folder),
                                              identity: "\(folder.lastPathComponent) (\(cls), configs \(try configHash(folder)))"))
        }
        guard cls == "AudioLDMPipeline" else {
            throw DiffusionError.file(index.path, "unsupported pipeline '\(cls)' (expected AudioLDMPipeline or StableAudioPipeline)")
        }
        let vocoder = try HiFiGAN.load(folder: folder.appendingPathComponent("vocoder"))
        let conditioner = try TextConditioner.load(encoderFolder: folder.appendingPathComponent("text_encoder"),
                                                   tokenizerFolder: folder.appendingPathComponent("tokenizer"))
        return try assemble(PipelineParts(
            unet: try UNet2DConditionModel.load(folder: folder.appendingPathComponent("unet")),
            vae: try AutoencoderKL.load(folder: folder.appendingPathComponent("vae")),
            vocoder: .model(vocoder), conditioner: conditioner,
            negativeConditioner: TextConditioner(tokenizer: conditioner.tokenizer, encoder: conditioner.encoder,
                                                 maxLength: conditioner.encoder.pooledSize),
            samplerConfig: try SamplerConfig.load(path: folder.appendingPathComponent("scheduler/scheduler_config.json").path),
            conditioning: .pooled, audio: vocoder.frontEnd,
            identity: "\(folder.lastPathComponent) (\(cls), configs \(try configHash(folder)))"))
    }

    static func loadFoley(folder: URL, config: FoleyModelConfig) throws -> TextToAudioPipeline {
        let encoderFolder = config.textEncoder == "minilm" ? FoleyPaths.miniLM
            : (config.textEncoder.hasPrefix("/") ? URL(fileURLWithPath: config.textEncoder) : folder.appendingPathComponent(config.textEncoder))
        guard FileManager.default.fileExists(atPath: encoderFolder.appendingPathComponent("config.json").path) else {
            throw DiffusionError.file(encoderFolder.path, "text encoder not found (run scripts/setup to fetch all-MiniLM-L6-v2)")
        }
        var parts = PipelineParts(
            unet: try UNet2DConditionModel.load(folder: folder.appendingPathComponent("unet")),
            vae: try AutoencoderKL.load(folder: folder.appendingPathComponent("vae")),
            vocoder: try .named(config.vocoder, griffinLimIterations: config.griffinLimIterations, relativeTo: folder),
            conditioner: try TextConditioner.load(encoderFolder: encoderFolder),
            samplerConfig: try SamplerConfig.load(path: folder.appendingPathComponent("scheduler/scheduler_config.json").path),
            conditioning: config.conditioning, audio: config.audio,
            identity: "\(config.name) (configs \(try configHash(folder)))",
            contrastive: try config.contrastive.map { try ContrastiveAudioText.load(folder: folder.appendingPathComponent($0)) })
        if let c = config.contrastive { parts.contrastiveSource = folder.appendingPathComponent(c).path }
        parts.promptAttributes = config.promptAttributes
        parts.generationDefaults = config.generation
        return try assemble(parts)
    }

    /// FNV-1a over every config file and the weight files' sizes: changes whenever the model does.
    static func configHash(_ folder: URL) throws -> String {
        var h: UInt64 = 0xcbf2_9ce4_8422_2325
        func mix(_ bytes: Data) { for b in bytes { h = (h ^ UInt64(b)) &* 0x100_0000_01b3 } }
        let fm = FileManager.default
        let files = (fm.enumerator(atPath: folder.path)?.compactMap { $0 as? String } ?? []).sorted()
        for f in files {
            let path = folder.appendingPathComponent(f).path
            if f.hasSuffix(".json") || f.hasSuffix(".yaml") { mix(Data(f.utf8)); mix((try? Data(contentsOf: URL(fileURLWithPath: path))) ?? Data()) }
            if f.hasSuffix(".safetensors"), let size = (try? fm.attributesOfItem(atPath: path))?[.size] as? Int {
                mix(Data("\(f):\(size)".utf8))
            }
        }
        return String(format: "%016llx", h)
    }
}
