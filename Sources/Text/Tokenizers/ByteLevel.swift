/// GPT-2's byte-level scheme: every UTF-8 byte is shown as a printable character, so a BPE
/// vocabulary of 256 base symbols covers any text without an unknown token.
enum ByteLevel {
    /// byte -> character: printable Latin-1 bytes map to themselves, the rest to U+0100 onwards.
    static let byteToChar: [Unicode.Scalar] = {
        var table = [Unicode.Scalar](repeating: " ", count: 256)
        var next: UInt32 = 256
        for b in 0..<256 {
            let printable = (33...126).contains(b) || (161...172).contains(b) || (174...255).contains(b)
            if printable {
                table[b] = Unicode.Scalar(UInt32(b))!
            } else {
                table[b] = Unicode.Scalar(next)!
                next += 1
            }
        }
        return table
    }()

    /// character -> byte, the inverse used when decoding.
    static let charToByte: [Unicode.Scalar: UInt8] = {
        var inverse: [Unicode.Scalar: UInt8] = [:]
        for (b, c) in byteToChar.enumerated() { inverse[c] = UInt8(b) }
        return inverse
    }()

    /// The byte-level spelling of some text.
    static func encode(_ text: [Unicode.Scalar]) -> [Unicode.Scalar] {
        var out: [Unicode.Scalar] = []
        out.reserveCapacity(text.count)
        for c in text {
            for b in String(c).utf8 { out.append(byteToChar[Int(b)]) }
        }
        return out
    }

    /// Ranges matched by GPT-2's split regex
    /// `'s|'t|'re|'ve|'m|'ll|'d| ?\p{L}+| ?\p{N}+| ?[^\s\p{L}\p{N}]+|\s+(?!\S)|\s+`,
    /// hand-coded because it runs on every input and must match Oniguruma's backtracking exactly.
    static func gpt2Split(_ t: [Unicode.Scalar]) -> [Range<Int>] {
        let n = t.count
        func isL(_ i: Int) -> Bool { i < n && UnicodeClass.isLetter(t[i]) }
        func isN(_ i: Int) -> Bool { i < n && UnicodeClass.isNumber(t[i]) }
        func isS(_ i: Int) -> Bool { i < n && UnicodeClass.isWhitespace(t[i]) }
        func isOther(_ i: Int) -> Bool { i < n && !isL(i) && !isN(i) && !isS(i) }
        func run(from i: Int, _ p: (Int) -> Bool) -> Int {
            var j = i
            while p(j) { j += 1 }
            return j
        }

        var out: [Range<Int>] = []
        var i = 0
        while i < n {
            // Contractions, only at the start of a match.
            if t[i] == "'" && i + 1 < n {
                let a = t[i + 1]
                if a == "s" || a == "t" || a == "m" || a == "d" {
                    out.append(i..<(i + 2)); i += 2; continue
                }
                if i + 2 < n {
                    let b = t[i + 2]
                    if (a == "r" && b == "e") || (a == "v" && b == "e") || (a == "l" && b == "l") {
                        out.append(i..<(i + 3)); i += 3; continue
                    }
                }
            }
            // An optional single leading space, then a run of one class.
            let s = t[i] == " " ? i + 1 : i
            if isL(s) { let e = run(from: s, isL); out.append(i..<e); i = e; continue }
            if isN(s) { let e = run(from: s, isN); out.append(i..<e); i = e; continue }
            if isOther(s) { let e = run(from: s, isOther); out.append(i..<e); i = e; continue }
            // Whitespace: leave the last space to prefix the next word unless the run ends the text.
            let e = run(from: i, isS)
            if e == n || e - i == 1 {
                out.append(i..<e); i = e
            } else {
                out.append(i..<(e - 1)); i = e - 1
            }
        }
        return out
    }
}

/// The ByteLevel pre-tokenizer: optional leading space, GPT-2 split, then bytes shown as characters.
struct ByteLevelPreTokenizer: PreTokenizer {
    var addPrefixSpace = false
    var useRegex = true

    func preTokenize(_ piece: Piece) -> [Piece] {
        var p = piece
        if addPrefixSpace && p.text.first != " " { p.text.insert(" ", at: 0) }
        let words = useRegex ? p.split(ByteLevel.gpt2Split(p.text)) : [p]
        return words.map { Piece(text: ByteLevel.encode($0.text), atStart: $0.atStart) }
    }
}
