/// A token <-> id table, keyed scalar-exactly (see `ExactString`).
struct Vocabulary: Sendable {
    let tokenToId: [ExactString: Int]
    let idToToken: [Int: String]

    /// Entries in file order; a token listed twice keeps its last id, as the reference's hash maps do.
    init(_ entries: [(String, Int)]) {
        var forward: [ExactString: Int] = [:]
        forward.reserveCapacity(entries.count)
        for (t, i) in entries { forward[ExactString(t)] = i }
        tokenToId = forward
        var inverse: [Int: String] = [:]
        inverse.reserveCapacity(forward.count)
        for (t, i) in forward { inverse[i] = t.string }
        idToToken = inverse
    }

    subscript(token: String) -> Int? { tokenToId[ExactString(token)] }
    var count: Int { tokenToId.count }
    var tokens: Dictionary<ExactString, Int>.Keys { tokenToId.keys }

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
