import Foundation

/// One decoding step: rewrites the token strings of an id sequence; the results are finally concatenated.
protocol TokenDecoder: Sendable {
    func decode(_ tokens: [String]) -> [String]
}

/// Maps byte-level characters back to bytes and reads them as UTF-8 (invalid bytes become U+FFFD).
struct ByteLevelDecoder: TokenDecoder {
    func decode(_ tokens: [String]) -> [String] {
        var bytes: [UInt8] = []
        for t in tokens {
            let mapped = t.unicodeScalars.map { ByteLevel.charToByte[$0] }
            // A token that is not byte-level text (an added token, say) contributes its own UTF-8.
            if mapped.allSatisfy({ $0 != nil }) { bytes += mapped.map { $0! } } else { bytes += Array(t.utf8) }
        }
        return [String(decoding: bytes, as: UTF8.self)]
    }
}

/// Joins WordPiece pieces: "##" pieces attach to the previous one, others get a space; optional BERT cleanup.
struct WordPieceDecoder: TokenDecoder {
    var prefix = "##"
    var cleanup = true

    func decode(_ tokens: [String]) -> [String] {
        tokens.enumerated().map { i, token in
            var t = token
            if i != 0 {
                if t.hasScalarPrefix(prefix) { t = t.droppingScalars(prefix.unicodeScalars.count) } else { t = " " + t }
            }
            return cleanup ? Self.cleanUp(t) : t
        }
    }

    /// Undoes the spaces BERT's punctuation splitting put before punctuation and contractions.
    static func cleanUp(_ s: String) -> String {
        var s = s
        for (from, to) in [(" .", "."), (" ?", "?"), (" !", "!"), (" ,", ","), (" ' ", "'"), (" n't", "n't"),
                           (" 'm", "'m"), (" do not", " don't"), (" 's", "'s"), (" 've", "'ve"), (" 're", "'re")] {
            s = s.replacingAll(from, with: to)
        }
        return s
    }
}

/// Turns "▁" back into spaces, dropping the one the pre-tokenizer prepended.
struct MetaspaceDecoder: TokenDecoder {
    var replacement: Unicode.Scalar = "▁"
    var stripFirstSpace = true

    func decode(_ tokens: [String]) -> [String] {
        tokens.enumerated().map { i, token in
            var s = token.scalars.map { $0 == replacement ? " " : $0 }
            if i == 0 && stripFirstSpace && s.first == " " { s.removeFirst() }
            return s.string
        }
    }
}

/// CLIP's BPE decoder: the end-of-word suffix becomes a space (none after the last token).
struct BPESuffixDecoder: TokenDecoder {
    var suffix = "</w>"

    func decode(_ tokens: [String]) -> [String] {
        tokens.enumerated().map { i, t in t.replacingAll(suffix, with: i == tokens.count - 1 ? "" : " ") }
    }
}

/// Replaces a pattern in each token.
struct ReplaceDecoder: TokenDecoder {
    let replace: ReplaceNormalizer

    func decode(_ tokens: [String]) -> [String] { tokens.map { replace.normalize($0.scalars).string } }
}

/// Turns runs of "<0xXX>" tokens back into the text their bytes spell.
struct ByteFallbackDecoder: TokenDecoder {
    func decode(_ tokens: [String]) -> [String] {
        var out: [String] = []
        var pending: [UInt8] = []
        func flush() {
            guard !pending.isEmpty else { return }
            if let s = String(bytes: pending, encoding: .utf8) {
                out.append(s)
            } else {
                // Invalid UTF-8 yields one replacement character per byte, as in the reference.
                out += Array(repeating: "\u{FFFD}", count: pending.count)
            }
            pending = []
        }
        for t in tokens {
            if let b = Self.byte(t) { pending.append(b) } else { flush(); out.append(t) }
        }
        flush()
        return out
    }

    private static func byte(_ t: String) -> UInt8? {
        let u = Array(t.utf8)
        guard u.count == 6, u.starts(with: Array("<0x".utf8)), u[5] == UInt8(ascii: ">") else { return nil }
        return UInt8(String(decoding: u[3..<5], as: UTF8.self), radix: 16)
    }
}

/// Concatenates all tokens into one.
struct FuseDecoder: TokenDecoder {
    func decode(_ tokens: [String]) -> [String] { [tokens.joined()] }
}

/// Removes up to `start` leading and `stop` trailing occurrences of a character from each token.
struct StripDecoder: TokenDecoder {
    let content: Unicode.Scalar
    let start: Int
    let stop: Int

    func decode(_ tokens: [String]) -> [String] {
        tokens.map { token in
            var s = token.scalars
            var lo = 0, hi = s.count
            while lo < min(start, s.count) && s[lo] == content { lo += 1 }
            var removed = 0
            while removed < stop && hi > lo && s[hi - 1] == content { hi -= 1; removed += 1 }
            s = Array(s[lo..<hi])
            return s.string
        }
    }
}

/// Applies decoders in order.
struct SequenceDecoder: TokenDecoder {
    let steps: [any TokenDecoder]

    func decode(_ tokens: [String]) -> [String] { steps.reduce(tokens) { $1.decode($0) } }
}

extension String {
    /// Literal, non-overlapping replacement of every occurrence (Foundation-free, scalar-exact).
    func replacingAll(_ target: String, with replacement: String) -> String {
        ReplaceNormalizer(pattern: .literal(target.scalars), content: replacement.scalars).normalize(scalars).string
    }
}

/// transformers' CLIP decode: after byte-level decoding, each "</w>" becomes a space and the ends are trimmed.
/// The tokenizers library alone would leave "</w>" in the text, since CLIP's decoder is plain ByteLevel.
struct EndOfWordCleanupDecoder: TokenDecoder {
    let suffix: String

    func decode(_ tokens: [String]) -> [String] {
        let s = tokens.joined().replacingAll(suffix, with: " ").scalars
        return [StripNormalizer(left: true, right: true).normalize(s).string]
    }
}
