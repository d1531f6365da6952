import Foundation
import NN
import Tensors

/// What a text encoder hands to a generator: per-token states, their mask and one pooled vector per text.
public struct TextEncoding {
    /// Per-token hidden states [batch, tokens, hiddenSize] (cross-attention conditioning).
    public let hiddenStates: Tensor
    /// Which tokens are real (1) or padding (0), [batch, tokens].
    public let mask: Tensor
    /// One vector per text [batch, pooledSize] (FiLM / class-embedding conditioning).
    public let pooled: Tensor

    public init(hiddenStates: Tensor, mask: Tensor, pooled: Tensor) {
        self.hiddenStates = hiddenStates
        self.mask = mask
        self.pooled = pooled
    }

    /// `pooled` scaled to unit L2 norm per row (as AudioLDM feeds CLAP's text_embeds to its UNet).
    public var normalizedPooled: Tensor { get throws { try TextOps.l2Normalize(pooled) } }
}

/// A model mapping token ids (with a padding mask) to a `TextEncoding`.
public protocol TextEncoder: AnyObject {
    /// `ids` and `mask` are [batch][tokens], rectangular, mask 1 for real tokens and 0 for padding.
    func encode(ids: [[Int]], mask: [[Int]]) throws -> TextEncoding
    /// Width of `hiddenStates`.
    var hiddenSize: Int { get }
    /// Width of `pooled`.
    var pooledSize: Int { get }
    /// The longest sequence the model accepts (its position table), or its usual limit when it has none.
    var maxLength: Int { get }
}

extension TextEncoder {
    /// Encodes sequences with no padding (mask all ones).
    public func encode(ids: [[Int]]) throws -> TextEncoding {
        try encode(ids: ids, mask: ids.map { [Int](repeating: 1, count: $0.count) })
    }
}

/// Shared pieces of the encoders: input validation, masks, head splitting, pooling.
public enum TextOps {
    /// Checks that ids and mask are non-empty, rectangular and of equal shape; returns (batch, tokens).
    public static func validate(ids: [[Int]], mask: [[Int]], maxLength: Int? = nil, vocabSize: Int? = nil) throws -> (Int, Int) {
        guard let first = ids.first, !first.isEmpty else {
            throw TextError.invalidArgument("ids", "expected at least one non-empty sequence")
        }
        let t = first.count
        for (i, row) in ids.enumerated() where row.count != t {
            throw TextError.invalidArgument("ids", "row \(i) has \(row.count) tokens, row 0 has \(t): pad the batch to one length")
        }
        guard mask.count == ids.count else {
            throw TextError.invalidArgument("mask", "\(mask.count) rows for \(ids.count) rows of ids")
        }
        for (i, row) in mask.enumerated() where row.count != t {
            throw TextError.invalidArgument("mask", "row \(i) has \(row.count) entries, ids have \(t)")
        }
        if let maxLength, t > maxLength {
            throw TextError.invalidArgument("ids", "\(t) tokens exceed the model's maximum of \(maxLength)")
        }
        if let vocabSize, let bad = ids.joined().first(where: { $0 < 0 || $0 >= vocabSize }) {
            throw TextError.invalidArgument("ids", "token id \(bad) outside the vocabulary 0..<\(vocabSize)")
        }
        return (ids.count, t)
    }

    /// The mask as a float tensor [batch, tokens].
    public static func maskTensor(_ mask: [[Int]]) -> Tensor {
        Tensor(shape: [mask.count, mask.first?.count ?? 0], data: mask.joined().map { $0 != 0 ? 1 : 0 })
    }

    /// The additive padding mask [batch, 1, 1, tokens]: 0 where attended, float32 min where padded
    /// (transformers' extended attention mask).
    public static func additivePaddingMask(_ mask: [[Int]]) -> Tensor {
        let t = mask.first?.count ?? 0
        return Tensor(shape: [mask.count, 1, 1, t], data: mask.joined().map { $0 != 0 ? 0 : -Float.greatestFiniteMagnitude })
    }

    /// [batch, tokens, heads * d] -> [batch, heads, tokens, d].
    public static func splitHeads(_ x: Tensor, heads: Int) throws -> Tensor {
        let b = x.shape[0], t = x.shape[1], d = x.shape[2] / heads
        return try x.reshape([b, t, heads, d]).permute([0, 2, 1, 3])
    }

    /// [batch, heads, tokens, d] -> [batch, tokens, heads * d].
    public static func mergeHeads(_ x: Tensor) throws -> Tensor {
        let b = x.shape[0], h = x.shape[1], t = x.shape[2], d = x.shape[3]
        return try x.permute([0, 2, 1, 3]).reshape([b, t, h * d])
    }

    /// Mean of `hidden` [batch, tokens, dim] over the tokens where `mask` [batch, tokens] is 1
    /// (sentence-transformers' mean pooling: the count is clamped to 1e-9).
    public static func maskedMean(_ hidden: Tensor, mask: Tensor) throws -> Tensor {
        let m = try mask.unsqueeze(-1)
        let summed = try (hidden * m).sum(axis: 1)
        let counts = try mask.sum(axis: 1, keepDim: true).clamp(min: 1e-9)
        return try summed / counts
    }

    /// Rows of `x` [.., dim] divided by max(L2 norm, 1e-12) (torch.nn.functional.normalize).
    public static func l2Normalize(_ x: Tensor) throws -> Tensor {
        let norm = try (x * x).sum(axis: -1, keepDim: true).sqrt().clamp(min: 1e-12)
        return try x / norm
    }

    /// Rows `index[b]` of `hidden` [batch, tokens, dim] -> [batch, dim].
    public static func gatherTokens(_ hidden: Tensor, _ index: [Int]) throws -> Tensor {
        let b = hidden.shape[0], t = hidden.shape[1], d = hidden.shape[2]
        let flat = try hidden.reshape([b * t, d])
        return try flat.indexSelect(axis: 0, index.enumerated().map { $0.offset * t + $0.element })
    }
}

/// A Hugging Face config.json, read with typed look-ups that name the file on error.
public struct HFConfig {
    public let values: [String: Any]
    public let source: String

    public init(values: [String: Any], source: String) {
        self.values = values
        self.source = source
    }

    /// Reads and parses a config.json file.
    public init(contentsOf path: String) throws {
        guard FileManager.default.fileExists(atPath: path) else { throw TextError.file(path, "no such file") }
        let data: Data
        do { data = try Data(contentsOf: URL(fileURLWithPath: path)) } catch {
            throw TextError.file(path, "cannot read: \(error.localizedDescription)")
        }
        guard let obj = try? JSONSerialization.jsonObject(with: data), let dict = obj as? [String: Any] else {
            throw TextError.file(path, "not a JSON object")
        }
        self.init(values: dict, source: path)
    }

    public func has(_ key: String) -> Bool { values[key] != nil && !(values[key] is NSNull) }

    public func int(_ key: String) throws -> Int {
        guard let n = values[key] as? NSNumber else { throw TextError.file(source, "missing integer '\(key)'") }
        return n.intValue
    }

    public func int(_ key: String, default d: Int) -> Int { (values[key] as? NSNumber)?.intValue ?? d }
    public func optionalInt(_ key: String) -> Int? { (values[key] as? NSNumber)?.intValue }
    public func float(_ key: String, default d: Float) -> Float { (values[key] as? NSNumber)?.floatValue ?? d }
    public func string(_ key: String, default d: String) -> String { (values[key] as? String) ?? d }
    public func optionalString(_ key: String) -> String? { values[key] as? String }
    public func bool(_ key: String, default d: Bool) -> Bool { (values[key] as? NSNumber)?.boolValue ?? d }
    public var architectures: [String] { (values["architectures"] as? [String]) ?? [] }
    public var modelType: String? { values["model_type"] as? String }

    /// A nested config (e.g. `text_config` of a two-tower model).
    public func sub(_ key: String) -> HFConfig? {
        (values[key] as? [String: Any]).map { HFConfig(values: $0, source: "\(source) [\(key)]") }
    }
}

/// Strict state-dict loading with the key translations checkpoints need.
enum CheckpointKeys {
    /// Keeps keys under `prefixes` (stripping the first matching `strip` prefix first), dropping the rest.
    static func select(_ state: [String: Tensor], keep prefixes: [String], strip: [String] = []) -> [String: Tensor] {
        var out: [String: Tensor] = [:]
        for (k, v) in state {
            var key = k
            if let p = strip.first(where: { key.hasPrefix($0) }) { key = String(key.dropFirst(p.count)) }
            if prefixes.contains(where: { key.hasPrefix($0) }) { out[key] = v }
        }
        return out
    }

    /// Whether any key starts with `prefix`.
    static func any(_ state: [String: Tensor], _ prefix: String) -> Bool { state.keys.contains { $0.hasPrefix(prefix) } }
}
