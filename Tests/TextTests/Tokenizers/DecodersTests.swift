import Foundation
import Text
import XCTest

/// Decoding the fixtures' tokenizers; expected strings come from Hugging Face (tokenizers 0.23.3 / transformers 5.24).
final class DecodersTests: XCTestCase {
    func testMiniLMWordPieceDecoder() throws {
        let tok = try PipelineTokenizer(tokenizerJSON: try Fixtures.miniLMFolder().appendingPathComponent("tokenizer.json"))
        XCTAssertEqual(tok.decode(tok.encode("Hello, World! don't stop.")), "hello, world! don ' t stop.")
        XCTAssertEqual(tok.decode(tok.encode("café naïve — unicode ☃ 日本語")), "cafe naive — unicode 日 本 語")
        XCTAssertEqual(tok.decode([101, 7592, 102], skipSpecialTokens: false), "[CLS] hello [SEP]")
    }

    func testT5MetaspaceDecoder() throws {
        let tok = try PipelineTokenizer(tokenizerJSON: Fixtures.url("t5_encoder/tokenizer.json"))
        XCTAssertEqual(tok.decode(tok.encode("A dog barking in the distance")), "A dog barking in the distance")
        XCTAssertEqual(tok.decode(tok.encode("  multiple   spaces\tand tabs  ")), "multiple spaces and tabs ")
        XCTAssertEqual(tok.vocabSize, 114)
        XCTAssertEqual(tok.padTokenId, 0)
    }

    /// transformers' CLIPTokenizer turns "</w>" into spaces and trims; both loading paths match it.
    func testCLIPDecoderMatchesTransformers() throws {
        struct Batch: Decodable { let decoded: [String] }
        let decoded = try JSONDecoder().decode(Batch.self, from: Data(contentsOf: Fixtures.url("clip_tokenizer/batch.json"))).decoded
        let probes = try Fixtures.probes("clip_tokenizer/tokenizer_probes.json")
        // batch.json lists decodings in the generator's probe order; pair them through the probes' ids.
        let texts = ["", "a dog barking in the distance", "Thunder storm with heavy rain", "  multiple   spaces\tand tabs  ",
                     "UPPER lower MiXeD 123 4.56", "punctuation: commas, (parens) & quotes \"x\" 'y' -- dash!?",
                     "unbelievably-hyphenated words and don't can't we're I'll", "café naïve résumé — unicode ☃ 日本語",
                     "new\nlines\r\nand\u{a0}nbsp", "<|startoftext|>special<|endoftext|> tokens inline", "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"]
        XCTAssertEqual(texts.count, decoded.count)
        for tok in [try PipelineTokenizer(tokenizerJSON: Fixtures.url("clip_tokenizer/tokenizer.json")),
                    try PipelineTokenizer(vocabJSON: Fixtures.url("clip_tokenizer/vocab.json"), merges: Fixtures.url("clip_tokenizer/merges.txt"))] {
            for (text, expected) in zip(texts, decoded) {
                let ids = try XCTUnwrap(probes[text], text)
                XCTAssertEqual(tok.decode(ids), expected, text.debugDescription)
            }
        }
    }
}
