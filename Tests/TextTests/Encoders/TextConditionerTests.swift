import Foundation
import Tensors
import Text
import XCTest

final class TextConditionerTests: XCTestCase {
    private var made: [URL] = []
    override func tearDown() {
        for u in made { try? FileManager.default.removeItem(at: u) }
        made = []
    }

    private func texts(_ name: String) throws -> [String] {
        try JSONDecoder().decode([String].self, from: Data(contentsOf: EncoderFixtures.folder(name).appendingPathComponent("cases_texts.json")))
    }

    func testMiniLMPromptsMatchSentenceTransformers() throws {
        let folder = EncoderParityTests.miniLMFolder
        guard FileManager.default.fileExists(atPath: folder.appendingPathComponent("model.safetensors").path) else {
            XCTFail("all-MiniLM-L6-v2 not found at \(folder.path): run scripts/setup first, or set FOLEY_HOME")
            return
        }
        let cond = try TextConditioner.load(encoderFolder: folder)
        let cases = try EncoderFixtures.cases("minilm")
        let prompts = try texts("minilm")
        let (ids, mask) = cond.tokenize(prompts)
        XCTAssertEqual(ids, try EncoderFixtures.rows(cases, "input_ids"))
        XCTAssertEqual(mask, try EncoderFixtures.rows(cases, "attention_mask"))
        let enc = try cond.encode(prompts)
        EncoderFixtures.assertClose(enc.hiddenStates, try cases.tensor("last_hidden_state"), "minilm prompts last_hidden_state")
        EncoderFixtures.assertClose(enc.pooled, try cases.tensor("sentence_embedding"), "minilm prompts sentence_embedding")
        // Inference encodes without recording gradients, whatever the caller's grad mode.
        XCTAssertFalse(enc.hiddenStates.requiresGrad)
    }

    func testClapPromptsPaddedToMaxLength() throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("foley-clapcond-\(UUID().uuidString)")
        made.append(dir)
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        let src = EncoderFixtures.folder("clap_text")
        for f in ["config.json", "tokenizer.json", "tokenizer_config.json", "vocab.json", "merges.txt"] {
            try FileManager.default.createSymbolicLink(at: dir.appendingPathComponent(f), withDestinationURL: src.appendingPathComponent(f))
        }
        try FileManager.default.createSymbolicLink(at: dir.appendingPathComponent("model.safetensors"),
                                                   withDestinationURL: src.appendingPathComponent("weights.safetensors"))
        let cond = try TextConditioner.load(encoderFolder: dir, maxLength: 16, padToMaxLength: true)
        XCTAssertTrue(cond.encoder is ClapTextModelWithProjection)
        let cases = try EncoderFixtures.cases("clap_text")
        let prompts = try texts("clap_text")
        let (ids, mask) = cond.tokenize(prompts)
        XCTAssertEqual(ids, try EncoderFixtures.rows(cases, "input_ids"))
        XCTAssertEqual(mask, try EncoderFixtures.rows(cases, "attention_mask"))
        let enc = try cond.encode(prompts)
        EncoderFixtures.assertClose(enc.hiddenStates, try cases.tensor("last_hidden_state"), "clap prompts last_hidden_state")
        EncoderFixtures.assertClose(enc.pooled, try cases.tensor("text_embeds"), "clap prompts text_embeds")
        // Padding to the longest prompt instead changes nothing for the real tokens or text_embeds.
        let short = TextConditioner(tokenizer: cond.tokenizer, encoder: cond.encoder)
        let s = try short.encode(prompts)
        XCTAssertEqual(s.hiddenStates.shape, [2, 11, 8])
        EncoderFixtures.assertClose(s.pooled, try cases.tensor("text_embeds"), "clap prompts padded to longest")
    }

    func testTokenizesWithTheEncodersLimit() throws {
        let tokFolder = EncoderFixtures.root.appendingPathComponent("clip_tokenizer")
        let base = CountingEncoder()
        let cond = TextConditioner(tokenizer: try AutoTokenizer.load(folder: tokFolder), encoder: base)
        XCTAssertEqual(cond.maxLength, 8)
        let a = try cond.encode(["a dog barking"])
        XCTAssertEqual(base.calls, 1)
        XCTAssertEqual(a.pooled.scalars, [398])  // CountingEncoder pools the first id: CLIP's start token
        XCTAssertThrowsError(try cond.encode([]))
    }

    func testCLIPTokenizerBatchFeedsTheEncoder() throws {
        let batch = try JSONSerialization.jsonObject(with: Data(contentsOf: EncoderFixtures.root
            .appendingPathComponent("clip_tokenizer/batch.json"))) as! [String: Any]
        let prompts = batch["texts"] as! [String]
        let m = CLIPTextModel(try CLIPTextConfig(try EncoderFixtures.config("clip_text"), withProjection: true))
        try m.load(checkpoint: try EncoderFixtures.weights("clip_text"))
        let cond = TextConditioner(tokenizer: try AutoTokenizer.load(folder: EncoderFixtures.root.appendingPathComponent("clip_tokenizer")),
                                   encoder: m, maxLength: batch["max_length"] as? Int, padToMaxLength: true)
        let (ids, mask) = cond.tokenize(prompts)
        XCTAssertEqual(ids, batch["input_ids"] as? [[Int]])
        XCTAssertEqual(mask, batch["attention_mask"] as? [[Int]])
        let enc = try cond.encode(prompts)
        let direct = try m.encode(ids: ids, mask: mask)
        XCTAssertEqual(enc.pooled.scalars, direct.pooled.scalars)
        XCTAssertEqual(enc.hiddenStates.shape, [2, 10, 16])
    }
}
