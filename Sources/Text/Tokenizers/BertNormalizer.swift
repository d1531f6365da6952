/// BERT's normalizer: clean control characters, space out CJK ideographs, strip accents, lowercase.
struct BertNormalizer: Normalizer {
    var cleanText = true
    var handleChineseChars = true
    /// nil means "follow `lowercase`", which is how BERT uncased models strip accents.
    var stripAccents: Bool? = nil
    var lowercase = true

    func normalize(_ text: [Unicode.Scalar]) -> [Unicode.Scalar] {
        var s = text
        if cleanText {
            var out: [Unicode.Scalar] = []
            out.reserveCapacity(s.count)
            for c in s where !(c.value == 0 || c.value == 0xFFFD || UnicodeClass.isBertControl(c)) {
                out.append(UnicodeClass.isBertWhitespace(c) ? " " : c)
            }
            s = out
        }
        if handleChineseChars && s.contains(where: UnicodeClass.isChineseCharacter) {
            var out: [Unicode.Scalar] = []
            for c in s {
                if UnicodeClass.isChineseCharacter(c) {
                    out.append(" "); out.append(c); out.append(" ")
                } else {
                    out.append(c)
                }
            }
            s = out
        }
        if stripAccents ?? lowercase {
            s = StripAccentsNormalizer().normalize(UnicodeNormalizer(form: .nfd).normalize(s))
        }
        if lowercase {
            s = UnicodeClass.lowercased(s)
        }
        return s
    }
}
