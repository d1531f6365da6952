import Foundation

extension PipelineTokenizer {
    /// BERT's `vocab.txt` (one token per line, id = line number) with BERT's standard pipeline:
    /// BertNormalizer (lowercasing and accent stripping unless tokenizer_config.json says
    /// `do_lower_case: false`), BertPreTokenizer, WordPiece with "##" and `[UNK]`, `[CLS] x [SEP]`.
    public convenience init(bertVocab url: URL) throws {
        let text: String
        do { text = try String(contentsOf: url, encoding: .utf8) } catch {
            throw TextError.file(url.path, "cannot read the vocabulary (\(error.localizedDescription))")
        }
        var lines = text.components(separatedBy: "\n")
        if lines.last == "" { lines.removeLast() }
        // Trailing whitespace (a Windows "\r", say) is not part of the token, as in the reference.
        let vocab = Vocabulary(lines.enumerated().map { id, line in
            (StripNormalizer(left: false, right: true).normalize(line.scalars).string, id)
        })
        guard let unk = vocab["[UNK]"] else { throw TextError.file(url.path, "expected a [UNK] token in the vocabulary") }
        let config = try TokenizerConfig.load(folder: url.deletingLastPathComponent())
        let specials = ["[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]"].compactMap { t in vocab[t].map { AddedToken(content: t, id: $0) } }
        var post = PostProcessor()
        if let cls = vocab["[CLS]"], let sep = vocab["[SEP]"] { post = PostProcessor(prefix: [cls], suffix: [sep]) }
        self.init(addedTokens: specials,
                  normalizer: BertNormalizer(lowercase: config.doLowerCase ?? true),
                  preTokenizer: BertPreTokenizer(),
                  model: WordPieceModel(vocabulary: vocab, unkId: unk),
                  postProcessor: post, decoder: WordPieceDecoder(), padding: nil, truncation: nil, config: config)
    }

    /// `vocab.json` + `merges.txt`. CLIP files (a `<|startoftext|>` token, or `CLIPTokenizer` in
    /// tokenizer_config.json) get CLIP's pipeline: NFC, whitespace runs to one space, lowercase,
    /// CLIP's split regex, byte-level BPE with a "</w>" end-of-word suffix, `<|startoftext|> x <|endoftext|>`.
    /// Others get GPT-2/RoBERTa byte-level BPE, wrapped in `<s> x </s>` when the vocabulary has them.
    public convenience init(vocabJSON vocabURL: URL, merges mergesURL: URL) throws {
        let vocab = try TokenizerJSON.vocabObject(try JSONNode.load(vocabURL))
        let merges = try Self.readMerges(mergesURL)
        let config = try TokenizerConfig.load(folder: vocabURL.deletingLastPathComponent())
        let isCLIP = vocab["<|startoftext|>"] != nil || (config.tokenizerClass?.hasPrefix("CLIP") ?? false)
        let source = mergesURL.path

        if isCLIP {
            guard let bos = vocab["<|startoftext|>"], let eos = vocab["<|endoftext|>"] else {
                throw TextError.file(vocabURL.path, "expected <|startoftext|> and <|endoftext|> in a CLIP vocabulary")
            }
            let split = try Pattern.regex(#"'s|'t|'re|'ve|'m|'ll|'d|[\p{L}]+|[\p{N}]|[^\s\p{L}\p{N}]+"#,
                                          file: vocabURL.path, key: "CLIP split")
            self.init(addedTokens: [AddedToken(content: "<|startoftext|>", id: bos), AddedToken(content: "<|endoftext|>", id: eos)],
                      normalizer: SequenceNormalizer(steps: [
                          UnicodeNormalizer(form: .nfc),
                          ReplaceNormalizer(pattern: try Pattern.regex(#"\s+"#, file: vocabURL.path, key: "CLIP whitespace"),
                                            content: [" "]),
                          LowercaseNormalizer(),
                      ]),
                      preTokenizer: SequencePreTokenizer(steps: [
                          SplitPreTokenizer(pattern: split, behavior: .removed, invert: true),
                          ByteLevelPreTokenizer(addPrefixSpace: false, useRegex: true),
                      ]),
                      model: try BPEModel(vocab: vocab, merges: merges, unkToken: "<|endoftext|>",
                                          endOfWordSuffix: "</w>", source: source),
                      postProcessor: PostProcessor(prefix: [bos], suffix: [eos]),
                      decoder: SequenceDecoder(steps: [ByteLevelDecoder(), EndOfWordCleanupDecoder(suffix: "</w>")]),
                      padding: nil, truncation: nil, config: config)
            return
        }

        // All plain special tokens: transformers 5 builds RoBERTa's <mask> without lstrip too.
        let specials = ["<s>", "<pad>", "</s>", "<unk>", "<mask>", "<|endoftext|>"].compactMap { t in
            vocab[t].map { AddedToken(content: t, id: $0) }
        }
        var post = PostProcessor()
        if let bos = vocab["<s>"], let eos = vocab["</s>"] { post = PostProcessor(prefix: [bos], suffix: [eos]) }
        self.init(addedTokens: specials, normalizer: nil,
                  preTokenizer: ByteLevelPreTokenizer(addPrefixSpace: config.addPrefixSpace ?? false, useRegex: true),
                  model: try BPEModel(vocab: vocab, merges: merges, unkToken: nil, source: source),
                  postProcessor: post, decoder: ByteLevelDecoder(), padding: nil, truncation: nil, config: config)
    }

    /// merges.txt: an optional "#version" header, then one "left right" pair per line in rank order.
    static func readMerges(_ url: URL) throws -> [(String, String)] {
        let text: String
        do { text = try String(contentsOf: url, encoding: .utf8) } catch {
            throw TextError.file(url.path, "cannot read the merges (\(error.localizedDescription))")
        }
        var merges: [(String, String)] = []
        // Split on scalars: as Characters, "\r\n" is one grapheme and would never equal "\n".
        for (n, raw) in text.unicodeScalars.split(separator: "\n", omittingEmptySubsequences: false).enumerated() {
            let line = String(String.UnicodeScalarView(raw.last == "\r" ? raw.dropLast() : raw))
            if line.isEmpty || (n == 0 && line.hasScalarPrefix("#version")) { continue }
            let parts = line.unicodeScalars.split(separator: " ", omittingEmptySubsequences: false).map { String(String.UnicodeScalarView($0)) }
            guard parts.count == 2 else {
                throw TextError.file(url.path, "line \(n + 1): expected \"left right\", got \(String(line).debugDescription)")
            }
            merges.append((String(parts[0]), String(parts[1])))
        }
        return merges
    }
}
