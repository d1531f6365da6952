import Foundation
import Tensors

/// Prompts to encodings: a tokenizer and an encoder, run without gradients. (Caching per prompt, pooling and
/// projection for a UNet are Diffusion's `PromptConditioning`.)
public final class TextConditioner {
    public let tokenizer: any Tokenizer
    public let encoder: any TextEncoder
    /// Sequences are truncated to this many tokens (special tokens included).
    public let maxLength: Int
    /// Pad every batch to `maxLength` (as pipelines calling the tokenizer with padding="max_length")
    /// instead of to its longest prompt.
    public let padToMaxLength: Bool
    /// `maxLength` defaults to (and is capped at) the encoder's limit.
    public init(tokenizer: any Tokenizer, encoder: any TextEncoder, maxLength: Int? = nil, padToMaxLength: Bool = false) {
        self.tokenizer = tokenizer
        self.encoder = encoder
        self.maxLength = Swift.min(maxLength ?? encoder.maxLength, encoder.maxLength)
        self.padToMaxLength = padToMaxLength
    }

    /// The encoder of `encoderFolder` (see `TextEncoderLoader`) with the tokenizer of `tokenizerFolder`
    /// (the same folder by default; diffusers pipelines keep it in a sibling `tokenizer/`).
    public static func load(encoderFolder: URL, tokenizerFolder: URL? = nil, maxLength: Int? = nil,
                            padToMaxLength: Bool = false) throws -> TextConditioner {
        let encoder = try TextEncoderLoader.load(folder: encoderFolder)
        let tokenizer = try AutoTokenizer.load(folder: tokenizerFolder ?? encoderFolder)
        return TextConditioner(tokenizer: tokenizer, encoder: encoder, maxLength: maxLength,
                               padToMaxLength: padToMaxLength)
    }

    /// Token ids and mask for `texts`: special tokens added, truncated to `maxLength`, padded.
    public func tokenize(_ texts: [String]) -> (ids: [[Int]], mask: [[Int]]) {
        let r = tokenizer.encode(batch: texts, maxLength: maxLength, padding: padToMaxLength ? .maxLength : .longest,
                                 truncation: true)
        return (r.ids, r.attentionMask)
    }

    /// The encoding of `texts` (one row each), without recording gradients.
    public func encode(_ texts: [String]) throws -> TextEncoding {
        guard !texts.isEmpty else { throw TextError.invalidArgument("texts", "expected at least one prompt") }
        let (ids, mask) = tokenize(texts)
        return try GradMode.noGrad { try encoder.encode(ids: ids, mask: mask) }
    }
}
