import Foundation

/// What a `Split` pre-tokenizer or a `Replace` normalizer looks for: a literal string or a regex.
enum Pattern: @unchecked Sendable {
    case literal([Unicode.Scalar])
    /// NSRegularExpression is immutable and documented thread-safe, hence the unchecked Sendable.
    case regex(NSRegularExpression)

    /// Compiles a Hugging Face (Oniguruma) regex with ICU, first rewriting `\s`/`\S` to the
    /// White_Space property: ICU's `\s` omits U+000B and U+0085, which Oniguruma's includes.
    static func regex(_ source: String, file: String, key: String) throws -> Pattern {
        var rewritten = ""
        var it = source.makeIterator()
        while let c = it.next() {
            guard c == "\\", let n = it.next() else { rewritten.append(c); continue }
            switch n {
            case "s": rewritten += "\\p{White_Space}"
            case "S": rewritten += "\\P{White_Space}"
            default: rewritten.append(c); rewritten.append(n)
            }
        }
        do {
            return .regex(try NSRegularExpression(pattern: rewritten, options: []))
        } catch {
            throw TextError.file(file, "key '\(key)': expected a valid regex, got \(source.debugDescription)")
        }
    }

    /// Non-overlapping, non-empty matches, leftmost first, as ranges of scalar offsets.
    func matches(in text: [Unicode.Scalar]) -> [Range<Int>] {
        if text.isEmpty { return [] }
        switch self {
        case let .literal(needle):
            guard !needle.isEmpty, needle.count <= text.count else { return [] }
            var out: [Range<Int>] = []
            var i = 0
            while i + needle.count <= text.count {
                if text[i] == needle[0] && text[i..<(i + needle.count)].elementsEqual(needle) {
                    out.append(i..<(i + needle.count))
                    i += needle.count
                } else {
                    i += 1
                }
            }
            return out
        case let .regex(re):
            // NSRegularExpression speaks UTF-16 offsets; map them back to scalar offsets.
            var scalarAt = [Int](repeating: 0, count: 1)
            scalarAt.reserveCapacity(text.count * 2 + 1)
            for (k, c) in text.enumerated() {
                if c.value > 0xFFFF { scalarAt.append(k) }
                scalarAt.append(k + 1)
            }
            let ns = text.string as NSString
            var out: [Range<Int>] = []
            for m in re.matches(in: ns as String, options: [], range: NSRange(location: 0, length: ns.length)) {
                let r = m.range
                guard r.location != NSNotFound, r.length > 0 else { continue }
                out.append(scalarAt[r.location]..<scalarAt[r.location + r.length])
            }
            return out
        }
    }
}

/// How a split keeps the delimiters it found, as Hugging Face's `SplitDelimiterBehavior`.
enum SplitBehavior: String, Sendable {
    case removed = "Removed"
    case isolated = "Isolated"
    case mergedWithPrevious = "MergedWithPrevious"
    case mergedWithNext = "MergedWithNext"
    case contiguous = "Contiguous"

    /// Splits `text` around `matches` (sorted, non-overlapping) and returns the kept pieces.
    func split(_ text: [Unicode.Scalar], matches: [Range<Int>], invert: Bool = false) -> [Range<Int>] {
        // Tile the text into (range, isMatch) parts, then apply the behavior exactly as the reference does.
        var parts: [(Range<Int>, Bool)] = []
        var prev = 0
        for m in matches {
            if m.lowerBound > prev { parts.append((prev..<m.lowerBound, false)) }
            parts.append((m, true))
            prev = m.upperBound
        }
        if prev < text.count { parts.append((prev..<text.count, false)) }
        if invert { parts = parts.map { ($0.0, !$0.1) } }

        var kept: [Range<Int>] = []
        switch self {
        case .removed:
            kept = parts.filter { !$0.1 }.map(\.0)
        case .isolated:
            kept = parts.map(\.0)
        case .contiguous:
            var previousMatch = false
            for (r, isMatch) in parts {
                if isMatch && previousMatch, let last = kept.last {
                    kept[kept.count - 1] = last.lowerBound..<r.upperBound
                } else {
                    kept.append(r)
                }
                previousMatch = isMatch
            }
        case .mergedWithPrevious:
            var previousMatch = false
            for (r, isMatch) in parts {
                if isMatch && !previousMatch, let last = kept.last {
                    kept[kept.count - 1] = last.lowerBound..<r.upperBound
                } else {
                    kept.append(r)
                }
                previousMatch = isMatch
            }
        case .mergedWithNext:
            var previousMatch = false
            for (r, isMatch) in parts.reversed() {
                if isMatch && !previousMatch, let last = kept.last {
                    kept[kept.count - 1] = r.lowerBound..<last.upperBound
                } else {
                    kept.append(r)
                }
                previousMatch = isMatch
            }
            kept.reverse()
        }
        return kept.filter { !$0.isEmpty }
    }
}
