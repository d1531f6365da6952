import Foundation
import NN
import Tensors

/// Builds the right encoder for a Hugging Face model folder (config.json + safetensors weights).
public enum TextEncoderLoader {
    /// The architectures `load(folder:)` understands, by transformers class name.
    public static let supportedArchitectures = [
        "BertModel", "BertForMaskedLM", "BertForPreTraining", "RobertaModel",
        "T5EncoderModel", "T5Model", "T5ForConditionalGeneration", "MT5EncoderModel", "MT5Model", "MT5ForConditionalGeneration",
        "ClapTextModelWithProjection", "ClapModel",
        "CLIPTextModel", "CLIPTextModelWithProjection", "CLIPModel",
    ]

    /// Reads `folder`/config.json and its weights (model.safetensors, or shards listed in
    /// model.safetensors.index.json) and returns the loaded encoder, every key matched strictly.
    /// `weightsFile` reads the weights from that safetensors file instead (any name), the config still from `folder`.
    public static func load(folder: String, weightsFile: String? = nil) throws -> any TextEncoder {
        let config = try HFConfig(contentsOf: (folder as NSString).appendingPathComponent("config.json"))
        let family = try Family(config: config, folder: folder)
        let state = try weightsFile.map { try SafeTensorsFile(path: $0).all() } ?? loadWeights(folder: folder)
        do {
            let encoder = try build(family, config: config, state: state)
            LoadLog.loaded(String(describing: type(of: encoder)), from: URL(fileURLWithPath: folder), values: config.values)
            return encoder
        } catch let e as NNError {
            throw TextError.file(folder, "weights do not fit \(family): \(e.description)")
        }
    }

    public static func load(folder: URL) throws -> any TextEncoder { try load(folder: folder.path) }

    /// Every tensor of the folder's safetensors checkpoint (single file or shards), as float32.
    public static func loadWeights(folder: String) throws -> [String: Tensor] {
        let url = URL(fileURLWithPath: folder)
        return try SafetensorsCheckpoint.tensors(try SafetensorsCheckpoint.files(in: url, stems: ["model"]))
    }

    /// The model families the loader can build.
    public enum Family: String, CustomStringConvertible {
        case bert, t5, clapText, clip

        public var description: String { rawValue }

        init(config c: HFConfig, folder: String) throws {
            let archs = c.architectures
            let byArch: [String: Family] = [
                "BertModel": .bert, "BertForMaskedLM": .bert, "BertForPreTraining": .bert, "RobertaModel": .bert,
                "T5EncoderModel": .t5, "T5Model": .t5, "T5ForConditionalGeneration": .t5,
                "MT5EncoderModel": .t5, "MT5Model": .t5, "MT5ForConditionalGeneration": .t5,
                "ClapTextModelWithProjection": .clapText, "ClapModel": .clapText,
                "CLIPTextModel": .clip, "CLIPTextModelWithProjection": .clip, "CLIPModel": .clip,
            ]
            if let f = archs.lazy.compactMap({ byArch[$0] }).first { self = f; return }
            let byType: [String: Family] = [
                "bert": .bert, "roberta": .bert, "t5": .t5, "mt5": .t5,
                "clap_text_model": .clapText, "clap": .clapText, "clip_text_model": .clip, "clip": .clip,
            ]
            // Other heads of a known base (e.g. BertForSequenceClassification) load through their model_type:
            // the base model's keys are picked out and the head's dropped.
            if let t = c.modelType, let f = byType[t] { self = f; return }
            let what = archs.isEmpty ? "model_type '\(c.modelType ?? "?")'" : "architectures \(archs)"
            throw TextError.file(folder, "unsupported text encoder: \(what); supported: \(TextEncoderLoader.supportedArchitectures.joined(separator: ", "))")
        }
    }

    static func build(_ family: Family, config c: HFConfig, state: [String: Tensor]) throws -> any TextEncoder {
        switch family {
        case .bert:
            return try BertModel.from(config: BertConfig(c), checkpoint: state)
        case .t5:
            let m = T5EncoderModel(try T5Config(c))
            try m.load(checkpoint: state)
            return m
        case .clapText:
            let m = ClapTextModelWithProjection(try ClapTextConfig(c))
            try m.load(checkpoint: state)
            return m
        case .clip:
            let projected = c.architectures.contains { $0 == "CLIPTextModelWithProjection" || $0 == "CLIPModel" }
                || state["text_projection.weight"] != nil
            let m = CLIPTextModel(try CLIPTextConfig(c, withProjection: projected))
            try m.load(checkpoint: state)
            return m
        }
    }
}
