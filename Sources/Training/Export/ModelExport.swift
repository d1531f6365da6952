import Audio
import Diffusion
import Foundation
import NN
import Tensors
import Text

/// Writing trained models as folders the rest of Foley loads: a diffusers `vae/` folder (stage 1) and a Foley model
/// folder (`foley.yaml` + `unet/ vae/ scheduler/`, stage 2) that `TextToAudioPipeline.load(folder:)` reads.
public enum ModelExport {
    /// diffusers-style config JSON with `_class_name`; nil optionals written as explicit nulls where diffusers
    /// reads null differently from absent (`mid_block_type`).
    static func configJSON<C: Encodable>(_ config: C, className: String, nullKeys: [String] = []) throws -> Data {
        let data = try JSONEncoder().encode(config)
        var obj = (try JSONSerialization.jsonObject(with: data) as? [String: Any]) ?? [:]
        obj["_class_name"] = className
        obj["_diffusers_version"] = "0.42.1"
        for k in nullKeys where obj[k] == nil { obj[k] = NSNull() }
        return try JSONSerialization.data(withJSONObject: obj, options: [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes])
    }

    static func jsonString<C: Encodable>(_ config: C, className: String, nullKeys: [String] = []) throws -> String {
        String(decoding: try configJSON(config, className: className, nullKeys: nullKeys), as: UTF8.self)
    }

    static func decodeVAEConfig(_ json: String, source: String) throws -> AutoencoderKLConfig {
        try ModelConfig.decode(AutoencoderKLConfig.self, from: Data(json.utf8), path: source)
    }

    static func decodeUNetConfig(_ json: String, source: String) throws -> UNet2DConditionConfig {
        try ModelConfig.decode(UNet2DConditionConfig.self, from: Data(json.utf8), path: source)
    }

    /// `module`'s state dict with EMA-averaged values where `ema` tracks them.
    static func weights(_ module: Module, ema: EMA?, names: [String]) -> [String: Tensor] {
        var w = module.stateDict()
        if let ema { for (n, t) in zip(names, ema.shadow) { w[n] = t } }
        return w
    }

    /// How exported weights are stored: float16 halves a shipped model's size (the loader widens it back).
    nonisolated(unsafe) public static var storage: SafeTensorsFile.StorageType = .f32

    /// Writes `config.json` + `diffusion_pytorch_model.safetensors` into `folder` (created).
    static func writeDiffusersModel(configJSON: Data, weights: [String: Tensor], to folder: URL) throws {
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        try AtomicFile.write(configJSON, to: folder.appendingPathComponent("config.json").path)
        try SafeTensorsFile.save(weights, to: folder.appendingPathComponent("diffusion_pytorch_model.safetensors").path, as: storage)
    }

    /// A diffusers AutoencoderKL folder whose config carries `scalingFactor`.
    public static func writeVAE(config: AutoencoderKLConfig, weights: [String: Tensor], scalingFactor: Float, to folder: URL) throws {
        var c = config
        c.scalingFactor = scalingFactor
        try replaceFolder(folder) { tmp in
            try writeDiffusersModel(configJSON: try configJSON(c, className: "AutoencoderKL"), weights: weights, to: tmp)
        }
    }

    /// The UNet's `sample_size` to export: its training crop (rounded to `unit` mel frames, as the loader crops) in
    /// latent frames, from which a pipeline derives the length it generates by default (diffusers' AudioLDM:
    /// sample_size x VAE factor x hop / rate seconds).
    static func trainedSampleSize(_ config: TrainingConfig, info: DatasetInfo, vaeFactor: Int, unit: Int) throws -> IntOrList {
        .int(try TrainingLoop.cropFrames(config, info: info, unit: unit) / vaeFactor)
    }

    /// The scheduler config a Foley folder ships: the training noise schedule, sampled by `sampler`.
    public static func samplerConfig(diffusion d: TrainingConfig.DiffusionConfig, sampler: String) -> SamplerConfig {
        if d.predictionType == "flow_prediction" {
            // A flow has no betas: the scheduler needs only the timestep scale the model was trained with (shift 1,
            // the unshifted path training drew from).
            var s = SamplerConfig(className: sampler == "flow_heun" ? "FlowMatchHeunDiscreteScheduler" : "FlowMatchEulerDiscreteScheduler",
                                    numTrainTimesteps: d.numTrainTimesteps)
            s.shift = 1
            return s
        }
        var s = SamplerConfig(className: nil, numTrainTimesteps: d.numTrainTimesteps, betaStart: d.betaStart, betaEnd: d.betaEnd,
                                betaSchedule: d.betaSchedule, predictionType: d.predictionType, timestepSpacing: "leading", stepsOffset: 1)
        switch sampler {
        case "ddpm": s.className = "DDPMScheduler"
        case "ddim": s.className = "DDIMScheduler"; s.setAlphaToOne = false
        case "pndm": s.className = "PNDMScheduler"; s.skipPrkSteps = true; s.setAlphaToOne = false
        case "plms": s.className = "PNDMScheduler"; s.skipPrkSteps = true; s.setAlphaToOne = false
        case "euler": s.className = "EulerDiscreteScheduler"
        case "euler_ancestral": s.className = "EulerAncestralDiscreteScheduler"
        case "heun": s.className = "HeunDiscreteScheduler"
        case "lms": s.className = "LMSDiscreteScheduler"
        case "dpmpp_2m": s.className = "DPMSolverMultistepScheduler"; s.algorithmType = "dpmsolver++"; s.solverOrder = 2
        case "unipc": s.className = "UniPCMultistepScheduler"
        default: s.className = "DDIMScheduler"
        }
        if ["ddpm", "ddim"].contains(sampler) { s.clipSample = false }
        return s
    }

    /// What goes into a Foley folder.
    public struct FoleyFolderParts {
        public var name: String
        public var unetConfig: UNet2DConditionConfig
        public var unetWeights: [String: Tensor]
        public var vaeConfig: AutoencoderKLConfig
        public var vaeWeights: [String: Tensor]
        public var scalingFactor: Float
        public var scheduler: SamplerConfig
        public var conditioning: TextToAudioPipeline.Conditioning
        public var dataset: DatasetInfo
        /// "minilm" or an encoder folder to copy (with `tokenizerFolder`'s tokenizer files) into `text_encoder/`.
        public var textEncoder: String
        public var tokenizerFolder: String?
        /// Fine-tuned encoder weights to write instead of copying the folder's.
        public var textEncoderWeights: [String: Tensor]?
        /// "griffin-lim" or a HiFi-GAN folder to copy into `vocoder/`.
        public var vocoder: String
        public var griffinLimIterations: Int
        /// The training config, kept beside the model as `training.yaml`.
        public var trainingYAML: String?
        /// The contrastive audio-text model the LDM was conditioned through, written to `contrastive/`.
        public var contrastive: ContrastiveAudioText? = nil
        /// The UNet reads `PromptAttributes` features after the pooled vector (`prompt_attributes` in foley.yaml).
        public var promptAttributes = false
        /// The model's own step count and guidance (`inference.model_defaults`), nil for the one defaults table's.
        public var generation: GenerationDefaults? = nil
    }

    /// Writes a complete Foley model folder, replacing `folder` only once everything is written.
    public static func writeFoleyFolder(_ p: FoleyFolderParts, to folder: URL) throws {
        try replaceFolder(folder) { tmp in
            try writeDiffusersModel(configJSON: try configJSON(p.unetConfig, className: "UNet2DConditionModel", nullKeys: ["mid_block_type"]),
                                    weights: p.unetWeights, to: tmp.appendingPathComponent("unet"))
            var vc = p.vaeConfig
            vc.scalingFactor = p.scalingFactor
            try writeDiffusersModel(configJSON: try configJSON(vc, className: "AutoencoderKL"), weights: p.vaeWeights,
                                    to: tmp.appendingPathComponent("vae"))
            let sched = tmp.appendingPathComponent("scheduler")
            try FileManager.default.createDirectory(at: sched, withIntermediateDirectories: true)
            try AtomicFile.write(try p.scheduler.jsonData(), to: sched.appendingPathComponent("scheduler_config.json").path)

            var m = FoleyModelConfig()
            m.name = p.name
            m.conditioning = p.conditioning
            m.audio = p.dataset.audio
            m.griffinLimIterations = p.griffinLimIterations
            m.promptAttributes = p.promptAttributes
            m.generation = p.generation
            if p.textEncoder == "minilm" && p.textEncoderWeights == nil {
                m.textEncoder = "minilm"
            } else {
                let source = p.textEncoder == "minilm" ? FoleyPaths.miniLM.path : p.textEncoder
                try copyTextEncoder(from: source, tokenizer: p.tokenizerFolder, weights: p.textEncoderWeights,
                                    to: tmp.appendingPathComponent("text_encoder"))
                m.textEncoder = "text_encoder"
            }
            if p.vocoder == "griffin-lim" {
                m.vocoder = "griffin-lim"
            } else {
                try copyFolder(p.vocoder, to: tmp.appendingPathComponent("vocoder"))
                m.vocoder = "vocoder"
            }
            if let c = p.contrastive {
                try c.save(to: tmp.appendingPathComponent("contrastive"), as: storage)
                m.contrastive = "contrastive"
            }
            try m.save(path: tmp.appendingPathComponent("foley.yaml").path)
            if let y = p.trainingYAML { try AtomicFile.write(Data(y.utf8), to: tmp.appendingPathComponent("training.yaml").path) }
        }
    }

    static func copyFolder(_ source: String, to dest: URL) throws {
        let fm = FileManager.default
        var isDir: ObjCBool = false
        guard fm.fileExists(atPath: source, isDirectory: &isDir), isDir.boolValue else {
            throw TrainingError.file(source, "no such folder to copy into the model")
        }
        try fm.createDirectory(at: dest, withIntermediateDirectories: true)
        for name in try fm.contentsOfDirectory(atPath: source) where !name.hasPrefix(".") {
            try fm.copyItem(atPath: (source as NSString).appendingPathComponent(name), toPath: dest.appendingPathComponent(name).path)
        }
    }

    /// The encoder's config and weights (or `weights`) plus the tokenizer files, in one folder.
    static func copyTextEncoder(from encoder: String, tokenizer: String?, weights: [String: Tensor]?, to dest: URL) throws {
        let fm = FileManager.default
        try fm.createDirectory(at: dest, withIntermediateDirectories: true)
        for name in try fm.contentsOfDirectory(atPath: encoder) where !name.hasPrefix(".") {
            if weights != nil && name.hasSuffix(".safetensors") || weights != nil && name.hasSuffix(".index.json") { continue }
            try fm.copyItem(atPath: (encoder as NSString).appendingPathComponent(name), toPath: dest.appendingPathComponent(name).path)
        }
        if let tokenizer, tokenizer != encoder {
            for name in try fm.contentsOfDirectory(atPath: tokenizer) where !name.hasPrefix(".") {
                let to = dest.appendingPathComponent(name).path
                if fm.fileExists(atPath: to) { try fm.removeItem(atPath: to) }
                try fm.copyItem(atPath: (tokenizer as NSString).appendingPathComponent(name), toPath: to)
            }
        }
        if let weights { try SafeTensorsFile.save(weights, to: dest.appendingPathComponent("model.safetensors").path) }
    }

    /// Builds a folder in a hidden sibling, then swaps it in with renames, so `folder` is never half-written.
    static func replaceFolder(_ folder: URL, _ body: (URL) throws -> Void) throws {
        let fm = FileManager.default
        let parent = folder.deletingLastPathComponent()
        try fm.createDirectory(at: parent, withIntermediateDirectories: true)
        let tag = "\(getpid())-\(UInt64(Date().timeIntervalSince1970 * 1000))"
        let tmp = parent.appendingPathComponent(".\(folder.lastPathComponent).new-\(tag)")
        let old = parent.appendingPathComponent(".\(folder.lastPathComponent).old-\(tag)")
        try? fm.removeItem(at: tmp)
        try fm.createDirectory(at: tmp, withIntermediateDirectories: true)
        do { try body(tmp) } catch {
            try? fm.removeItem(at: tmp)
            throw error
        }
        let hadOld = fm.fileExists(atPath: folder.path)
        if hadOld { try fm.moveItem(at: folder, to: old) }
        do { try fm.moveItem(at: tmp, to: folder) } catch {
            if hadOld { try? fm.moveItem(at: old, to: folder) }
            throw TrainingError.file(folder.path, "cannot move the exported model into place: \(error.localizedDescription)")
        }
        if hadOld { try? fm.removeItem(at: old) }
    }

    // MARK: from checkpoints

    /// Exports a checkpoint as a model folder: stage 1 -> a diffusers `vae/` folder, stage 2 -> a Foley model folder,
    /// oobleck -> an AutoencoderOobleck folder, dit -> a StableAudioPipeline folder.
    /// EMA weights are used when the checkpoint has them (and `useEMA`).
    public static func export(checkpoint path: String, to folder: URL, useEMA: Bool = true) throws {
        let c = try Checkpoint.load(path: path)
        let s = c.state
        let cfg = try TrainingConfig.parse(yaml: s.config)
        if s.stage == "vae" {
            let vc = try decodeVAEConfig(s.modelConfig, source: path)
            let vae = try AutoencoderKL(config: vc)
            try vae.load(stateDict: try c.tensors(prefix: "model."))
            var w = vae.stateDict()
            if useEMA { for (k, t) in try c.tensors(prefix: "ema.") { w[k] = t } }
            try writeVAE(config: vc, weights: w, scalingFactor: s.scalingFactor ?? vc.scalingFactor, to: folder)
            return
        }
        if s.stage == "clap" {
            let mc = try ModelConfig.decode(ContrastiveAudioTextConfig.self, from: Data(s.modelConfig.utf8), path: path)
            let model = try ContrastiveAudioText(config: mc)
            var w = try c.tensors(prefix: "model.")
            if useEMA { for (k, t) in try c.tensors(prefix: "ema.") { w[k] = t } }
            try model.load(stateDict: w)
            try model.save(to: folder, as: storage)
            return
        }
        if s.stage == "oobleck" || s.stage == "dit" {
            try StableAudioExport.export(checkpoint: c, config: cfg, to: folder, useEMA: useEMA)
            return
        }
        guard let vaeJSON = s.vaeConfig, let scale = s.scalingFactor else {
            throw TrainingError.file(path, "stage-2 checkpoint lacks its VAE config or scaling factor")
        }
        var uc = try decodeUNetConfig(s.modelConfig, source: path)
        var unetW = try c.tensors(prefix: "model.")
        if useEMA { for (k, t) in try c.tensors(prefix: "ema.") { unetW[k] = t } }
        let info = try Preprocessor.readInfo(folder: cfg.data.dataset)
        let vc = try decodeVAEConfig(vaeJSON, source: path)
        let vaeFactor = vc.downsamplingFactor
        uc.sampleSize = try trainedSampleSize(cfg, info: info, vaeFactor: vaeFactor, unit: vaeFactor * (1 << (uc.blockOutChannels.count - 1)))
        let te = cfg.textEncoder
        let parts = FoleyFolderParts(
            name: cfg.name, unetConfig: uc, unetWeights: unetW, vaeConfig: vc,
            vaeWeights: try c.tensors(prefix: "vae."), scalingFactor: scale,
            scheduler: samplerConfig(diffusion: cfg.diffusion, sampler: cfg.inference.sampler),
            conditioning: cfg.ldm?.conditioning ?? .both, dataset: info, textEncoder: te.type == "minilm" ? "minilm" : te.path!,
            tokenizerFolder: te.tokenizerPath, textEncoderWeights: s.textEncoderTrained == true ? try c.tensors(prefix: "text_encoder.") : nil,
            vocoder: cfg.inference.vocoder, griffinLimIterations: cfg.inference.griffinLimIterations, trainingYAML: s.config,
            contrastive: try cfg.ldm?.contrastive.map { try LDMTrainer.loadContrastive($0) },
            promptAttributes: cfg.ldm?.promptAttributes ?? false, generation: generationDefaults(cfg.inference))
        try writeFoleyFolder(parts, to: folder)
    }
}

/// The inference section's steps and guidance as the model's own defaults, when `inference.model_defaults` asks.
func generationDefaults(_ i: TrainingConfig.InferenceConfig) -> GenerationDefaults? {
    i.modelDefaults ? GenerationDefaults(steps: i.numSteps, guidanceScale: i.guidanceScale) : nil
}

/// Runs `body` with EMA-averaged weights in `params`, restoring the trained values exactly afterwards.
func withEMAWeights<R>(_ ema: EMA?, _ params: [Tensor], _ body: () throws -> R) throws -> R {
    guard let ema else { return try body() }
    let backup = params.map { $0.copy() }
    try ema.copy(to: params)
    defer { for (p, b) in zip(params, backup) { try? p.assign(b) } }
    return try body()
}

/// The latent scaling factor: 1 / std of posterior samples over some batches (as latent diffusion measures it).
public enum LatentScale {
    public static func measure(vae: AutoencoderKL, loader: DataLoader, batches: Int, seed: UInt64 = 0) throws -> Float {
        let g = RandomGenerator(seed: seed)
        var sum = 0.0, sumSq = 0.0, n = 0.0
        try GradMode.noGrad {
            for k in 0..<max(1, min(batches, loader.batchesPerEpoch)) {
                let b = try loader.batch(at: DataLoader.Position(epoch: 0, batch: k))
                let z = try vae.encode(b.mel).sample(generator: g)
                z.withUnsafeBufferPointer { p in for v in p { sum += Double(v); sumSq += Double(v) * Double(v) } }
                n += Double(z.count)
            }
        }
        let mean = sum / n
        let std = (max(sumSq / n - mean * mean, 1e-12) * n / max(n - 1, 1)).squareRoot()
        return Float(1 / std)
    }
}
