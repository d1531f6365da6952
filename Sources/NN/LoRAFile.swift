import Foundation
import Tensors

/// LoRA adapter files as diffusers writes them (`save_lora_weights`): safetensors with PEFT's keys under a component
/// prefix (`unet.`, `transformer.`, `text_encoder.`) and the `LoraConfig` in the `lora_adapter_metadata` entry.
public enum LoRAFile {
    /// One component's weights (prefix removed) and configuration.
    public struct Component {
        public var weights: [String: Tensor]
        public var config: LoRAConfig
    }

    /// Component prefixes diffusers' pipelines write.
    public static let prefixes = ["unet", "transformer", "text_encoder", "text_encoder_2"]
    static let metadataKey = "lora_adapter_metadata"

    /// The components of the file at `path`, keyed by prefix ("" for a model-level file whose keys have none).
    /// Without metadata every layer's alpha is its rank (scale 1), diffusers' rule; older key spellings
    /// (`.lora.down.weight`, `processor.to_q_lora.up.weight`, `.alpha`) are read as diffusers converts them.
    public static func read(_ path: String) throws -> [String: Component] {
        let file: SafeTensorsFile
        do { file = try SafeTensorsFile(path: path) } catch { throw NNError.file(path, "cannot read as safetensors: \(error)") }
        var meta: [String: Any] = [:]
        if let raw = file.metadata[metadataKey] {
            guard let data = raw.data(using: .utf8), let m = try? JSONSerialization.jsonObject(with: data) as? [String: Any] else {
                throw NNError.file(path, "its '\(metadataKey)' metadata is not a JSON object")
            }
            meta = m
        }
        var groups: [String: [String: Tensor]] = [:]
        var alphas: [String: [String: Float]] = [:]
        for key in file.keys {
            let (prefix, rest) = split(key)
            let t = try file.tensor(key)
            if rest.hasSuffix(".alpha") {
                guard t.count == 1 else { throw NNError.file(path, "'\(key)' should hold one number (a network alpha)") }
                let layer = canonical(String(rest.dropLast(".alpha".count)) + ".lora_A.weight")
                alphas[prefix, default: [:]][String(layer.dropLast(".lora_A.weight".count))] = t.scalars[0]
                continue
            }
            groups[prefix, default: [:]][canonical(rest)] = t
        }
        guard !groups.isEmpty else { throw NNError.file(path, "holds no tensors; expected a LoRA adapter") }
        var out: [String: Component] = [:]
        for (prefix, weights) in groups {
            out[prefix] = Component(weights: weights, config: try config(meta, prefix: prefix, weights: weights, alphas: alphas[prefix] ?? [:], path: path))
        }
        return out
    }

    static func split(_ key: String) -> (String, String) {
        for p in prefixes where key.hasPrefix(p + ".") { return (p, String(key.dropFirst(p.count + 1))) }
        return ("", key)
    }

    /// PEFT's spelling of a key diffusers also accepts in its older forms.
    static func canonical(_ key: String) -> String {
        var k = key
        for (old, new) in [(".lora.down.weight", ".lora_A.weight"), (".lora.up.weight", ".lora_B.weight"),
                           (".lora_down.weight", ".lora_A.weight"), (".lora_up.weight", ".lora_B.weight")] where k.hasSuffix(old) {
            k = String(k.dropLast(old.count)) + new
        }
        for (old, new) in [("processor.to_q_lora.", "to_q."), ("processor.to_k_lora.", "to_k."), ("processor.to_v_lora.", "to_v."),
                           ("processor.to_out_lora.", "to_out.0.")] {
            k = k.replacingOccurrences(of: old, with: new)
        }
        for (old, new) in [("to_q.down.weight", "to_q.lora_A.weight"), ("to_q.up.weight", "to_q.lora_B.weight"),
                           ("to_k.down.weight", "to_k.lora_A.weight"), ("to_k.up.weight", "to_k.lora_B.weight"),
                           ("to_v.down.weight", "to_v.lora_A.weight"), ("to_v.up.weight", "to_v.lora_B.weight"),
                           ("to_out.0.down.weight", "to_out.0.lora_A.weight"), ("to_out.0.up.weight", "to_out.0.lora_B.weight")] where k.hasSuffix(old) {
            k = String(k.dropLast(old.count)) + new
        }
        return k
    }

    static func config(_ meta: [String: Any], prefix: String, weights: [String: Tensor], alphas: [String: Float], path: String) throws -> LoRAConfig {
        func value(_ k: String) -> Any? { meta[prefix.isEmpty ? k : prefix + "." + k] ?? meta[k] }
        let layerRanks: [String: Int] = Dictionary(weights.compactMap { k, t in
            k.hasSuffix(".lora_A.weight") && t.rank == 2 ? (String(k.dropLast(".lora_A.weight".count)), t.shape[0]) : nil
        }, uniquingKeysWith: { a, _ in a })
        let targets = layerRanks.keys.sorted()
        guard let rank = value("r").flatMap(number).map({ Int($0) }) ?? layerRanks.values.max() else {
            throw NNError.file(path, "no lora_A weights in the '\(prefix)' part")
        }
        var c = LoRAConfig(rank: rank, targets: targets.isEmpty ? LoRAConfig.defaultTargets : targets)
        if let a = value("lora_alpha").flatMap(number) {
            c.alpha = Float(a)
            if let p = value("alpha_pattern") as? [String: Any] { c.alphaPattern = p.compactMapValues { number($0).map(Float.init) } }
        } else {
            // No stated alpha: a network alpha per layer if given, else alpha = rank (scale 1), as diffusers loads it.
            c.alpha = Float(rank)
            c.alphaPattern = Dictionary(uniqueKeysWithValues: layerRanks.map { ($0.key, alphas[$0.key] ?? Float($0.value)) })
        }
        if let d = value("lora_dropout").flatMap(number) { c.dropout = Float(d) }
        if let rs = value("use_rslora") as? Bool { c.useRSLoRA = rs }
        if (value("use_dora") as? Bool) == true { throw NNError.file(path, "is a DoRA adapter (use_dora); Foley reads plain LoRA only") }
        return c
    }

    private static func number(_ v: Any) -> Double? { (v as? NSNumber)?.doubleValue }

    /// Writes adapters as one file with diffusers' prefixes and metadata (atomically), loadable by
    /// `pipe.load_lora_weights` / `model.load_lora_adapter(path, prefix=...)`.
    public static func write(_ parts: [(prefix: String, adapter: LoRAAdapter)], to path: String) throws {
        var tensors: [String: Tensor] = [:]
        var meta: [String: Any] = [:]
        for (prefix, a) in parts {
            let p = prefix.isEmpty ? "" : prefix + "."
            for (k, t) in a.namedParameters { tensors[p + k] = t }
            let c = a.config
            let entries: [String: Any] = [
                "r": c.rank, "lora_alpha": c.alpha, "lora_dropout": c.dropout, "target_modules": c.targets.sorted(),
                "use_rslora": c.useRSLoRA, "use_dora": false, "bias": "none", "alpha_pattern": c.alphaPattern, "rank_pattern": [String: Int](),
            ]
            for (k, v) in entries { meta[p + k] = v }
        }
        let json = try JSONSerialization.data(withJSONObject: meta, options: [.sortedKeys, .prettyPrinted])
        try SafeTensorsFile.save(tensors, to: path, metadata: ["format": "pt", metadataKey: String(decoding: json, as: UTF8.self)])
    }
}
