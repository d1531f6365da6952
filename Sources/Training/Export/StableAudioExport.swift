import Diffusion
import Foundation
import Tensors

/// Writing the Stable Audio family as diffusers lays it out: an AutoencoderOobleck `vae/` folder (weight-normalised
/// convolutions, `weight_g` / `weight_v`, as diffusers' class holds them) and a whole `StableAudioPipeline` folder
/// (`model_index.json`, transformer/, vae/, projection_model/, scheduler/, text_encoder/, tokenizer/), which
/// `TextToAudioPipeline.load(folder:)` and `foley generate --model` read like any downloaded one.
public enum StableAudioExport {
    /// What goes into a StableAudioPipeline folder.
    public struct Parts {
        public var name: String
        public var transformer: StableAudioDiTConfig
        public var transformerWeights: [String: Tensor]
        public var projection: StableAudioProjectionConfig
        public var projectionWeights: [String: Tensor]
        public var vae: AutoencoderOobleckConfig
        public var vaeWeights: [String: Tensor]
        public var scheduler: SamplerConfig
        /// The encoder folder (MiniLM's for "minilm") and its tokenizer's, copied into text_encoder/ and tokenizer/.
        public var textEncoder: String
        public var tokenizerFolder: String?
        /// Prompts are padded to this many tokens (the tokenizer's model_max_length, as diffusers pads them).
        public var maxLength: Int
        public var trainingYAML: String?
    }

    /// The weight-normalised form of plain convolution weights: every rank-3 `.weight` becomes weight_v = w and
    /// weight_g = its norm over all but the first axis (torch's weight_norm with dim 0), which folds back to w.
    static func weightNormalized(_ weights: [String: Tensor]) throws -> [String: Tensor] {
        var out: [String: Tensor] = [:]
        for (k, w) in weights {
            guard k.hasSuffix(".weight"), w.rank == 3 else { out[k] = w; continue }
            let stem = String(k.dropLast("weight".count))
            out[stem + "weight_v"] = w
            out[stem + "weight_g"] = try (w * w).sum(axes: [1, 2], keepDim: true).sqrt()
        }
        return out
    }

    /// A diffusers AutoencoderOobleck folder, replaced only once complete.
    public static func writeOobleck(config: AutoencoderOobleckConfig, weights: [String: Tensor], to folder: URL) throws {
        try ModelExport.replaceFolder(folder) { tmp in
            try ModelExport.writeDiffusersModel(configJSON: try ModelExport.configJSON(config, className: "AutoencoderOobleck"),
                                                weights: try weightNormalized(weights), to: tmp)
        }
    }

    /// A whole StableAudioPipeline folder, replaced only once complete.
    public static func writePipeline(_ p: Parts, to folder: URL) throws {
        try ModelExport.replaceFolder(folder) { tmp in
            try ModelExport.writeDiffusersModel(configJSON: try ModelExport.configJSON(p.transformer, className: "StableAudioDiTModel"),
                                                weights: p.transformerWeights, to: tmp.appendingPathComponent("transformer"))
            try ModelExport.writeDiffusersModel(configJSON: try ModelExport.configJSON(p.projection, className: "StableAudioProjectionModel"),
                                                weights: p.projectionWeights, to: tmp.appendingPathComponent("projection_model"))
            try ModelExport.writeDiffusersModel(configJSON: try ModelExport.configJSON(p.vae, className: "AutoencoderOobleck"),
                                                weights: try weightNormalized(p.vaeWeights), to: tmp.appendingPathComponent("vae"))
            let sched = tmp.appendingPathComponent("scheduler")
            try FileManager.default.createDirectory(at: sched, withIntermediateDirectories: true)
            try AtomicFile.write(try p.scheduler.jsonData(), to: sched.appendingPathComponent("scheduler_config.json").path)
            let encoder = p.textEncoder == "minilm" ? FoleyPaths.miniLM.path : p.textEncoder
            try ModelExport.copyTextEncoder(from: encoder, tokenizer: nil, weights: nil, to: tmp.appendingPathComponent("text_encoder"))
            let tokenizer = tmp.appendingPathComponent("tokenizer")
            try copyTokenizerFiles(from: p.tokenizerFolder ?? encoder, to: tokenizer)
            try setMaxLength(p.maxLength, in: tokenizer)
            let encoderClass = try modelClass(of: tmp.appendingPathComponent("text_encoder"))
            let index: [String: Any] = [
                "_class_name": "StableAudioPipeline", "_diffusers_version": "0.42.1", "_name_or_path": p.name,
                "transformer": ["diffusers", "StableAudioDiTModel"], "vae": ["diffusers", "AutoencoderOobleck"],
                "projection_model": ["stable_audio", "StableAudioProjectionModel"], "scheduler": ["diffusers", p.scheduler.className ?? "FlowMatchEulerDiscreteScheduler"],
                "text_encoder": ["transformers", encoderClass], "tokenizer": ["transformers", "AutoTokenizer"],
            ]
            try AtomicFile.write(try JSONSerialization.data(withJSONObject: index, options: [.prettyPrinted, .sortedKeys]),
                                 to: tmp.appendingPathComponent("model_index.json").path)
            if let y = p.trainingYAML { try AtomicFile.write(Data(y.utf8), to: tmp.appendingPathComponent("training.yaml").path) }
        }
    }

    /// A folder's files but its weights: a tokenizer folder made from an encoder folder.
    static func copyTokenizerFiles(from source: String, to dest: URL) throws {
        let fm = FileManager.default
        try fm.createDirectory(at: dest, withIntermediateDirectories: true)
        let names: [String]
        do { names = try fm.contentsOfDirectory(atPath: source) } catch { throw TrainingError.file(source, "no tokenizer folder to copy into the model") }
        for name in names where !name.hasPrefix(".") && !name.hasSuffix(".safetensors") && !name.hasSuffix(".bin") && !name.hasSuffix(".index.json") {
            try fm.copyItem(atPath: (source as NSString).appendingPathComponent(name), toPath: dest.appendingPathComponent(name).path)
        }
    }

    /// The tokenizer config's model_max_length, which the Stable Audio loader pads every prompt to.
    static func setMaxLength(_ n: Int, in folder: URL) throws {
        let url = folder.appendingPathComponent("tokenizer_config.json")
        var obj: [String: Any] = [:]
        if let d = try? Data(contentsOf: url), let o = try JSONSerialization.jsonObject(with: d) as? [String: Any] { obj = o }
        obj["model_max_length"] = n
        try AtomicFile.write(try JSONSerialization.data(withJSONObject: obj, options: [.prettyPrinted, .sortedKeys]), to: url.path)
    }

    /// The transformers class the encoder's config names (its `architectures`), for model_index.json.
    static func modelClass(of folder: URL) throws -> String {
        guard let d = try? Data(contentsOf: folder.appendingPathComponent("config.json")),
              let o = try JSONSerialization.jsonObject(with: d) as? [String: Any] else {
            throw TrainingError.file(folder.path, "the text encoder has no readable config.json")
        }
        return (o["architectures"] as? [String])?.first ?? "T5EncoderModel"
    }

    /// The weights under `prefix`, without it: one model's of the DiT stage's two (saved as one module).
    static func part(_ w: [String: Tensor], _ prefix: String) -> [String: Tensor] {
        Dictionary(uniqueKeysWithValues: w.filter { $0.key.hasPrefix(prefix) }.map { (String($0.key.dropFirst(prefix.count)), $0.value) })
    }

    /// An oobleck checkpoint as a `vae/` folder, a dit checkpoint as a StableAudioPipeline folder (EMA weights when
    /// the checkpoint has them and `useEMA`).
    static func export(checkpoint c: Checkpoint, config cfg: TrainingConfig, to folder: URL, useEMA: Bool) throws {
        var w = try c.tensors(prefix: "model.")
        if useEMA { for (k, t) in try c.tensors(prefix: "ema.") { w[k] = t } }
        if c.state.stage == "oobleck" {
            let vc = try ModelConfig.decode(AutoencoderOobleckConfig.self, from: Data(c.state.modelConfig.utf8), path: c.path)
            try writeOobleck(config: vc, weights: w, to: folder)
            return
        }
        guard let vaeJSON = c.state.vaeConfig else { throw TrainingError.file(c.path, "the dit checkpoint lacks its Oobleck's config") }
        let saved = try ModelConfig.decode(DiTTrainer.SavedConfigs.self, from: Data(c.state.modelConfig.utf8), path: c.path)
        let te = cfg.textEncoder
        try writePipeline(Parts(
            name: cfg.name, transformer: saved.transformer, transformerWeights: part(w, "transformer."),
            projection: saved.projectionModel, projectionWeights: part(w, "projection_model."),
            vae: try ModelConfig.decode(AutoencoderOobleckConfig.self, from: Data(vaeJSON.utf8), path: c.path),
            vaeWeights: try c.tensors(prefix: "vae."),
            scheduler: ModelExport.samplerConfig(diffusion: cfg.diffusion, sampler: cfg.inference.sampler),
            textEncoder: te.type == "minilm" ? "minilm" : te.path!, tokenizerFolder: te.tokenizerPath,
            maxLength: te.paddedLength, trainingYAML: c.state.config), to: folder)
    }
}
