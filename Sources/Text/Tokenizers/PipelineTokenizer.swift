/// A tokenizer built like Hugging Face's: added tokens, normalizer, pre-tokenizer, model, post-processor, decoder.
public final class PipelineTokenizer: Tokenizer {
    let addedVocabulary: AddedVocabulary
    let normalizer: (any Normalizer)?
    let preTokenizer: (any PreTokenizer)?
    let model: any TokenModel
    let postProcessor: PostProcessor
    let decoder: (any TokenDecoder)?
    private let addedById: [Int: AddedToken]

    public let padTokenId: Int
    public let declaredPadding: PaddingSettings?
    public let declaredTruncation: TruncationSettings?
    public let modelMaxLength: Int?
    public let vocabSize: Int
    /// The tokens matched verbatim before normalization (special tokens and other added tokens).
    public var addedTokens: [AddedToken] { addedVocabulary.tokens }

    init(addedTokens: [AddedToken], normalizer: (any Normalizer)?, preTokenizer: (any PreTokenizer)?,
         model: any TokenModel, postProcessor: PostProcessor, decoder: (any TokenDecoder)?,
         padding: PaddingSettings?, truncation: TruncationSettings?, config: TokenizerConfig) {
        addedVocabulary = AddedVocabulary(addedTokens, normalizer: normalizer)
        self.normalizer = normalizer
        self.preTokenizer = preTokenizer
        self.model = model
        self.postProcessor = postProcessor
        self.decoder = decoder
        var byId: [Int: AddedToken] = [:]
        for var t in addedTokens {
            // The reference reports a normalized added token by its normalized content ("<L>" -> "<l>").
            if t.normalized, let normalizer { t.content = normalizer.normalize(t.content.scalars).string }
            byId[t.id] = t
        }
        addedById = byId
        declaredPadding = padding
        declaredTruncation = truncation
        modelMaxLength = config.modelMaxLength
        vocabSize = model.vocabulary.count + Set(addedTokens.map { ExactString($0.content) }).filter { model.vocabulary[$0.string] == nil }.count

        // The pad id: as declared, else the config's pad token, else a conventional pad token in the vocabulary.
        let lookup = { (t: String) -> Int? in addedTokens.first { $0.content.isIdentical(to: t) }?.id ?? model.vocabulary[t] }
        padTokenId = padding?.padId
            ?? config.padToken.flatMap(lookup)
            ?? ["<pad>", "[PAD]", "<|endoftext|>"].lazy.compactMap(lookup).first
            ?? 0
    }

    public func encode(_ text: String, addSpecialTokens add: Bool) -> [Int] {
        var ids: [Int] = []
        for segment in addedVocabulary.extract(text.scalars, normalizer: normalizer) {
            switch segment {
            case let .token(id):
                ids.append(id)
            case let .text(piece):
                guard !piece.text.isEmpty else { continue }
                for word in preTokenizer?.preTokenize(piece) ?? [piece] where !word.text.isEmpty {
                    ids += model.tokenize(word.text)
                }
            }
        }
        return add ? postProcessor.apply(ids) : ids
    }

    public func addSpecialTokens(_ ids: [Int]) -> [Int] { postProcessor.apply(ids) }

    public var specialTokensCount: Int { postProcessor.addedCount }

    public func decode(_ ids: [Int], skipSpecialTokens: Bool) -> String {
        var tokens: [String] = []
        for id in ids {
            if let added = addedById[id] {
                if !(skipSpecialTokens && added.special) { tokens.append(added.content) }
            } else if let t = model.vocabulary.idToToken[id] {
                tokens.append(t)
            }
        }
        guard let decoder else { return tokens.joined(separator: " ") }
        return decoder.decode(tokens).joined()
    }

    public func tokenId(_ token: String) -> Int? {
        addedVocabulary.tokens.first { $0.content.isIdentical(to: token) }?.id ?? model.vocabulary[token]
    }

    public func token(forId id: Int) -> String? {
        addedById[id]?.content ?? model.vocabulary.idToToken[id]
    }
}
