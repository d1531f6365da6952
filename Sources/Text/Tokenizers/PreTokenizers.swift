/// A stretch of normalized text on its way to becoming a word for the model.
struct Piece: Sendable {
    var text: [Unicode.Scalar]
    /// Whether the piece begins the input text; Metaspace's `prepend_scheme: first` needs it.
    var atStart: Bool

    /// Sub-pieces for `ranges` of this piece's text; only one starting at offset 0 keeps `atStart`.
    func split(_ ranges: [Range<Int>]) -> [Piece] {
        ranges.map { Piece(text: Array(text[$0]), atStart: atStart && $0.lowerBound == 0) }
    }
}

/// One pre-tokenization step: splits (and may rewrite) pieces of normalized text into words.
protocol PreTokenizer: Sendable {
    func preTokenize(_ piece: Piece) -> [Piece]
}

/// Splits on whitespace (dropped) and isolates every punctuation character, as BERT does.
struct BertPreTokenizer: PreTokenizer {
    func preTokenize(_ piece: Piece) -> [Piece] {
        let t = piece.text
        let spaces = t.indices.filter { UnicodeClass.isWhitespace(t[$0]) }.map { $0..<($0 + 1) }
        var out: [Piece] = []
        for word in piece.split(SplitBehavior.removed.split(t, matches: spaces)) {
            let w = word.text
            let puncts = w.indices.filter { UnicodeClass.isBertPunctuation(w[$0]) }.map { $0..<($0 + 1) }
            out += word.split(SplitBehavior.isolated.split(w, matches: puncts))
        }
        return out
    }
}

/// Isolates (or otherwise splits on) each punctuation character.
struct PunctuationPreTokenizer: PreTokenizer {
    var behavior: SplitBehavior = .isolated

    func preTokenize(_ piece: Piece) -> [Piece] {
        let t = piece.text
        let puncts = t.indices.filter { UnicodeClass.isBertPunctuation(t[$0]) }.map { $0..<($0 + 1) }
        return piece.split(behavior.split(t, matches: puncts))
    }
}

/// Splits on whitespace only, dropping it.
struct WhitespaceSplitPreTokenizer: PreTokenizer {
    func preTokenize(_ piece: Piece) -> [Piece] {
        let t = piece.text
        let spaces = t.indices.filter { UnicodeClass.isWhitespace(t[$0]) }.map { $0..<($0 + 1) }
        return piece.split(SplitBehavior.removed.split(t, matches: spaces))
    }
}

/// The regex `\w+|[^\w\s]+`: runs of word characters and runs of other non-space characters.
struct WhitespacePreTokenizer: PreTokenizer {
    func preTokenize(_ piece: Piece) -> [Piece] {
        let t = piece.text
        // 0 = space, 1 = word, 2 = other; a run of one class (other than space) is a word.
        func cls(_ c: Unicode.Scalar) -> Int {
            UnicodeClass.isWordCharacter(c) ? 1 : (UnicodeClass.isWhitespace(c) ? 0 : 2)
        }
        var ranges: [Range<Int>] = []
        var i = 0
        while i < t.count {
            let k = cls(t[i])
            var j = i + 1
            while j < t.count && cls(t[j]) == k { j += 1 }
            if k != 0 { ranges.append(i..<j) }
            i = j
        }
        return piece.split(ranges)
    }
}

/// Splits on a literal or regex pattern with a configurable delimiter behavior (CLIP uses it with `invert`).
struct SplitPreTokenizer: PreTokenizer {
    let pattern: Pattern
    let behavior: SplitBehavior
    let invert: Bool

    func preTokenize(_ piece: Piece) -> [Piece] {
        piece.split(behavior.split(piece.text, matches: pattern.matches(in: piece.text), invert: invert))
    }
}

/// Splits numeric characters (Rust's `char::is_numeric`, i.e. \p{N}) from the rest, each alone or as runs.
struct DigitsPreTokenizer: PreTokenizer {
    let individualDigits: Bool

    func preTokenize(_ piece: Piece) -> [Piece] {
        let t = piece.text
        var ranges: [Range<Int>] = []
        var i = 0
        while i < t.count {
            let isDigit = Self.isDigit(t[i])
            var j = i + 1
            if !(isDigit && individualDigits) {
                while j < t.count && Self.isDigit(t[j]) == isDigit { j += 1 }
            }
            ranges.append(i..<j)
            i = j
        }
        return piece.split(ranges)
    }

    private static func isDigit(_ c: Unicode.Scalar) -> Bool { UnicodeClass.isNumber(c) }
}

/// Applies pre-tokenizers in order, each to every piece the previous one produced.
struct SequencePreTokenizer: PreTokenizer {
    let steps: [any PreTokenizer]

    func preTokenize(_ piece: Piece) -> [Piece] {
        steps.reduce([piece]) { pieces, step in pieces.flatMap { step.preTokenize($0) } }
    }
}
