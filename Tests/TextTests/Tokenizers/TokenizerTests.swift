import Foundation
import Text
import XCTest

/// Batch encoding: padding, truncation and attention masks against the fixtures' model inputs.
final class TokenizerTests: XCTestCase {
    /// minilm/cases.safetensors was made with padding="longest".
    func testMiniLMBatchMatchesModelInputs() throws {
        let tok = try PipelineTokenizer(tokenizerJSON: try Fixtures.miniLMFolder().appendingPathComponent("tokenizer.json"))
        let texts = try Fixtures.strings("minilm/cases_texts.json")
        let batch = tok.encode(batch: texts, padding: .longest)
        XCTAssertEqual(batch.ids, try Fixtures.int64Rows("minilm/cases.safetensors", "input_ids"))
        XCTAssertEqual(batch.attentionMask, try Fixtures.int64Rows("minilm/cases.safetensors", "attention_mask"))
    }

    /// MiniLM's tokenizer.json declares fixed padding and truncation to 128: the defaults follow it.
    func testMiniLMDeclaredPaddingAndTruncation() throws {
        let tok = try PipelineTokenizer(tokenizerJSON: try Fixtures.miniLMFolder().appendingPathComponent("tokenizer.json"))
        XCTAssertEqual(tok.declaredPadding?.fixedLength, 128)
        XCTAssertEqual(tok.declaredTruncation?.maxLength, 128)
        XCTAssertEqual(tok.padTokenId, 0)
        XCTAssertEqual(tok.vocabSize, 30522)
        let long = Array(repeating: "word", count: 300).joined(separator: " ")
        let batch = tok.encode(batch: ["a dog", long])
        XCTAssertEqual(batch.ids.map(\.count), [128, 128])
        XCTAssertEqual(batch.ids[0].prefix(4), [101, 1037, 3899, 102])
        XCTAssertEqual(batch.attentionMask[0].reduce(0, +), 4)
        XCTAssertEqual(batch.ids[1].first, 101)
        XCTAssertEqual(batch.ids[1].last, 102, "truncation keeps [SEP]")
        XCTAssertEqual(batch.attentionMask[1].reduce(0, +), 128)
        // encode(_:) itself never pads or truncates.
        XCTAssertEqual(tok.encode(long).count, 302)
    }

    /// clap_text/cases.safetensors was made with padding="max_length", max_length=16; RoBERTa pads with 1.
    func testCLAPBatchMatchesModelInputs() throws {
        let tok = try AutoTokenizer.load(folder: Fixtures.url("clap_text"))
        let texts = try Fixtures.strings("clap_text/cases_texts.json")
        XCTAssertEqual(tok.padTokenId, 1)
        XCTAssertEqual(tok.modelMaxLength, 77)
        let batch = tok.encode(batch: texts, maxLength: 16, padding: .maxLength, truncation: true)
        XCTAssertEqual(batch.ids, try Fixtures.int64Rows("clap_text/cases.safetensors", "input_ids"))
        XCTAssertEqual(batch.attentionMask, try Fixtures.int64Rows("clap_text/cases.safetensors", "attention_mask"))
    }

    /// CLIP pads with <|endoftext|>; reference from transformers (padding="max_length", max_length=10).
    func testCLIPBatchPadsWithEndOfText() throws {
        struct Batch: Decodable {
            let texts: [String]
            let max_length: Int
            let input_ids: [[Int]]
            let attention_mask: [[Int]]
        }
        let ref = try JSONDecoder().decode(Batch.self, from: Data(contentsOf: Fixtures.url("clip_tokenizer/batch.json")))
        for tok in [try AutoTokenizer.load(folder: Fixtures.url("clip_tokenizer")),
                    try PipelineTokenizer(vocabJSON: Fixtures.url("clip_tokenizer/vocab.json"),
                                          merges: Fixtures.url("clip_tokenizer/merges.txt"))] as [any Tokenizer] {
            XCTAssertEqual(tok.padTokenId, 399)
            let batch = tok.encode(batch: ref.texts, maxLength: ref.max_length, padding: .maxLength, truncation: true)
            XCTAssertEqual(batch.ids, ref.input_ids)
            XCTAssertEqual(batch.attentionMask, ref.attention_mask)
        }
    }

    func testTruncationKeepsSpecialTokensAndPaddingModes() throws {
        let tok = try PipelineTokenizer(vocabJSON: Fixtures.url("clap_text/vocab.json"), merges: Fixtures.url("clap_text/merges.txt"))
        let full = tok.encode("A dog barking in the distance")
        XCTAssertEqual(full, [0, 37, 403, 395, 79, 264, 300, 391, 452, 2])
        let texts = ["A dog barking in the distance", "A"]

        let truncated = tok.encode(batch: texts, maxLength: 4, padding: .longest, truncation: true)
        XCTAssertEqual(truncated.ids, [[0, 37, 403, 2], [0, 37, 2, 1]])
        XCTAssertEqual(truncated.attentionMask, [[1, 1, 1, 1], [1, 1, 1, 0]])

        // Without truncation the rows keep their length; .none leaves them ragged.
        let ragged = tok.encode(batch: texts, maxLength: 4, padding: .none, truncation: false)
        XCTAssertEqual(ragged.ids, [full, [0, 37, 2]])
        XCTAssertEqual(ragged.attentionMask, [Array(repeating: 1, count: full.count), [1, 1, 1]])

        // .maxLength pads short rows up to maxLength.
        let fixed = tok.encode(batch: ["A"], maxLength: 6, padding: .maxLength)
        XCTAssertEqual(fixed.ids, [[0, 37, 2, 1, 1, 1]])
        XCTAssertEqual(fixed.attentionMask, [[1, 1, 1, 0, 0, 0]])

        // A limit smaller than the special tokens still yields them (the text is dropped entirely).
        XCTAssertEqual(tok.encode(batch: ["A dog"], maxLength: 1, truncation: true).ids, [[0, 2]])
        XCTAssertEqual(tok.encode(batch: []).ids, [])
        XCTAssertEqual(tok.encode(batch: [""]).ids, [[0, 2]])
    }

    func testWithoutSpecialTokensAndDecode() throws {
        let tok = try PipelineTokenizer(vocabJSON: Fixtures.url("clap_text/vocab.json"), merges: Fixtures.url("clap_text/merges.txt"))
        let ids = tok.encode("A dog barking", addSpecialTokens: false)
        XCTAssertEqual(ids, [37, 403, 395, 79, 264])
        XCTAssertEqual(tok.addSpecialTokens(ids), [0] + ids + [2])
        XCTAssertEqual(tok.specialTokensCount, 2)
        XCTAssertEqual(tok.decode(tok.encode("café — ☃ 日本語!")), "café — ☃ 日本語!")
        XCTAssertEqual(tok.decode([0, 37, 403, 2], skipSpecialTokens: false), "<s>A dog</s>")
        XCTAssertEqual(tok.decode([0, 37, 99_999, 403, 2]), "A dog", "unknown ids are ignored")
        XCTAssertEqual(tok.vocabSize, 465)
        XCTAssertEqual(tok.tokenId("<mask>"), 4)
        XCTAssertEqual(tok.token(forId: 403), "Ġdog")
    }
}
