/// SentencePiece's Unigram model: the segmentation of a word that maximizes the summed piece log-probabilities.
struct UnigramModel: TokenModel {
    let vocabulary: Vocabulary
    private let scores: [Int: Double]
    let unkId: Int?
    let byteFallback: Bool
    let fuseUnk = true
    /// Unknown characters cost this much below the worst piece, as in SentencePiece.
    private let unkScore: Double
    /// Longest piece in UTF-8 bytes: bounds the candidate search at each position.
    private let maxPieceBytes: Int

    init(pieces: [(String, Double)], unkId: Int?, byteFallback: Bool, source: String) throws {
        var scores: [Int: Double] = [:]
        var minScore = Double.infinity
        var maxBytes = 1
        for (id, (piece, score)) in pieces.enumerated() {
            scores[id] = score
            minScore = min(minScore, score)
            maxBytes = max(maxBytes, piece.utf8.count)
        }
        if let unkId, !(0..<pieces.count).contains(unkId) {
            throw TextError.file(source, "key 'model.unk_id': \(unkId) is outside the vocabulary of \(pieces.count) pieces")
        }
        vocabulary = Vocabulary(pieces.enumerated().map { ($0.element.0, $0.offset) })  // duplicates: last id wins
        self.scores = scores
        self.unkId = unkId
        self.byteFallback = byteFallback
        unkScore = (minScore.isFinite ? minScore : 0) - 10
        maxPieceBytes = maxBytes
    }

    func tokenize(_ word: [Unicode.Scalar]) -> [Int] {
        if word.isEmpty { return [] }
        // Work in UTF-8 byte offsets like the reference, so tie-breaking follows the same order.
        let bytes = Array(word.string.utf8)
        var charStarts: [Int] = []
        var boundary = [Bool](repeating: false, count: bytes.count + 1)
        var o = 0
        for c in word {
            charStarts.append(o)
            boundary[o] = true
            o += String(c).utf8.count
        }
        boundary[bytes.count] = true

        // best[end] = (score of best path ending at end, start of its last piece, piece id)
        var best = [(score: Double, start: Int, id: Int)?](repeating: nil, count: bytes.count + 1)
        best[0] = (0, 0, -1)
        for (k, start) in charStarts.enumerated() {
            guard let here = best[start] else { continue }
            let charEnd = k + 1 < charStarts.count ? charStarts[k + 1] : bytes.count
            var hasSingle = false
            var end = start + 1
            while end <= min(bytes.count, start + maxPieceBytes) {
                defer { end += 1 }
                guard boundary[end] else { continue }
                let piece = String(decoding: bytes[start..<end], as: UTF8.self)
                guard let id = vocabulary[piece], let s = scores[id] else { continue }
                let candidate = here.score + s
                if best[end] == nil || candidate > best[end]!.score { best[end] = (candidate, start, id) }
                if end == charEnd { hasSingle = true }
            }
            if !hasSingle, let u = unkId {
                let candidate = here.score + unkScore
                if best[charEnd] == nil || candidate > best[charEnd]!.score { best[charEnd] = (candidate, start, u) }
            }
        }

        // Walk back, fusing runs of unknown characters into one piece.
        var pieces: [(start: Int, end: Int, id: Int)] = []
        var end = bytes.count
        while end > 0 {
            guard let node = best[end] else { return unkId.map { [$0] } ?? [] }
            if fuseUnk, node.id == unkId, let last = pieces.last, last.id == unkId, last.start == end {
                pieces[pieces.count - 1] = (node.start, last.end, node.id)
            } else {
                pieces.append((node.start, end, node.id))
            }
            end = node.start
        }
        var ids: [Int] = []
        for p in pieces.reversed() {
            guard p.id == unkId else { ids.append(p.id); continue }
            let raw = Array(bytes[p.start..<p.end])
            // A fused unknown run that happens to spell a vocabulary piece maps to it, as in the reference.
            if let id = vocabulary[String(decoding: raw, as: UTF8.self)] { ids.append(id); continue }
            if byteFallback {
                let byteIds = raw.map { vocabulary[Vocabulary.byteToken($0)] }
                if byteIds.allSatisfy({ $0 != nil }) { ids += byteIds.map { $0! }; continue }
            }
            ids.append(p.id)
        }
        return ids
    }
}
