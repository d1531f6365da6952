/// A token <-> id table.
struct Vocabulary: Sendable {
    let tokenToId: [String: Int]
    let idToToken: [Int: String]

    init(_ tokenToId: [String: Int]) {
        self.tokenToId = tokenToId
        var inverse: [Int: String] = [:]
        inverse.reserveCapacity(tokenToId.count)
        for (t, i) in tokenToId { inverse[i] = t }
        idToToken = inverse
    }

    subscript(token: String) -> Int? { tokenToId[token] }
    var count: Int { tokenToId.count }

    /// The SentencePiece spelling of a raw byte, used by `byte_fallback` models: "<0x0A>".
    static func byteToken(_ b: UInt8) -> String {
        let hex = String(b, radix: 16, uppercase: true)
        return "<0x" + (hex.count == 1 ? "0" + hex : hex) + ">"
    }
}

/// The model stage: turns one pre-tokenized word into ids.
protocol TokenModel: Sendable {
    var vocabulary: Vocabulary { get }
    func tokenize(_ word: [Unicode.Scalar]) -> [Int]
}
