import Foundation

extension PipelineTokenizer {
    /// Loads a Hugging Face `tokenizer.json`, reading `tokenizer_config.json` beside it when present.
    public convenience init(tokenizerJSON url: URL) throws {
        let root = try JSONNode.load(url)
        let config = try TokenizerConfig.load(folder: url.deletingLastPathComponent())
        try self.init(json: root, config: config)
    }

    /// Parses tokenizer.json content already in memory; `source` names it in error messages.
    public convenience init(tokenizerJSONData data: Data, source: String = "tokenizer.json") throws {
        try self.init(json: try JSONNode.parse(data, file: source), config: .empty)
    }

    convenience init(json root: JSONNode, config: TokenizerConfig) throws {
        let addedTokens = try (root["added_tokens"]?.array() ?? []).map { t in
            AddedToken(content: try t.required("content").string(), id: try t.required("id").int(),
                       special: try t.bool("special", default: false), normalized: try t.bool("normalized", default: false),
                       lstrip: try t.bool("lstrip", default: false), rstrip: try t.bool("rstrip", default: false),
                       singleWord: try t.bool("single_word", default: false))
        }
        let model = try TokenizerJSON.model(try root.required("model"))
        var decoder = try root["decoder"].map(TokenizerJSON.decoder)
        // CLIP's files decode with plain ByteLevel, leaving "</w>" in the text; transformers cleans it up
        // afterwards, and so do we whenever the decoder does not handle the suffix itself.
        if let bpe = model as? BPEModel, let suffix = bpe.endOfWordSuffix, !TokenizerJSON.handlesSuffix(decoder) {
            decoder = SequenceDecoder(steps: (decoder.map { [$0] } ?? [FuseDecoder()]) + [EndOfWordCleanupDecoder(suffix: suffix)])
        }
        self.init(addedTokens: addedTokens,
                  normalizer: try root["normalizer"].map(TokenizerJSON.normalizer),
                  preTokenizer: try root["pre_tokenizer"].map(TokenizerJSON.preTokenizer),
                  model: model,
                  postProcessor: try PostProcessor.parse(root["post_processor"]),
                  decoder: decoder,
                  padding: try root["padding"].map(TokenizerJSON.padding),
                  truncation: try root["truncation"].map(TokenizerJSON.truncation),
                  config: config)
    }
}

/// Builders for each section of tokenizer.json; every unsupported `type` is reported with its key path.
enum TokenizerJSON {
    static func unsupported(_ node: JSONNode, _ what: String, _ type: String) -> TextError {
        .file(node.file, "key '\(node.path).type': unsupported \(what) \(type.debugDescription)")
    }

    static func pattern(_ node: JSONNode) throws -> Pattern {
        if let s = node["String"] { return .literal(try s.string().scalars) }
        if let r = node["Regex"] { return try Pattern.regex(try r.string(), file: node.file, key: r.path) }
        throw node.fail("a pattern {\"String\": …} or {\"Regex\": …}")
    }

    static func normalizer(_ node: JSONNode) throws -> any Normalizer {
        let type = try node.required("type").string()
        switch type {
        case "BertNormalizer":
            return BertNormalizer(cleanText: try node.bool("clean_text", default: true),
                                  handleChineseChars: try node.bool("handle_chinese_chars", default: true),
                                  stripAccents: try node.optionalBool("strip_accents"),
                                  lowercase: try node.bool("lowercase", default: true))
        case "NFC", "NFD", "NFKC", "NFKD":
            return UnicodeNormalizer(form: UnicodeNormalizer.Form(rawValue: type)!)
        case "Lowercase": return LowercaseNormalizer()
        case "Strip":
            return StripNormalizer(left: try node.bool("strip_left", default: true),
                                   right: try node.bool("strip_right", default: true))
        case "StripAccents": return StripAccentsNormalizer()
        case "Replace":
            return ReplaceNormalizer(pattern: try pattern(try node.required("pattern")),
                                     content: try node.required("content").string().scalars)
        case "Prepend": return PrependNormalizer(prefix: try node.required("prepend").string().scalars)
        case "Nmt": return NmtNormalizer()
        case "Precompiled": return PrecompiledNormalizer(base64: try node.optionalString("precompiled_charsmap"))
        case "Sequence":
            return SequenceNormalizer(steps: try node.required("normalizers").array().map(normalizer))
        default:
            throw unsupported(node, "normalizer", type)
        }
    }

    static func splitBehavior(_ node: JSONNode?, default d: SplitBehavior) throws -> SplitBehavior {
        guard let node else { return d }
        guard let b = SplitBehavior(rawValue: try node.string()) else {
            throw node.fail("one of Removed, Isolated, MergedWithPrevious, MergedWithNext, Contiguous")
        }
        return b
    }

    static func metaspaceScheme(_ node: JSONNode) throws -> MetaspacePreTokenizer.PrependScheme {
        if let s = node["prepend_scheme"] {
            guard let scheme = MetaspacePreTokenizer.PrependScheme(rawValue: try s.string()) else {
                throw s.fail("one of always, first, never")
            }
            return scheme
        }
        // Files older than prepend_scheme say add_prefix_space instead.
        return try node.bool("add_prefix_space", default: true) ? .always : .never
    }

    static func replacementCharacter(_ node: JSONNode) throws -> Unicode.Scalar {
        let s = try node.string("replacement", default: "▁").scalars
        guard s.count == 1 else { throw node.fail("'replacement' to be a single character") }
        return s[0]
    }

    static func preTokenizer(_ node: JSONNode) throws -> any PreTokenizer {
        let type = try node.required("type").string()
        switch type {
        case "BertPreTokenizer": return BertPreTokenizer()
        case "ByteLevel":
            return ByteLevelPreTokenizer(addPrefixSpace: try node.bool("add_prefix_space", default: true),
                                         useRegex: try node.bool("use_regex", default: true))
        case "Metaspace":
            return MetaspacePreTokenizer(replacement: try replacementCharacter(node),
                                         prependScheme: try metaspaceScheme(node),
                                         split: try node.bool("split", default: true))
        case "Whitespace": return WhitespacePreTokenizer()
        case "WhitespaceSplit": return WhitespaceSplitPreTokenizer()
        case "Punctuation":
            return PunctuationPreTokenizer(behavior: try splitBehavior(node["behavior"], default: .isolated))
        case "Split":
            return SplitPreTokenizer(pattern: try pattern(try node.required("pattern")),
                                     behavior: try splitBehavior(try node.required("behavior"), default: .removed),
                                     invert: try node.bool("invert", default: false))
        case "Digits": return DigitsPreTokenizer(individualDigits: try node.bool("individual_digits", default: false))
        case "Sequence":
            return SequencePreTokenizer(steps: try node.required("pretokenizers").array().map(preTokenizer))
        default:
            throw unsupported(node, "pre-tokenizer", type)
        }
    }

    static func vocabObject(_ node: JSONNode) throws -> Vocabulary {
        Vocabulary(try node.members().map { token, id in (token, try id.int()) })
    }

    static func model(_ node: JSONNode) throws -> any TokenModel {
        // Very old files omit the model type; infer it from the fields present.
        let type = try node.optionalString("type")
            ?? (node["merges"] != nil ? "BPE" : (node["vocab"]?.isArray == true ? "Unigram" : "WordPiece"))
        switch type {
        case "WordPiece":
            let vocab = try vocabObject(try node.required("vocab"))
            let unk = try node.string("unk_token", default: "[UNK]")
            guard let unkId = vocab[unk] else {
                throw TextError.file(node.file, "key '\(node.path).unk_token': \(unk.debugDescription) is not in the vocabulary")
            }
            return WordPieceModel(vocabulary: vocab, unkId: unkId,
                                  continuingSubwordPrefix: try node.string("continuing_subword_prefix", default: "##"),
                                  maxInputCharsPerWord: try node.optionalInt("max_input_chars_per_word") ?? 100)
        case "BPE":
            let merges: [(String, String)] = try node.required("merges").array().map { m in
                if let line = m.stringValue {
                    let parts = line.split(separator: " ", omittingEmptySubsequences: false)
                    guard parts.count == 2 else { throw m.fail("a merge \"left right\"") }
                    return (String(parts[0]), String(parts[1]))
                }
                let pair = try m.array()
                guard pair.count == 2 else { throw m.fail("a merge [left, right]") }
                return (try pair[0].string(), try pair[1].string())
            }
            // `dropout` only matters for training-time sampling; encoding here is deterministic.
            return try BPEModel(vocab: try vocabObject(try node.required("vocab")), merges: merges,
                                unkToken: try node.optionalString("unk_token"),
                                fuseUnk: try node.bool("fuse_unk", default: false),
                                byteFallback: try node.bool("byte_fallback", default: false),
                                continuingSubwordPrefix: try node.optionalString("continuing_subword_prefix"),
                                endOfWordSuffix: try node.optionalString("end_of_word_suffix"),
                                ignoreMerges: try node.bool("ignore_merges", default: false),
                                source: "\(node.file) (key '\(node.path).merges')")
        case "Unigram":
            let pieces: [(String, Double)] = try node.required("vocab").array().map { entry in
                let pair = try entry.array()
                guard pair.count == 2 else { throw entry.fail("a [piece, score] pair") }
                return (try pair[0].string(), try pair[1].double())
            }
            return try UnigramModel(pieces: pieces, unkId: try node.optionalInt("unk_id"),
                                    byteFallback: try node.bool("byte_fallback", default: false), source: node.file)
        case "WordLevel":
            let vocab = try vocabObject(try node.required("vocab"))
            return WordLevelModel(vocabulary: vocab, unkId: try node.optionalString("unk_token").flatMap { vocab[$0] })
        default:
            throw unsupported(node, "model", type)
        }
    }

    static func decoder(_ node: JSONNode) throws -> any TokenDecoder {
        let type = try node.required("type").string()
        switch type {
        case "ByteLevel": return ByteLevelDecoder()
        case "WordPiece":
            return WordPieceDecoder(prefix: try node.string("prefix", default: "##"),
                                    cleanup: try node.bool("cleanup", default: true))
        case "Metaspace":
            return MetaspaceDecoder(replacement: try replacementCharacter(node),
                                    stripFirstSpace: try metaspaceScheme(node) != .never)
        case "BPEDecoder": return BPESuffixDecoder(suffix: try node.string("suffix", default: "</w>"))
        case "Replace":
            return ReplaceDecoder(replace: ReplaceNormalizer(pattern: try pattern(try node.required("pattern")),
                                                             content: try node.required("content").string().scalars))
        case "ByteFallback": return ByteFallbackDecoder()
        case "Fuse": return FuseDecoder()
        case "Strip":
            let content = try node.required("content").string().scalars
            guard content.count == 1 else { throw node.fail("'content' to be a single character") }
            return StripDecoder(content: content[0], start: try node.optionalInt("start") ?? 0,
                                stop: try node.optionalInt("stop") ?? 0)
        case "Sequence":
            return SequenceDecoder(steps: try node.required("decoders").array().map(decoder))
        default:
            throw unsupported(node, "decoder", type)
        }
    }

    /// Whether a decoder chain already turns end-of-word suffixes into spaces.
    static func handlesSuffix(_ decoder: (any TokenDecoder)?) -> Bool {
        if decoder is BPESuffixDecoder { return true }
        if let seq = decoder as? SequenceDecoder { return seq.steps.contains { handlesSuffix($0) } }
        return false
    }

    static func side(_ node: JSONNode?) throws -> Side {
        switch try node?.string() {
        case nil, "Right": return .right
        case "Left": return .left
        default: throw node!.fail("\"Left\" or \"Right\"")
        }
    }

    static func padding(_ node: JSONNode) throws -> PaddingSettings {
        var fixed: Int?
        if let strategy = node["strategy"] {
            if let s = strategy.stringValue {
                guard s == "BatchLongest" else { throw strategy.fail("\"BatchLongest\" or {\"Fixed\": n}") }
            } else {
                fixed = try strategy.required("Fixed").int()
            }
        }
        return PaddingSettings(fixedLength: fixed, side: try side(node["direction"]),
                               padToMultipleOf: try node.optionalInt("pad_to_multiple_of"),
                               padId: try node.optionalInt("pad_id") ?? 0,
                               padToken: try node.string("pad_token", default: "[PAD]"))
    }

    static func truncation(_ node: JSONNode) throws -> TruncationSettings {
        TruncationSettings(maxLength: try node.required("max_length").int(), side: try side(node["direction"]))
    }
}

/// A plain word -> id lookup, unknown words mapping to the unknown token.
struct WordLevelModel: TokenModel {
    let vocabulary: Vocabulary
    let unkId: Int?

    func tokenize(_ word: [Unicode.Scalar]) -> [Int] {
        if let id = vocabulary[word.string] { return [id] }
        return unkId.map { [$0] } ?? []
    }
}
