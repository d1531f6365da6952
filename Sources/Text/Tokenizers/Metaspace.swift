/// SentencePiece's word marking: spaces become "▁", a "▁" may be prepended, and each "▁" starts a new word.
struct MetaspacePreTokenizer: PreTokenizer {
    /// When to put a replacement character in front of a piece that lacks one.
    enum PrependScheme: String, Sendable {
        case always, first, never
    }

    var replacement: Unicode.Scalar = "▁"
    var prependScheme: PrependScheme = .always
    var split = true

    func preTokenize(_ piece: Piece) -> [Piece] {
        var p = piece
        p.text = p.text.map { $0 == " " ? replacement : $0 }
        let prepend: Bool
        switch prependScheme {
        case .always: prepend = true
        case .first: prepend = piece.atStart
        case .never: prepend = false
        }
        if prepend && p.text.first != replacement { p.text.insert(replacement, at: 0) }
        guard split else { return [p] }
        let marks = p.text.indices.filter { p.text[$0] == replacement }.map { $0..<($0 + 1) }
        return p.split(SplitBehavior.mergedWithNext.split(p.text, matches: marks))
    }
}
