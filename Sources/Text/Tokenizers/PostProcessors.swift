/// Adds a model's special tokens around an encoded sequence (e.g. `[CLS] x [SEP]`, `<s> x </s>`, `x </s>`).
struct PostProcessor: Sendable {
    /// Ids placed before and after the sequence.
    var prefix: [Int] = []
    var suffix: [Int] = []

    /// How many ids `apply` adds; truncation reserves room for them.
    var addedCount: Int { prefix.count + suffix.count }

    func apply(_ ids: [Int]) -> [Int] { prefix + ids + suffix }

    /// `Sequence` post-processors concatenate what each adds, in order.
    func then(_ next: PostProcessor) -> PostProcessor {
        PostProcessor(prefix: next.prefix + prefix, suffix: suffix + next.suffix)
    }
}

extension PostProcessor {
    /// Parses `post_processor` from tokenizer.json; `TemplateProcessing`, `BertProcessing`,
    /// `RobertaProcessing`, `ByteLevel` (adds nothing) and `Sequence`.
    static func parse(_ node: JSONNode?) throws -> PostProcessor {
        guard let node else { return PostProcessor() }
        let type = try node.required("type").string()
        switch type {
        case "BertProcessing", "RobertaProcessing":
            func pair(_ key: String) throws -> Int {
                let p = try node.required(key).array()
                guard p.count == 2 else { throw node.fail("'\(key)' as [token, id]") }
                return try p[1].int()
            }
            return PostProcessor(prefix: [try pair("cls")], suffix: [try pair("sep")])
        case "TemplateProcessing":
            var specials: [String: [Int]] = [:]
            if let table = node["special_tokens"] {
                for (name, entry) in try table.members() {
                    specials[name] = try entry.required("ids").array().map { try $0.int() }
                }
            }
            // Single-sequence template: SpecialToken items before/after the one `Sequence` item.
            var out = PostProcessor()
            var seenSequence = false
            for item in try node.required("single").array() {
                if item["Sequence"] != nil {
                    seenSequence = true
                } else if let special = item["SpecialToken"] {
                    let name = try special.required("id").string()
                    guard let ids = specials[name] else {
                        throw TextError.file(node.file, "key '\(node.path).single': special token \(name.debugDescription) is not listed in special_tokens")
                    }
                    if seenSequence { out.suffix += ids } else { out.prefix += ids }
                } else {
                    throw item.fail("a {\"Sequence\": …} or {\"SpecialToken\": …} template item")
                }
            }
            return out
        case "ByteLevel":
            return PostProcessor()
        case "Sequence":
            return try node.required("processors").array().reduce(PostProcessor()) { try $0.then(parse($1)) }
        default:
            throw TextError.file(node.file, "key '\(node.path).type': unsupported post-processor \(type.debugDescription)")
        }
    }
}
