/// Byte-pair encoding: start from characters, repeatedly merge the adjacent pair with the best (lowest) rank.
struct BPEModel: TokenModel {
    let vocabulary: Vocabulary
    /// (left id, right id) packed in 64 bits -> (rank, merged id).
    private let merges: [UInt64: (rank: Int, id: Int)]
    let unkId: Int?
    let fuseUnk: Bool
    let byteFallback: Bool
    let continuingSubwordPrefix: String?
    /// CLIP marks the last symbol of a word with "</w>".
    let endOfWordSuffix: String?
    let ignoreMerges: Bool

    /// - Parameters:
    ///   - merges: pairs in rank order, as the file lists them.
    ///   - source: the file the merges came from, for error messages.
    init(vocab: Vocabulary, merges: [(String, String)], unkToken: String?, fuseUnk: Bool = false,
         byteFallback: Bool = false, continuingSubwordPrefix: String? = nil, endOfWordSuffix: String? = nil,
         ignoreMerges: Bool = false, source: String) throws {
        vocabulary = vocab
        if let unkToken {
            guard let id = vocab[unkToken] else {
                throw TextError.file(source, "unk_token \(unkToken.debugDescription) is not in the vocabulary")
            }
            unkId = id
        } else {
            unkId = nil
        }
        self.fuseUnk = fuseUnk
        self.byteFallback = byteFallback
        self.continuingSubwordPrefix = continuingSubwordPrefix.flatMap { $0.isEmpty ? nil : $0 }
        self.endOfWordSuffix = endOfWordSuffix.flatMap { $0.isEmpty ? nil : $0 }
        self.ignoreMerges = ignoreMerges
        var table: [UInt64: (rank: Int, id: Int)] = [:]
        table.reserveCapacity(merges.count)
        for (rank, (a, b)) in merges.enumerated() {
            var tail = b
            if let p = self.continuingSubwordPrefix, tail.hasScalarPrefix(p) { tail = tail.droppingScalars(p.unicodeScalars.count) }
            guard let ia = vocab[a], let ib = vocab[b], let merged = vocab[a + tail] else {
                throw TextError.file(source, "merge #\(rank + 1) \"\(a) \(b)\": expected both parts and their merge in the vocabulary")
            }
            let key = Self.pairKey(ia, ib)
            // Only the first (best-ranked) occurrence of a duplicated merge counts.
            if table[key] == nil { table[key] = (rank, merged) }
        }
        self.merges = table
    }

    private static func pairKey(_ a: Int, _ b: Int) -> UInt64 {
        UInt64(UInt32(truncatingIfNeeded: a)) << 32 | UInt64(UInt32(truncatingIfNeeded: b))
    }

    func tokenize(_ word: [Unicode.Scalar]) -> [Int] {
        if word.isEmpty { return [] }
        if ignoreMerges, let id = vocabulary[word.string] { return [id] }
        var symbols = initialSymbols(word)
        // Merge the best-ranked adjacent pair (leftmost on ties) until no pair is mergeable.
        while symbols.count > 1 {
            var best: (rank: Int, pos: Int, id: Int)?
            for k in 0..<(symbols.count - 1) {
                if let m = merges[Self.pairKey(symbols[k], symbols[k + 1])], best == nil || m.rank < best!.rank {
                    best = (m.rank, k, m.id)
                }
            }
            guard let b = best else { break }
            symbols[b.pos] = b.id
            symbols.remove(at: b.pos + 1)
        }
        return symbols
    }

    /// One symbol per character (with prefix/suffix decorations), unknown characters as byte tokens or unk.
    private func initialSymbols(_ word: [Unicode.Scalar]) -> [Int] {
        var symbols: [Int] = []
        symbols.reserveCapacity(word.count)
        var pendingUnk = false
        for (k, c) in word.enumerated() {
            var s = String(c)
            if k > 0, let p = continuingSubwordPrefix { s = p + s }
            if k == word.count - 1, let suffix = endOfWordSuffix { s += suffix }
            if let id = vocabulary[s] {
                if pendingUnk, let u = unkId { symbols.append(u) }
                pendingUnk = false
                symbols.append(id)
                continue
            }
            if byteFallback {
                let bytes = s.utf8.map { vocabulary[Vocabulary.byteToken($0)] }
                if bytes.allSatisfy({ $0 != nil }) {
                    // The reference leaves a pending unknown in place across byte tokens.
                    symbols.append(contentsOf: bytes.map { $0! })
                    continue
                }
            }
            guard let u = unkId else { continue }  // no unk token: the character is dropped, as the reference does
            if pendingUnk && !fuseUnk { symbols.append(u) }
            pendingUnk = true
        }
        if pendingUnk, let u = unkId { symbols.append(u) }
        return symbols
    }
}
