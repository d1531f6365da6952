import Foundation
import Text
import XCTest

/// tokenizer.json loading errors name the file and the key at fault.
final class TokenizerJSONTests: XCTestCase {
    private func load(_ json: String) -> Error? {
        do {
            _ = try PipelineTokenizer(tokenizerJSONData: Data(json.utf8), source: "test.json")
            return nil
        } catch { return error }
    }

    private let wordLevel = #""model": {"type": "WordLevel", "vocab": {"a": 0, "[UNK]": 1}, "unk_token": "[UNK]"}"#

    func testLoadsMinimalFile() throws {
        let tok = try PipelineTokenizer(tokenizerJSONData: Data("{\(wordLevel)}".utf8))
        XCTAssertEqual(tok.encode("a"), [0])
        XCTAssertEqual(tok.encode("b"), [1])
        XCTAssertEqual(tok.decode([0, 1]), "a [UNK]", "no decoder: tokens joined by spaces")
    }

    func testErrors() {
        let cases: [(String, [String])] = [
            ("{", ["test.json", "expected valid JSON"]),
            ("{}", ["test.json", "'model'", "missing"]),
            (#"{"model": {"type": "Mystery"}}"#, ["test.json", "model.type", "Mystery"]),
            ("{\(wordLevel), \"normalizer\": {\"type\": \"Fancy\"}}", ["normalizer.type", "Fancy"]),
            ("{\(wordLevel), \"pre_tokenizer\": {\"type\": \"Sequence\", \"pretokenizers\": [{\"type\": \"Odd\"}]}}",
             ["pre_tokenizer.pretokenizers[0].type", "Odd"]),
            ("{\(wordLevel), \"normalizer\": {\"type\": \"Replace\", \"pattern\": {\"Regex\": \"(\"}, \"content\": \"\"}}",
             ["normalizer.pattern.Regex", "regex"]),
            ("{\(wordLevel), \"padding\": {\"strategy\": \"Sometimes\"}}", ["padding.strategy", "BatchLongest"]),
            (#"{"model": {"type": "WordPiece", "vocab": {"a": 0}, "unk_token": "[UNK]"}}"#, ["model.unk_token", "[UNK]"]),
            (#"{"model": {"type": "BPE", "vocab": {"a": 0, "b": 1}, "merges": ["a b"]}}"#, ["merge #1", "a b"]),
            (#"{"model": {"type": "Unigram", "vocab": [["a", "x"]]}}"#, ["model.vocab[0][1]", "a number"]),
            ("{\(wordLevel), \"post_processor\": {\"type\": \"TemplateProcessing\", \"single\": [{\"SpecialToken\": {\"id\": \"[X]\"}}]}}",
             ["post_processor.single", "[X]"]),
        ]
        for (json, fragments) in cases {
            guard let error = load(json) else { XCTFail("expected an error for \(json)"); continue }
            XCTAssertTrue(error is TextError, "\(error)")
            for f in fragments { XCTAssertTrue("\(error)".contains(f), "\"\(error)\" should mention \(f)") }
        }
    }

    func testLegacyFileErrors() throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("foley-tok-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: dir) }
        let vocab = dir.appendingPathComponent("vocab.json"), merges = dir.appendingPathComponent("merges.txt")
        try Data(#"{"a": 0, "b": 1, "ab": 2}"#.utf8).write(to: vocab)
        try Data("#version: 0.2\na b\nnot-a-pair\n".utf8).write(to: merges)
        XCTAssertThrowsError(try PipelineTokenizer(vocabJSON: vocab, merges: merges)) { error in
            XCTAssertTrue("\(error)".contains("merges.txt: line 3"), "\(error)")
        }
        try Data("#version: 0.2\r\na b\r\n".utf8).write(to: merges)
        XCTAssertEqual(try PipelineTokenizer(vocabJSON: vocab, merges: merges).encode("ab"), [2], "CRLF merges files load")

        let txt = dir.appendingPathComponent("vocab.txt")
        try Data("[PAD]\nhello\n".utf8).write(to: txt)
        XCTAssertThrowsError(try PipelineTokenizer(bertVocab: txt)) { error in
            XCTAssertTrue("\(error)".contains("vocab.txt: expected a [UNK] token"), "\(error)")
        }
        XCTAssertThrowsError(try PipelineTokenizer(bertVocab: dir.appendingPathComponent("absent.txt"))) { error in
            XCTAssertTrue("\(error)".contains("absent.txt"), "\(error)")
        }
    }

    /// Distinct tokens that are canonically equivalent ("Å" U+00C5 and "A" + U+030A) keep distinct ids,
    /// and a token beginning with U+FEFF survives loading.
    func testTokensAreKeptScalarExact() throws {
        let json = #"{"model": {"type": "WordLevel", "vocab": {"\u00c5": 0, "A\u030a": 1, "\ufeffx": 2, "[UNK]": 3}, "unk_token": "[UNK]"}, "pre_tokenizer": {"type": "WhitespaceSplit"}}"#
        let tok = try PipelineTokenizer(tokenizerJSONData: Data(json.utf8))
        XCTAssertEqual(tok.encode("\u{00C5} A\u{030A} \u{FEFF}x"), [0, 1, 2])
        XCTAssertEqual(tok.vocabSize, 4)
    }
}
