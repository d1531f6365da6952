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
}
