import Audio
import Foundation
import Tensors
import Text
import Yams

/// Foley's own model folder description (`foley.yaml`); the submodels sit beside it in diffusers layout.
public struct FoleyModelConfig: Codable, Equatable {
    public var name = "foley-model"
    public var sampleRate = 16000
    public var conditioning: TextToAudioPipeline.Conditioning = .both
    /// "minilm" (the default encoder fetched by scripts/setup), or a Hugging Face folder, relative or absolute.
    public var textEncoder = "minilm"
    public var mel = MelSettings()
    /// "griffin-lim", or a subfolder holding a HiFi-GAN (config.json + weights).
    public var vocoder = "griffin-lim"
    public var griffinLimIterations = 32
    /// A subfolder holding the model's ContrastiveAudioText (nil: the pooled text vector feeds the class embedding as is).
    public var contrastive: String?

    /// The log-mel front end shared by the VAE's data and the vocoder.
    public struct MelSettings: Codable, Equatable {
        public var nFFT = 1024
        public var hopLength = 160
        public var nMels = 64
        public var fMin: Double = 0
        public var fMax: Double = 8000
        public init() {}
        enum CodingKeys: String, CodingKey {
            case nFFT = "n_fft", hopLength = "hop_length", nMels = "n_mels", fMin = "f_min", fMax = "f_max"
        }
    }

    public init() {}

    enum CodingKeys: String, CodingKey {
        case name, sampleRate = "sample_rate", conditioning, textEncoder = "text_encoder", mel, vocoder
        case griffinLimIterations = "griffin_lim_iterations", contrastive
    }

    public init(from decoder: Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        let d = FoleyModelConfig()
        name = try c.decodeIfPresent(String.self, forKey: .name) ?? d.name
        sampleRate = try c.decodeIfPresent(Int.self, forKey: .sampleRate) ?? d.sampleRate
        conditioning = try c.decodeIfPresent(TextToAudioPipeline.Conditioning.self, forKey: .conditioning) ?? d.conditioning
        textEncoder = try c.decodeIfPresent(String.self, forKey: .textEncoder) ?? d.textEncoder
        mel = try c.decodeIfPresent(MelSettings.self, forKey: .mel) ?? d.mel
        vocoder = try c.decodeIfPresent(String.self, forKey: .vocoder) ?? d.vocoder
        griffinLimIterations = try c.decodeIfPresent(Int.self, forKey: .griffinLimIterations) ?? d.griffinLimIterations
        contrastive = try c.decodeIfPresent(String.self, forKey: .contrastive)
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
        guard cls == "AudioLDMPipeline" else {
            throw DiffusionError.file(index.path, "unsupported pipeline '\(cls)' (expected AudioLDMPipeline)")
        }
        let unet = try UNet2DConditionModel.load(folder: folder.appendingPathComponent("unet"))
        let vae = try AutoencoderKL.load(folder: folder.appendingPathComponent("vae"))
        let vocoder = try HiFiGAN.load(folder: folder.appendingPathComponent("vocoder"))
        let conditioner = try TextConditioner.load(encoderFolder: folder.appendingPathComponent("text_encoder"),
                                                   tokenizerFolder: folder.appendingPathComponent("tokenizer"))
        let sched = try SchedulerConfig.load(path: folder.appendingPathComponent("scheduler/scheduler_config.json").path)
        let bins = vocoder.config.modelInDim
        let hop = vocoder.config.upsampleRates.reduce(1, *)
        let frontEnd = try LogMel(sampleRate: vocoder.sampleRate, nFFT: 1024, hopLength: hop, nMels: bins, fMax: Double(vocoder.sampleRate) / 2)
        return TextToAudioPipeline(unet: unet, vae: vae, vocoder: vocoder, conditioner: conditioner, schedulerConfig: sched,
                                   conditioning: .pooled, melBins: bins, hopLength: hop, frontEnd: frontEnd,
                                   identity: "\(folder.lastPathComponent) (\(cls), configs \(try configHash(folder)))",
                                   negativeConditioner: TextConditioner(tokenizer: conditioner.tokenizer, encoder: conditioner.encoder,
                                                                        maxLength: conditioner.encoder.pooledSize))
    }

    static func loadFoley(folder: URL, config: FoleyModelConfig) throws -> TextToAudioPipeline {
        let unet = try UNet2DConditionModel.load(folder: folder.appendingPathComponent("unet"))
        let vae = try AutoencoderKL.load(folder: folder.appendingPathComponent("vae"))
        let m = config.mel
        let frontEnd = try LogMel(sampleRate: config.sampleRate, nFFT: m.nFFT, hopLength: m.hopLength, nMels: m.nMels,
                                  fMin: m.fMin, fMax: m.fMax)
        let vocoder: any Vocoder
        if config.vocoder == "griffin-lim" {
            vocoder = GriffinLimVocoder(frontEnd: frontEnd, sampleRate: config.sampleRate, iterations: config.griffinLimIterations)
        } else {
            vocoder = try HiFiGAN.load(folder: folder.appendingPathComponent(config.vocoder))
        }
        let encoderFolder = config.textEncoder == "minilm" ? FoleyPaths.miniLM
            : (config.textEncoder.hasPrefix("/") ? URL(fileURLWithPath: config.textEncoder) : folder.appendingPathComponent(config.textEncoder))
        guard FileManager.default.fileExists(atPath: encoderFolder.appendingPathComponent("config.json").path) else {
            throw DiffusionError.file(encoderFolder.path, "text encoder not found (run scripts/setup to fetch all-MiniLM-L6-v2)")
        }
        let conditioner = try TextConditioner.load(encoderFolder: encoderFolder)
        let sched = try SchedulerConfig.load(path: folder.appendingPathComponent("scheduler/scheduler_config.json").path)
        let contrastive = try config.contrastive.map { try ContrastiveAudioText.load(folder: folder.appendingPathComponent($0)) }
        if let c = contrastive, c.config.numMels != m.nMels || c.config.textEmbedDim != conditioner.encoder.pooledSize {
            throw DiffusionError.file(folder.appendingPathComponent(config.contrastive!).path,
                                      "the contrastive model takes \(c.config.numMels) mel bins and \(c.config.textEmbedDim)-d pooled text; the model has \(m.nMels) and \(conditioner.encoder.pooledSize)")
        }
        return TextToAudioPipeline(unet: unet, vae: vae, vocoder: vocoder, conditioner: conditioner, schedulerConfig: sched,
                                   conditioning: config.conditioning, melBins: m.nMels, hopLength: m.hopLength,
                                   frontEnd: frontEnd, identity: "\(config.name) (configs \(try configHash(folder)))",
                                   contrastive: contrastive)
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
