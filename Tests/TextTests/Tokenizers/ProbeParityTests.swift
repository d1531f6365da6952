import Foundation
import Text
import XCTest

/// Reference ids from Hugging Face for every tokenizer the fixtures ship, through every loading path.
final class ProbeParityTests: XCTestCase {
    func testMiniLMTokenizerJSON() throws {
        let folder = try Fixtures.miniLMFolder()
        let tok = try PipelineTokenizer(tokenizerJSON: folder.appendingPathComponent("tokenizer.json"))
        Fixtures.check(tok, probes: try Fixtures.probes("minilm/tokenizer_probes.json"), label: "minilm tokenizer.json")
    }

    func testMiniLMVocabTxt() throws {
        let folder = try Fixtures.miniLMFolder()
        let tok = try PipelineTokenizer(bertVocab: folder.appendingPathComponent("vocab.txt"))
        Fixtures.check(tok, probes: try Fixtures.probes("minilm/tokenizer_probes.json"), label: "minilm vocab.txt")
    }

    func testCLAPVocabAndMerges() throws {
        let tok = try PipelineTokenizer(vocabJSON: Fixtures.url("clap_text/vocab.json"), merges: Fixtures.url("clap_text/merges.txt"))
        Fixtures.check(tok, probes: try Fixtures.probes("clap_text/tokenizer_probes.json"), label: "clap vocab.json+merges.txt")
    }

    func testT5TokenizerJSON() throws {
        let tok = try PipelineTokenizer(tokenizerJSON: Fixtures.url("t5_encoder/tokenizer.json"))
        Fixtures.check(tok, probes: try Fixtures.probes("t5_encoder/tokenizer_probes.json"), label: "t5 tokenizer.json")
    }

    func testCLIPVocabAndMerges() throws {
        let tok = try PipelineTokenizer(vocabJSON: Fixtures.url("clip_tokenizer/vocab.json"), merges: Fixtures.url("clip_tokenizer/merges.txt"))
        Fixtures.check(tok, probes: try Fixtures.probes("clip_tokenizer/tokenizer_probes.json"), label: "clip vocab.json+merges.txt")
    }

    func testCLIPTokenizerJSON() throws {
        let tok = try PipelineTokenizer(tokenizerJSON: Fixtures.url("clip_tokenizer/tokenizer.json"))
        Fixtures.check(tok, probes: try Fixtures.probes("clip_tokenizer/tokenizer_probes.json"), label: "clip tokenizer.json")
    }

    /// The pipeline's own tokenizer (model/tokenizer/tokenizer.json) has CLAP's vocabulary and merges.
    func testAudioLDMPipelineTokenizerJSON() throws {
        let tok = try PipelineTokenizer(tokenizerJSON: Fixtures.url("audioldm_pipeline/model/tokenizer/tokenizer.json"))
        Fixtures.check(tok, probes: try Fixtures.probes("clap_text/tokenizer_probes.json"), label: "audioldm model/tokenizer")
    }

    func testAudioLDMPipelineVocabAndMerges() throws {
        let tok = try PipelineTokenizer(vocabJSON: Fixtures.url("audioldm_pipeline/vocab.json"),
                                        merges: Fixtures.url("audioldm_pipeline/merges.txt"))
        Fixtures.check(tok, probes: try Fixtures.probes("clap_text/tokenizer_probes.json"), label: "audioldm vocab.json+merges.txt")
    }

    /// 200 random strings (accents, combining marks, odd spaces, controls, CJK, emoji, special-token
    /// spellings) through every loading path of every fixture tokenizer, encode and decode.
    func testRandomStrings() throws {
        struct Reference: Decodable { let ids: [[Int]]; let decoded: [String] }
        struct File: Decodable {
            let texts: [String]
            let minilm: Reference
            let t5_encoder: Reference
            let clap_text: Reference
            let clip_tokenizer: Reference
        }
        let ref = try JSONDecoder().decode(File.self, from: Data(contentsOf: Fixtures.url("tokenizer_cases/random_probes.json")))
        let minilm = try Fixtures.miniLMFolder()
        let paths: [(String, Reference, any Tokenizer)] = [
            ("minilm tokenizer.json", ref.minilm, try PipelineTokenizer(tokenizerJSON: minilm.appendingPathComponent("tokenizer.json"))),
            ("minilm vocab.txt", ref.minilm, try PipelineTokenizer(bertVocab: minilm.appendingPathComponent("vocab.txt"))),
            ("t5 tokenizer.json", ref.t5_encoder, try PipelineTokenizer(tokenizerJSON: Fixtures.url("t5_encoder/tokenizer.json"))),
            ("clap tokenizer.json", ref.clap_text,
             try PipelineTokenizer(tokenizerJSON: Fixtures.url("audioldm_pipeline/model/tokenizer/tokenizer.json"))),
            ("clap vocab.json", ref.clap_text,
             try PipelineTokenizer(vocabJSON: Fixtures.url("clap_text/vocab.json"), merges: Fixtures.url("clap_text/merges.txt"))),
            ("clip tokenizer.json", ref.clip_tokenizer, try PipelineTokenizer(tokenizerJSON: Fixtures.url("clip_tokenizer/tokenizer.json"))),
            ("clip vocab.json", ref.clip_tokenizer,
             try PipelineTokenizer(vocabJSON: Fixtures.url("clip_tokenizer/vocab.json"), merges: Fixtures.url("clip_tokenizer/merges.txt"))),
        ]
        for (label, expected, tok) in paths {
            var passed = 0
            for (k, text) in ref.texts.enumerated() {
                let ids = tok.encode(text)
                let decoded = tok.decode(expected.ids[k])
                if ids == expected.ids[k] && decoded == expected.decoded[k] { passed += 1; continue }
                XCTAssertEqual(ids, expected.ids[k], "\(label): encode \(text.debugDescription)")
                XCTAssertEqual(decoded, expected.decoded[k], "\(label): decode \(text.debugDescription)")
            }
            XCTAssertEqual(passed, ref.texts.count, label)
        }
    }
}
