/// BERT's WordPiece: greedy longest-match-first, continuation pieces prefixed with "##".
struct WordPieceModel: TokenModel {
    let vocabulary: Vocabulary
    let unkId: Int
    var continuingSubwordPrefix = "##"
    var maxInputCharsPerWord = 100

    func tokenize(_ word: [Unicode.Scalar]) -> [Int] {
        if word.isEmpty { return [] }
        // Over-long words are not worth searching: the reference emits a single unknown token.
        if word.count > maxInputCharsPerWord { return [unkId] }
        var ids: [Int] = []
        var start = 0
        while start < word.count {
            var end = word.count
            var found: Int?
            while start < end {
                var piece = Array(word[start..<end]).string
                if start > 0 { piece = continuingSubwordPrefix + piece }
                if let id = vocabulary[piece] {
                    found = id
                    break
                }
                end -= 1
            }
            // One unmatchable position makes the whole word unknown, as in BERT.
            guard let id = found else { return [unkId] }
            ids.append(id)
            start = end
        }
        return ids
    }
}
