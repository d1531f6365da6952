/// A token declared in `added_tokens`: matched verbatim in the text before the model sees it.
public struct AddedToken: Sendable, Equatable {
    public var content: String
    public var id: Int
    /// Special tokens are dropped by `decode(_:skipSpecialTokens: true)`.
    public var special: Bool
    /// Matched on the raw text (false) or on the normalized text (true).
    public var normalized: Bool
    /// Also swallows the whitespace to the left / right of a match.
    public var lstrip: Bool
    public var rstrip: Bool
    /// Only matches when not inside a word.
    public var singleWord: Bool

    public init(content: String, id: Int, special: Bool = true, normalized: Bool = false,
                lstrip: Bool = false, rstrip: Bool = false, singleWord: Bool = false) {
        self.content = content
        self.id = id
        self.special = special
        self.normalized = normalized
        self.lstrip = lstrip
        self.rstrip = rstrip
        self.singleWord = singleWord
    }
}

/// One stretch of input after added-token extraction: either a known token id or text still to tokenize.
enum Segment {
    case token(Int)
    case text(Piece)
}

/// Finds added tokens in text, leftmost-longest, before (raw) or after (normalized) normalization.
struct AddedVocabulary: Sendable {
    private struct Matcher: Sendable {
        let pattern: [Unicode.Scalar]
        let token: AddedToken
    }

    let tokens: [AddedToken]
    private let raw: [Unicode.Scalar: [Matcher]]
    private let normalizedForm: [Unicode.Scalar: [Matcher]]

    init(_ tokens: [AddedToken], normalizer: (any Normalizer)?) {
        self.tokens = tokens
        var raw: [Unicode.Scalar: [Matcher]] = [:]
        var norm: [Unicode.Scalar: [Matcher]] = [:]
        for t in tokens {
            // Normalized tokens are looked for in normalized text, so normalize their content the same way.
            let pattern = t.normalized ? (normalizer?.normalize(t.content.scalars) ?? t.content.scalars) : t.content.scalars
            guard let first = pattern.first else { continue }
            if t.normalized { norm[first, default: []].append(Matcher(pattern: pattern, token: t)) }
            else { raw[first, default: []].append(Matcher(pattern: pattern, token: t)) }
        }
        // Longest first, so the first hit at a position is the leftmost-longest match.
        self.raw = raw.mapValues { $0.sorted { $0.pattern.count > $1.pattern.count } }
        normalizedForm = norm.mapValues { $0.sorted { $0.pattern.count > $1.pattern.count } }
    }

    /// Splits `text` into added tokens and normalized text pieces.
    func extract(_ text: [Unicode.Scalar], normalizer: (any Normalizer)?) -> [Segment] {
        var segments: [Segment] = []
        for (k, part) in Self.split(text, matchers: raw).enumerated() {
            switch part {
            case let .token(id):
                segments.append(.token(id))
            case let .text(r):
                let normalized = normalizer?.normalize(Array(text[r])) ?? Array(text[r])
                let atStart = k == 0 && r.lowerBound == 0
                for sub in Self.split(normalized, matchers: normalizedForm) {
                    switch sub {
                    case let .token(id): segments.append(.token(id))
                    case let .text(r2):
                        segments.append(.text(Piece(text: Array(normalized[r2]), atStart: atStart && r2.lowerBound == 0)))
                    }
                }
            }
        }
        return segments
    }

    private enum Part {
        case token(Int)
        case text(Range<Int>)
    }

    private static func split(_ t: [Unicode.Scalar], matchers: [Unicode.Scalar: [Matcher]]) -> [Part] {
        if matchers.isEmpty { return t.isEmpty ? [] : [.text(0..<t.count)] }
        var parts: [Part] = []
        var textStart = 0
        var i = 0
        scan: while i < t.count {
            for m in matchers[t[i]] ?? [] where i + m.pattern.count <= t.count
                && t[i..<(i + m.pattern.count)].elementsEqual(m.pattern) {
                var lo = i, hi = i + m.pattern.count
                if m.token.singleWord {
                    let before = lo > 0 && UnicodeClass.isWordCharacter(t[lo - 1])
                    let after = hi < t.count && UnicodeClass.isWordCharacter(t[hi])
                    if before || after { continue }
                }
                if m.token.lstrip { while lo > textStart && UnicodeClass.isWhitespace(t[lo - 1]) { lo -= 1 } }
                if m.token.rstrip { while hi < t.count && UnicodeClass.isWhitespace(t[hi]) { hi += 1 } }
                if lo > textStart { parts.append(.text(textStart..<lo)) }
                parts.append(.token(m.token.id))
                textStart = hi
                i = hi
                continue scan
            }
            i += 1
        }
        if textStart < t.count { parts.append(.text(textStart..<t.count)) }
        return parts
    }
}
