import Foundation
import Tensors

/// Prompts to conditioning: tokenizer + encoder + a bounded cache keyed by the prompts, so a prompt
/// list encoded again (e.g. the negative prompt of every generation) costs nothing.
public final class TextConditioner {
    public let tokenizer: any Tokenizer
    public let encoder: any TextEncoder
    /// Sequences are truncated to this many tokens (special tokens included).
    public let maxLength: Int
    /// Pad every batch to `maxLength` (as pipelines calling the tokenizer with padding="max_length")
    /// instead of to its longest prompt.
    public let padToMaxLength: Bool
    let cache: LRUCache<[String], TextEncoding>
    public private(set) var hits = 0
    public private(set) var misses = 0

    /// `maxLength` defaults to (and is capped at) the encoder's limit; `cacheCapacity` counts prompt lists.
    public init(tokenizer: any Tokenizer, encoder: any TextEncoder, maxLength: Int? = nil,
                padToMaxLength: Bool = false, cacheCapacity: Int = 64) {
        self.tokenizer = tokenizer
        self.encoder = encoder
        self.maxLength = Swift.min(maxLength ?? encoder.maxLength, encoder.maxLength)
        self.padToMaxLength = padToMaxLength
        cache = LRUCache(capacity: cacheCapacity)
    }

    /// The encoder of `encoderFolder` (see `TextEncoderLoader`) with the tokenizer of `tokenizerFolder`
    /// (the same folder by default; diffusers pipelines keep it in a sibling `tokenizer/`).
    public static func load(encoderFolder: URL, tokenizerFolder: URL? = nil, maxLength: Int? = nil,
                            padToMaxLength: Bool = false, cacheCapacity: Int = 64) throws -> TextConditioner {
        let encoder = try TextEncoderLoader.load(folder: encoderFolder)
        let tokenizer = try AutoTokenizer.load(folder: tokenizerFolder ?? encoderFolder)
        return TextConditioner(tokenizer: tokenizer, encoder: encoder, maxLength: maxLength,
                               padToMaxLength: padToMaxLength, cacheCapacity: cacheCapacity)
    }

    /// Token ids and mask for `texts`: special tokens added, truncated to `maxLength`, padded.
    public func tokenize(_ texts: [String]) -> (ids: [[Int]], mask: [[Int]]) {
        let r = tokenizer.encode(batch: texts, maxLength: maxLength, padding: padToMaxLength ? .maxLength : .longest,
                                 truncation: true)
        return (r.ids, r.attentionMask)
    }

    /// The encoding of `texts` (one row each), from the cache when this list was encoded before.
    public func encode(_ texts: [String]) throws -> TextEncoding {
        guard !texts.isEmpty else { throw TextError.invalidArgument("texts", "expected at least one prompt") }
        if let hit = cache.get(texts) {
            hits += 1
            return hit
        }
        let (ids, mask) = tokenize(texts)
        let enc = try encoder.encode(ids: ids, mask: mask)
        misses += 1
        cache.set(texts, enc)
        return enc
    }
}
