/// Character classes shared by normalizers and pre-tokenizers.
///
/// Hugging Face tokenizers work on Unicode scalars (Rust `char`s), not on grapheme clusters,
/// so everything here takes a `Unicode.Scalar`; callers must iterate `unicodeScalars`.
enum UnicodeClass {
    /// Rust's `char::is_whitespace`, i.e. the Unicode White_Space property (also the `\s` of the regexes).
    static func isWhitespace(_ c: Unicode.Scalar) -> Bool {
        c.properties.isWhitespace
    }

    /// `\p{L}`.
    static func isLetter(_ c: Unicode.Scalar) -> Bool {
        switch c.properties.generalCategory {
        case .uppercaseLetter, .lowercaseLetter, .titlecaseLetter, .modifierLetter, .otherLetter: return true
        default: return false
        }
    }

    /// `\p{N}`.
    static func isNumber(_ c: Unicode.Scalar) -> Bool {
        switch c.properties.generalCategory {
        case .decimalNumber, .letterNumber, .otherNumber: return true
        default: return false
        }
    }

    /// `\p{M}`.
    static func isMark(_ c: Unicode.Scalar) -> Bool {
        switch c.properties.generalCategory {
        case .nonspacingMark, .spacingMark, .enclosingMark: return true
        default: return false
        }
    }

    /// `\w` as Oniguruma defines it for Unicode (UTS #18): Alphabetic, marks, decimal digits,
    /// connector punctuation and the zero-width joiners (so emoji ZWJ sequences split at each emoji).
    static func isWordCharacter(_ c: Unicode.Scalar) -> Bool {
        if c.properties.isAlphabetic || isMark(c) || c.properties.isJoinControl { return true }
        switch c.properties.generalCategory {
        case .decimalNumber, .connectorPunctuation: return true
        default: return false
        }
    }

    /// BERT's punctuation: any ASCII punctuation (which includes symbols such as `$` and `^`) or a Unicode P* character.
    static func isBertPunctuation(_ c: Unicode.Scalar) -> Bool {
        if c.isASCII {
            let v = c.value
            if (33...47).contains(v) || (58...64).contains(v) || (91...96).contains(v) || (123...126).contains(v) {
                return true
            }
        }
        switch c.properties.generalCategory {
        case .connectorPunctuation, .dashPunctuation, .openPunctuation, .closePunctuation,
             .initialPunctuation, .finalPunctuation, .otherPunctuation:
            return true
        default:
            return false
        }
    }

    /// BERT's "control" test: category C* except the three whitespace controls, which BERT treats as spaces.
    static func isBertControl(_ c: Unicode.Scalar) -> Bool {
        if c == "\t" || c == "\n" || c == "\r" { return false }
        switch c.properties.generalCategory {
        case .control, .format, .unassigned, .privateUse, .surrogate: return true
        default: return false
        }
    }

    /// BERT's whitespace: the White_Space property plus tab, newline and carriage return.
    static func isBertWhitespace(_ c: Unicode.Scalar) -> Bool {
        c == "\t" || c == "\n" || c == "\r" || c.properties.isWhitespace
    }

    /// The CJK ideograph blocks BERT surrounds with spaces (they are not in the vocabulary as words).
    static func isChineseCharacter(_ c: Unicode.Scalar) -> Bool {
        switch c.value {
        case 0x4E00...0x9FFF, 0x3400...0x4DBF, 0x20000...0x2A6DF, 0x2A700...0x2B73F,
             0x2B740...0x2B81F, 0x2B920...0x2CEAF, 0xF900...0xFAFF, 0x2F800...0x2FA1F:
            return true
        default:
            return false
        }
    }

    /// Rust's per-character `to_lowercase` (full mapping, no context such as final sigma).
    static func lowercased(_ s: [Unicode.Scalar]) -> [Unicode.Scalar] {
        var out: [Unicode.Scalar] = []
        out.reserveCapacity(s.count)
        for c in s {
            if c.isASCII {
                out.append(c.value >= 65 && c.value <= 90 ? Unicode.Scalar(c.value + 32)! : c)
            } else {
                out.append(contentsOf: c.properties.lowercaseMapping.unicodeScalars)
            }
        }
        return out
    }
}

extension Array where Element == Unicode.Scalar {
    /// The scalars as a `String`, preserving them exactly (no normalization happens on construction).
    var string: String {
        var view = String.UnicodeScalarView()
        view.append(contentsOf: self)
        return String(view)
    }
}

extension String {
    /// The string's Unicode scalars, the unit every tokenizer stage works on.
    var scalars: [Unicode.Scalar] { Array(unicodeScalars) }

    /// Prefix test on scalars: `String.hasPrefix` compares grapheme clusters, so "##" is not a
    /// prefix of "##🏽" (the second "#" and the skin-tone modifier form one cluster).
    func hasScalarPrefix(_ prefix: String) -> Bool { unicodeScalars.starts(with: prefix.unicodeScalars) }

    /// The string without its first `n` scalars.
    func droppingScalars(_ n: Int) -> String { String(String.UnicodeScalarView(unicodeScalars.dropFirst(n))) }

    /// Scalar-exact equality: `==` on String is canonical equivalence ("Å" == "A\u{30A}").
    func isIdentical(to other: String) -> Bool { utf8.elementsEqual(other.utf8) }
}

/// A string key compared scalar by scalar. Swift's `String` equality is canonical equivalence,
/// so a `[String: Int]` vocabulary would merge "Å" (U+00C5) with "A\u{30A}"; tokenizers don't.
struct ExactString: Hashable, Sendable {
    let string: String

    init(_ string: String) { self.string = string }

    static func == (a: ExactString, b: ExactString) -> Bool { a.string.utf8.elementsEqual(b.string.utf8) }

    func hash(into hasher: inout Hasher) {
        var s = string
        s.withUTF8 { hasher.combine(bytes: UnsafeRawBufferPointer($0)) }
    }
}
