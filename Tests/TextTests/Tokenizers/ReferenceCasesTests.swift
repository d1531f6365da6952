import Foundation
import Text
import XCTest

/// Stage-by-stage parity with Hugging Face tokenizers on the small tokenizers that
/// scripts/reference/tokenizer_cases.py builds (normalizers, pre-tokenizers, added tokens, models,
/// decoders, declared padding and truncation).
final class ReferenceCasesTests: XCTestCase {
    private struct Case: Decodable {
        let name: String
        let tokenizer: String
        let encode: [Entry]?
        let texts: [String]?
        let ids: [[Int]]?
        let attention_mask: [[Int]]?
    }

    private struct File: Decodable {
        let cases: [Case]
        let batch: [Case]
    }

    private struct Entry: Decodable {
        let text: String
        let ids: [Int]
        let decoded: String?
        let decoded_with_special: String?
    }

    private func file() throws -> File {
        try JSONDecoder().decode(File.self, from: Data(contentsOf: Fixtures.url("tokenizer_cases/cases.json")))
    }

    /// Each case carries its tokenizer as tokenizer.json text, fed to the loader byte for byte.
    private func tokenizer(_ c: Case) throws -> PipelineTokenizer {
        try PipelineTokenizer(tokenizerJSONData: Data(c.tokenizer.utf8), source: c.name)
    }

    private func checkEncodeAndDecode(_ all: [Case]) throws -> (passed: Int, total: Int) {
        var passed = 0, total = 0
        for c in all {
            let name = c.name
            let tok = try tokenizer(c)
            for e in c.encode ?? [] {
                total += 1
                let ids = tok.encode(e.text)
                var ok = ids == e.ids
                XCTAssertEqual(ids, e.ids, "\(name): encode \(e.text.debugDescription)")
                if let d = e.decoded {
                    let got = tok.decode(e.ids)
                    ok = ok && got == d
                    XCTAssertEqual(got, d, "\(name): decode \(e.ids)")
                }
                if let d = e.decoded_with_special {
                    let got = tok.decode(e.ids, skipSpecialTokens: false)
                    ok = ok && got == d
                    XCTAssertEqual(got, d, "\(name): decode with special tokens \(e.ids)")
                }
                if ok { passed += 1 }
            }
        }
        return (passed, total)
    }

    func testNormalizersPreTokenizersAddedTokensModelsAndDecoders() throws {
        let r = try checkEncodeAndDecode(try file().cases)
        XCTAssertEqual(r.passed, r.total)
        XCTAssertGreaterThan(r.total, 500)
    }

    /// A real SentencePiece nmt_nfkc `precompiled_charsmap`, the normalizer T5 checkpoints ship.
    func testPrecompiledCharsmap() throws {
        let c = try JSONDecoder().decode(Case.self, from: Data(contentsOf: Fixtures.url("tokenizer_cases/precompiled.json")))
        let r = try checkEncodeAndDecode([c])
        XCTAssertEqual(r.passed, r.total)
    }

    func testDeclaredPaddingAndTruncation() throws {
        for c in try file().batch {
            let tok = try tokenizer(c)
            let got = tok.encode(batch: c.texts ?? [])
            XCTAssertEqual(got.ids, c.ids, c.name)
            XCTAssertEqual(got.attentionMask, c.attention_mask, c.name)
        }
    }
}
