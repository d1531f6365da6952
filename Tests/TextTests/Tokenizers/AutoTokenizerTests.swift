import Foundation
import Text
import XCTest

/// Which files AutoTokenizer picks, and its errors.
final class AutoTokenizerTests: XCTestCase {
    private func temporaryFolder(copying files: [URL]) throws -> URL {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("foley-tok-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        addTeardownBlock { try? FileManager.default.removeItem(at: dir) }
        for f in files { try FileManager.default.copyItem(at: f, to: dir.appendingPathComponent(f.lastPathComponent)) }
        return dir
    }

    func testPicksTokenizerJSON() throws {
        Fixtures.check(try AutoTokenizer.load(folder: Fixtures.url("t5_encoder")),
                       probes: try Fixtures.probes("t5_encoder/tokenizer_probes.json"), label: "auto t5")
        Fixtures.check(try AutoTokenizer.load(folder: Fixtures.url("audioldm_pipeline/model/tokenizer")),
                       probes: try Fixtures.probes("clap_text/tokenizer_probes.json"), label: "auto audioldm model/tokenizer")
        Fixtures.check(try AutoTokenizer.load(folder: Fixtures.url("clip_tokenizer")),
                       probes: try Fixtures.probes("clip_tokenizer/tokenizer_probes.json"), label: "auto clip")
        Fixtures.check(try AutoTokenizer.load(folder: try Fixtures.miniLMFolder()),
                       probes: try Fixtures.probes("minilm/tokenizer_probes.json"), label: "auto minilm")
    }

    /// clap_text/tokenizer.json (and audioldm_pipeline/tokenizer.json) hold an empty model: only the
    /// five special tokens, no merges, and special ids that disagree with vocab.json (transformers 5
    /// wrote them from a tokenizer built with the ignored `vocab_file=` argument). Loaded directly
    /// they behave as Hugging Face does with them — every text becomes `<s></s>` as [2, 3] — so
    /// AutoTokenizer uses the vocab.json + merges.txt beside them instead.
    func testUnusableTokenizerJSONFallsBackToVocabAndMerges() throws {
        let probes = try Fixtures.probes("clap_text/tokenizer_probes.json")
        for folder in ["clap_text", "audioldm_pipeline"] {
            let direct = try PipelineTokenizer(tokenizerJSON: Fixtures.url("\(folder)/tokenizer.json"))
            for text in probes.keys { XCTAssertEqual(direct.encode(text), [2, 3], "\(folder) tokenizer.json as the reference reads it") }
            Fixtures.check(try AutoTokenizer.load(folder: Fixtures.url(folder)), probes: probes, label: "auto \(folder)")
        }
    }

    func testFallsBackToVocabTxt() throws {
        let folder = try temporaryFolder(copying: [try Fixtures.miniLMFolder().appendingPathComponent("vocab.txt")])
        Fixtures.check(try AutoTokenizer.load(folder: folder),
                       probes: try Fixtures.probes("minilm/tokenizer_probes.json"), label: "auto vocab.txt")
    }

    func testFallsBackToVocabAndMerges() throws {
        let folder = try temporaryFolder(copying: [Fixtures.url("clip_tokenizer/vocab.json"), Fixtures.url("clip_tokenizer/merges.txt")])
        Fixtures.check(try AutoTokenizer.load(folder: folder),
                       probes: try Fixtures.probes("clip_tokenizer/tokenizer_probes.json"), label: "auto clip vocab.json")
    }

    func testErrorsNameTheFolder() throws {
        let empty = try temporaryFolder(copying: [])
        XCTAssertThrowsError(try AutoTokenizer.load(folder: empty)) { error in
            let message = "\(error)"
            XCTAssertTrue(message.contains(empty.path), message)
            XCTAssertTrue(message.contains("tokenizer.json"), message)
        }
        let missing = empty.appendingPathComponent("nope")
        XCTAssertThrowsError(try AutoTokenizer.load(folder: missing)) { error in
            XCTAssertTrue("\(error)".contains(missing.path), "\(error)")
            XCTAssertTrue("\(error)".contains("does not exist"), "\(error)")
        }
    }
}
