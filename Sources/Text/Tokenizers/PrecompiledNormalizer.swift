import Foundation

/// SentencePiece's compiled normalization rules (`precompiled_charsmap`), as T5 and other Unigram models ship them.
///
/// The blob is `[u32 trie size in bytes][Darts double-array trie][NUL-separated replacement strings]`;
/// the trie maps UTF-8 byte sequences to offsets of their replacements. When the blob is absent or
/// malformed we fall back to what nearly every shipped charsmap encodes — NFKC plus the nmt rules
/// for odd spaces and controls — so a model still tokenizes sensibly rather than failing to load.
struct PrecompiledNormalizer: Normalizer {
    private let trie: [UInt32]
    private let replacements: [UInt8]
    let usesFallback: Bool

    init(base64 charsmap: String?) {
        guard let charsmap, let data = Data(base64Encoded: charsmap), data.count >= 4 else {
            self.init(trie: [], replacements: [], usesFallback: true)
            return
        }
        let bytes = [UInt8](data)
        let trieSize = Int(UInt32(bytes[0]) | UInt32(bytes[1]) << 8 | UInt32(bytes[2]) << 16 | UInt32(bytes[3]) << 24)
        guard trieSize % 4 == 0, 4 + trieSize <= bytes.count, trieSize > 0 else {
            self.init(trie: [], replacements: [], usesFallback: true)
            return
        }
        var units = [UInt32](repeating: 0, count: trieSize / 4)
        for k in 0..<units.count {
            let o = 4 + 4 * k
            units[k] = UInt32(bytes[o]) | UInt32(bytes[o + 1]) << 8 | UInt32(bytes[o + 2]) << 16 | UInt32(bytes[o + 3]) << 24
        }
        self.init(trie: units, replacements: Array(bytes[(4 + trieSize)...]), usesFallback: false)
    }

    private init(trie: [UInt32], replacements: [UInt8], usesFallback: Bool) {
        self.trie = trie
        self.replacements = replacements
        self.usesFallback = usesFallback
    }

    func normalize(_ text: [Unicode.Scalar]) -> [Unicode.Scalar] {
        if usesFallback {
            return NmtNormalizer().normalize(UnicodeNormalizer(form: .nfkc).normalize(text))
        }
        // The reference looks up whole graphemes shorter than 6 UTF-8 bytes first, then scalar by scalar.
        var out: [Unicode.Scalar] = []
        out.reserveCapacity(text.count)
        for grapheme in text.string {
            let utf8 = Array(grapheme.utf8)
            if utf8.count < 6, let rep = transform(utf8) {
                out.append(contentsOf: rep)
                continue
            }
            for c in grapheme.unicodeScalars {
                if let rep = transform(Array(String(c).utf8)) {
                    out.append(contentsOf: rep)
                } else {
                    out.append(c)
                }
            }
        }
        return out
    }

    /// The replacement for the first (shortest) key that prefixes `key`, as SentencePiece does.
    private func transform(_ key: [UInt8]) -> [Unicode.Scalar]? {
        guard let offset = firstPrefixValue(key), offset < replacements.count else { return nil }
        var end = offset
        while end < replacements.count && replacements[end] != 0 { end += 1 }
        return String(decoding: replacements[offset..<end], as: UTF8.self).scalars
    }

    /// Darts-clone's common-prefix search, stopping at the first hit.
    private func firstPrefixValue(_ key: [UInt8]) -> Int? {
        func offset(_ unit: UInt32) -> Int { Int((unit >> 10) << ((unit & (1 << 9)) >> 6)) }
        var node = 0
        guard !trie.isEmpty else { return nil }
        node ^= offset(trie[0])
        for c in key {
            if c == 0 { break }
            node ^= Int(c)
            guard node >= 0, node < trie.count else { return nil }
            let unit = trie[node]
            if unit & ((1 << 31) | 0xFF) != UInt32(c) { return nil }
            node ^= offset(unit)
            guard node < trie.count else { return nil }
            if (unit >> 8) & 1 == 1 {
                return Int(trie[node] & ((1 << 31) - 1))
            }
        }
        return nil
    }
}
