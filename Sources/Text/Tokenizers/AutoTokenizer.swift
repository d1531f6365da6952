import Foundation

/// Loads whichever tokenizer a model folder ships.
public enum AutoTokenizer {
    /// Picks `tokenizer.json` if present, else `vocab.json` + `merges.txt`, else `vocab.txt`.
    ///
    /// One exception: a `tokenizer.json` whose model knows no token beyond its added (special)
    /// tokens cannot encode any text — transformers 5 writes such files when a tokenizer was built
    /// with the ignored `vocab_file=` argument — so when `vocab.json` + `merges.txt` sit beside it,
    /// those are used instead.
    public static func load(folder: URL) throws -> any Tokenizer {
        let fm = FileManager.default
        func has(_ name: String) -> Bool { fm.fileExists(atPath: folder.appendingPathComponent(name).path) }
        let hasBPEFiles = has("vocab.json") && has("merges.txt")
        if has("tokenizer.json") {
            let tok = try PipelineTokenizer(tokenizerJSON: folder.appendingPathComponent("tokenizer.json"))
            if !(hasBPEFiles && tok.knowsOnlyAddedTokens) { return tok }
        }
        if hasBPEFiles {
            return try PipelineTokenizer(vocabJSON: folder.appendingPathComponent("vocab.json"),
                                         merges: folder.appendingPathComponent("merges.txt"))
        }
        if has("vocab.txt") {
            return try PipelineTokenizer(bertVocab: folder.appendingPathComponent("vocab.txt"))
        }
        var isDir: ObjCBool = false
        guard fm.fileExists(atPath: folder.path, isDirectory: &isDir), isDir.boolValue else {
            throw TextError.file(folder.path, "tokenizer folder does not exist")
        }
        throw TextError.file(folder.path, "no tokenizer files: expected tokenizer.json, vocab.json + merges.txt, or vocab.txt")
    }
}

extension PipelineTokenizer {
    /// True when every model token is also an added token: the file can only produce special tokens.
    var knowsOnlyAddedTokens: Bool {
        let added = Set(addedVocabulary.tokens.map { ExactString($0.content) })
        return model.vocabulary.tokens.allSatisfy { added.contains($0) }
    }
}
