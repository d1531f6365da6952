/// Turns text into a model's token ids and back.
public protocol Tokenizer: Sendable {
    /// Ids for `text`; with `addSpecialTokens` the post-processor's tokens (e.g. `[CLS]`/`[SEP]`) are added.
    /// Never padded or truncated: use `encode(batch:…)` for model inputs.
    func encode(_ text: String, addSpecialTokens: Bool) -> [Int]
    /// Wraps already-encoded ids in the special tokens the post-processor declares.
    func addSpecialTokens(_ ids: [Int]) -> [Int]
    /// How many ids `addSpecialTokens` adds; truncation keeps room for them.
    var specialTokensCount: Int { get }
    /// Text for `ids`, through the tokenizer's decoder; unknown ids are ignored.
    func decode(_ ids: [Int], skipSpecialTokens: Bool) -> String
    /// The id used to fill padded positions.
    var padTokenId: Int { get }
    /// Number of distinct tokens, added tokens included (Python's `len(tokenizer)`).
    var vocabSize: Int { get }
    /// Padding the tokenizer file declares, used by `encode(batch:…)` when the caller doesn't choose.
    var declaredPadding: PaddingSettings? { get }
    /// Truncation the tokenizer file declares, used by `encode(batch:…)` when the caller doesn't choose.
    var declaredTruncation: TruncationSettings? { get }
    /// `model_max_length` from tokenizer_config.json, when it states a real limit.
    var modelMaxLength: Int? { get }
    func tokenId(_ token: String) -> Int?
    func token(forId id: Int) -> String?
}

/// Which end of a sequence padding or truncation acts on.
public enum Side: String, Sendable {
    case left, right
}

/// How `encode(batch:…)` pads the sequences of a batch.
public enum Padding: Sendable, Equatable {
    /// As the tokenizer file declares (a fixed length means `.maxLength`), else `.longest`.
    case declared
    /// No padding: rows keep their own lengths.
    case none
    /// Pad every row to the longest row of the batch.
    case longest
    /// Pad every row to the batch's `maxLength` (falling back to the declared length).
    case maxLength
}

/// Padding as tokenizer.json declares it.
public struct PaddingSettings: Sendable, Equatable {
    /// Pad to a fixed length, or to the batch's longest row when nil.
    public var fixedLength: Int?
    public var side: Side
    public var padToMultipleOf: Int?
    public var padId: Int
    public var padToken: String

    public init(fixedLength: Int? = nil, side: Side = .right, padToMultipleOf: Int? = nil, padId: Int, padToken: String) {
        self.fixedLength = fixedLength
        self.side = side
        self.padToMultipleOf = padToMultipleOf
        self.padId = padId
        self.padToken = padToken
    }
}

/// Truncation as tokenizer.json declares it.
public struct TruncationSettings: Sendable, Equatable {
    /// Maximum length including special tokens.
    public var maxLength: Int
    /// The end that loses tokens.
    public var side: Side

    public init(maxLength: Int, side: Side = .right) {
        self.maxLength = maxLength
        self.side = side
    }
}

extension Tokenizer {
    /// Ids for `text` with the post-processor's special tokens.
    public func encode(_ text: String) -> [Int] { encode(text, addSpecialTokens: true) }

    /// Text for `ids`, leaving out special tokens.
    public func decode(_ ids: [Int]) -> String { decode(ids, skipSpecialTokens: true) }

    /// Encodes a batch for a model: truncated, padded, with an attention mask (1 = token, 0 = padding).
    ///
    /// Defaults follow the tokenizer file: truncation happens when the file declares it (or `truncation`
    /// is true), to `maxLength`, else the declared length, else `modelMaxLength`; `.declared` padding
    /// follows the file (fixed length -> `.maxLength`), else `.longest`, so rows are rectangular.
    /// Special tokens are kept when truncating, as in the reference: the text loses the tokens instead.
    public func encode(batch texts: [String], maxLength: Int? = nil, padding: Padding = .declared,
                       truncation: Bool? = nil) -> (ids: [[Int]], attentionMask: [[Int]]) {
        let truncate = truncation ?? (declaredTruncation != nil)
        let limit = maxLength ?? declaredTruncation?.maxLength ?? modelMaxLength
        var rows: [[Int]] = texts.map { text in
            var ids = encode(text, addSpecialTokens: false)
            if truncate, let limit {
                let keep = max(0, limit - specialTokensCount)
                if ids.count > keep {
                    ids = declaredTruncation?.side == .left ? Array(ids.suffix(keep)) : Array(ids.prefix(keep))
                }
            }
            return addSpecialTokens(ids)
        }
        var masks = rows.map { [Int](repeating: 1, count: $0.count) }

        var mode = padding
        if mode == .declared { mode = declaredPadding?.fixedLength != nil ? .maxLength : .longest }
        let longest = rows.map(\.count).max() ?? 0
        var target: Int
        switch mode {
        case .none: return (rows, masks)
        case .longest, .declared: target = longest
        case .maxLength: target = maxLength ?? declaredPadding?.fixedLength ?? limit ?? longest
        }
        if let multiple = declaredPadding?.padToMultipleOf, multiple > 0, target % multiple != 0 {
            target += multiple - target % multiple
        }
        let left = declaredPadding?.side == .left
        for k in rows.indices where rows[k].count < target {
            let fill = target - rows[k].count
            if left {
                rows[k].insert(contentsOf: repeatElement(padTokenId, count: fill), at: 0)
                masks[k].insert(contentsOf: repeatElement(0, count: fill), at: 0)
            } else {
                rows[k] += repeatElement(padTokenId, count: fill)
                masks[k] += repeatElement(0, count: fill)
            }
        }
        return (rows, masks)
    }
}
