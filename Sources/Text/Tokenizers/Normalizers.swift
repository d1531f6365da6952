import Foundation

/// One normalization step applied to a text segment before it is split into words.
protocol Normalizer: Sendable {
    func normalize(_ text: [Unicode.Scalar]) -> [Unicode.Scalar]
}

/// The four Unicode normalization forms, computed by Foundation.
struct UnicodeNormalizer: Normalizer {
    enum Form: String, Sendable { case nfc = "NFC", nfd = "NFD", nfkc = "NFKC", nfkd = "NFKD" }
    let form: Form

    func normalize(_ text: [Unicode.Scalar]) -> [Unicode.Scalar] {
        // ASCII is invariant under every form; skipping Foundation keeps the common case cheap.
        if text.allSatisfy(\.isASCII) { return text }
        let s = text.string
        switch form {
        case .nfc: return s.precomposedStringWithCanonicalMapping.scalars
        case .nfd: return s.decomposedStringWithCanonicalMapping.scalars
        case .nfkc: return s.precomposedStringWithCompatibilityMapping.scalars
        case .nfkd: return s.decomposedStringWithCompatibilityMapping.scalars
        }
    }
}

/// Per-scalar lowercasing, as Rust's `char::to_lowercase`.
struct LowercaseNormalizer: Normalizer {
    func normalize(_ text: [Unicode.Scalar]) -> [Unicode.Scalar] { UnicodeClass.lowercased(text) }
}

/// Removes leading and/or trailing whitespace.
struct StripNormalizer: Normalizer {
    let left: Bool
    let right: Bool

    func normalize(_ text: [Unicode.Scalar]) -> [Unicode.Scalar] {
        var lo = 0, hi = text.count
        if left { while lo < hi && UnicodeClass.isWhitespace(text[lo]) { lo += 1 } }
        if right { while hi > lo && UnicodeClass.isWhitespace(text[hi - 1]) { hi -= 1 } }
        return Array(text[lo..<hi])
    }
}

/// Drops nonspacing marks; meaningful after NFD, where accents are separate scalars.
struct StripAccentsNormalizer: Normalizer {
    func normalize(_ text: [Unicode.Scalar]) -> [Unicode.Scalar] {
        text.filter { $0.properties.generalCategory != .nonspacingMark }
    }
}

/// Replaces every match of a pattern with fixed content.
struct ReplaceNormalizer: Normalizer {
    let pattern: Pattern
    let content: [Unicode.Scalar]

    func normalize(_ text: [Unicode.Scalar]) -> [Unicode.Scalar] {
        let found = pattern.matches(in: text)
        if found.isEmpty { return text }
        var out: [Unicode.Scalar] = []
        var prev = 0
        for r in found {
            out.append(contentsOf: text[prev..<r.lowerBound])
            out.append(contentsOf: content)
            prev = r.upperBound
        }
        out.append(contentsOf: text[prev...])
        return out
    }
}

/// Prepends a fixed string to non-empty text (SentencePiece-style tokenizers prepend "▁").
struct PrependNormalizer: Normalizer {
    let prefix: [Unicode.Scalar]

    func normalize(_ text: [Unicode.Scalar]) -> [Unicode.Scalar] {
        text.isEmpty ? text : prefix + text
    }
}

/// SentencePiece's "nmt" rule as Hugging Face implements it: drop ASCII controls, map odd spaces to " ".
struct NmtNormalizer: Normalizer {
    func normalize(_ text: [Unicode.Scalar]) -> [Unicode.Scalar] {
        var out: [Unicode.Scalar] = []
        out.reserveCapacity(text.count)
        for c in text {
            switch c.value {
            case 0x01...0x08, 0x0B, 0x0E...0x1F, 0x7F, 0x8F, 0x9F:
                continue
            case 0x09, 0x0A, 0x0C, 0x0D, 0x1680, 0x200B...0x200F, 0x2028, 0x2029, 0x2581, 0xFEFF, 0xFFFD:
                out.append(" ")
            default:
                out.append(c)
            }
        }
        return out
    }
}

/// Applies normalizers in order.
struct SequenceNormalizer: Normalizer {
    let steps: [any Normalizer]

    func normalize(_ text: [Unicode.Scalar]) -> [Unicode.Scalar] {
        steps.reduce(text) { $1.normalize($0) }
    }
}
