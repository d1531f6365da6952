import Foundation
import Tensors
import Text
import XCTest

/// Each encoder against the reference outputs of its fixture (float32, 1e-4 of the output's scale).
final class EncoderParityTests: XCTestCase {
    /// Where scripts/setup puts all-MiniLM-L6-v2: $FOLEY_HOME/models/..., else ~/.cache/foley/models/...
    static var miniLMFolder: URL {
        let env = ProcessInfo.processInfo.environment["FOLEY_HOME"] ?? ""
        let home = env.isEmpty ? FileManager.default.homeDirectoryForCurrentUser.appendingPathComponent(".cache/foley")
            : URL(fileURLWithPath: env)
        return home.appendingPathComponent("models/all-MiniLM-L6-v2")
    }

    func testMiniLMMatchesSentenceTransformers() throws {
        let folder = Self.miniLMFolder
        guard FileManager.default.fileExists(atPath: folder.appendingPathComponent("model.safetensors").path) else {
            XCTFail("all-MiniLM-L6-v2 weights not found at \(folder.path) (model.safetensors): run scripts/setup first, or set FOLEY_HOME")
            return
        }
        let encoder = try TextEncoderLoader.load(folder: folder)
        let bert = try XCTUnwrap(encoder as? BertModel, "loader returned \(type(of: encoder))")
        XCTAssertEqual(bert.hiddenSize, 384)
        XCTAssertEqual(bert.pooledSize, 384)
        XCTAssertEqual(bert.maxLength, 512)
        XCTAssertNotNil(bert.pooler, "the checkpoint's pooler is built so every key loads strictly")
        let cases = try EncoderFixtures.cases("minilm")
        let ids = try EncoderFixtures.rows(cases, "input_ids"), mask = try EncoderFixtures.rows(cases, "attention_mask")
        XCTAssertTrue(mask.joined().contains(0), "the cases should include padding")
        let enc = try bert.encode(ids: ids, mask: mask)
        EncoderFixtures.assertClose(enc.hiddenStates, try cases.tensor("last_hidden_state"), "minilm last_hidden_state")
        EncoderFixtures.assertClose(enc.pooled, try cases.tensor("sentence_embedding"), "minilm sentence_embedding")
        XCTAssertEqual(enc.mask.scalars, mask.joined().map(Float.init))
        // Unit norm per row, as sentence-transformers' Normalize.
        let norms = try (enc.pooled * enc.pooled).sum(axis: -1).sqrt().scalars
        for n in norms { XCTAssertEqual(n, 1, accuracy: 1e-5) }
    }

    func testT5EncoderMatchesTransformers() throws {
        let m = T5EncoderModel(try T5Config(try EncoderFixtures.config("t5_encoder")))
        XCTAssertTrue(m.config.isGated)
        XCTAssertEqual(try m.config.activation(), .geluTanh)
        try m.load(checkpoint: try EncoderFixtures.weights("t5_encoder"))
        let cases = try EncoderFixtures.cases("t5_encoder")
        let ids = try EncoderFixtures.rows(cases, "input_ids"), mask = try EncoderFixtures.rows(cases, "attention_mask")
        XCTAssertTrue(mask.joined().contains(0), "the cases should include padding")
        let enc = try m.encode(ids: ids, mask: mask)
        let expected = try cases.tensor("last_hidden_state")
        EncoderFixtures.assertClose(enc.hiddenStates, expected, "t5 last_hidden_state")
        // pooled is the mean of the real tokens' states.
        let m0 = mask[0].reduce(0, +), d = m.hiddenSize
        let e = expected.scalars
        let mean0 = (0..<d).map { j in (0..<m0).map { e[$0 * d + j] }.reduce(0, +) / Float(m0) }
        EncoderFixtures.assertClose(try enc.pooled.slice(axis: 0, start: 0, end: 1).reshape([d]), Tensor(mean0), "t5 pooled row 0")
    }

    func testT5RelativePositionBuckets() {
        // Bidirectional, 32 buckets, max distance 128 (T5's defaults), checked against transformers' formula.
        let b = { T5Attention.relativePositionBucket($0, numBuckets: 32, maxDistance: 128) }
        XCTAssertEqual(b(0), 0)
        XCTAssertEqual(b(7), 23)
        XCTAssertEqual(b(-7), 7)
        XCTAssertEqual(b(1), 17)
        XCTAssertEqual(b(-1), 1)
        XCTAssertEqual(b(8), 24)
        XCTAssertEqual(b(-8), 8)
        XCTAssertEqual(b(-12), 9)   // 8 + int(log(1.5)/log(16)*8) = 8 + 1
        XCTAssertEqual(b(-1000), 15)
        XCTAssertEqual(b(1000), 31)
    }

    func testT5ReluFeedForwardUsesSingleWi() throws {
        var c = T5Config()
        c.vocabSize = 10; c.dModel = 4; c.dKv = 2; c.dFF = 6; c.numLayers = 2; c.numHeads = 2
        c.relativeAttentionNumBuckets = 8; c.relativeAttentionMaxDistance = 16
        XCTAssertFalse(c.isGated)
        let m = T5EncoderModel(c)
        let keys = Set(m.stateDict().keys)
        XCTAssertTrue(keys.contains("encoder.block.1.layer.1.DenseReluDense.wi.weight"))
        XCTAssertFalse(keys.contains { $0.contains("wi_0") })
        XCTAssertTrue(keys.contains("encoder.block.0.layer.0.SelfAttention.relative_attention_bias.weight"))
        XCTAssertFalse(keys.contains("encoder.block.1.layer.0.SelfAttention.relative_attention_bias.weight"))
        try EncoderFixtures.randomize(m)
        let ff = m.encoder.blocks[1].feedForward.denseReluDense
        let x = Tensor.randn([1, 3, 4], generator: RandomGenerator(seed: 3))
        let manual = try Tensor.linear(try Tensor.linear(x, weight: ff.wi!.weight, bias: nil).relu(), weight: ff.wo.weight, bias: nil)
        EncoderFixtures.assertClose(try GradMode.noGrad { try ff(x) }, manual, tol: 1e-6, "t5 relu feed-forward")
    }

    func testClapTextMatchesTransformers() throws {
        let m = ClapTextModelWithProjection(try ClapTextConfig(try EncoderFixtures.config("clap_text")))
        try m.load(checkpoint: try EncoderFixtures.weights("clap_text"))
        let cases = try EncoderFixtures.cases("clap_text")
        let ids = try EncoderFixtures.rows(cases, "input_ids"), mask = try EncoderFixtures.rows(cases, "attention_mask")
        XCTAssertTrue(mask.joined().contains(0), "the cases should include padding")
        let enc = try m.encode(ids: ids, mask: mask)
        EncoderFixtures.assertClose(enc.hiddenStates, try cases.tensor("last_hidden_state"), "clap last_hidden_state")
        let embeds = try cases.tensor("text_embeds")
        EncoderFixtures.assertClose(enc.pooled, embeds, "clap text_embeds")
        let normalized = try m.normalizedTextEmbeds(ids: ids, mask: mask)
        let norms = try (embeds * embeds).sum(axis: -1, keepDim: true).sqrt()
        EncoderFixtures.assertClose(normalized, try embeds / norms, "clap normalized text_embeds")
        EncoderFixtures.assertClose(try enc.normalizedPooled, try embeds / norms, "clap normalizedPooled")
    }

    func testRobertaPositionIdsSkipPadding() {
        var c = ClapTextConfig()
        c.text.vocabSize = 10
        c.text.hiddenSize = 4
        c.text.numAttentionHeads = 1
        c.text.intermediateSize = 4
        c.text.numHiddenLayers = 1
        c.projectionDim = 4
        let m = ClapTextModelWithProjection(c)
        // pad id 1: real tokens count from 2, pads keep 1 (create_position_ids_from_input_ids).
        XCTAssertEqual(m.textModel.embeddings.positionIds([[0, 5, 2, 1, 1], [0, 1, 7, 2, 1]]), [[2, 3, 4, 1, 1], [2, 1, 3, 4, 1]])
        XCTAssertEqual(m.maxLength, 512)
    }

    func testCLIPTextMatchesTransformers() throws {
        let state = try EncoderFixtures.weights("clip_text")
        let m = CLIPTextModel(try CLIPTextConfig(try EncoderFixtures.config("clip_text"), withProjection: true))
        try m.load(checkpoint: state)
        let cases = try EncoderFixtures.cases("clip_text")
        let ids = try EncoderFixtures.rows(cases, "input_ids")
        // eos 399 is the highest id: the first eos and the argmax agree here.
        XCTAssertEqual(m.textModel.eosPositions(ids), ids.map { $0.firstIndex(of: 399)! })
        let enc = try m.encode(ids: ids)
        EncoderFixtures.assertClose(enc.hiddenStates, try cases.tensor("last_hidden_state"), "clip last_hidden_state")
        EncoderFixtures.assertClose(enc.pooled, try cases.tensor("text_embeds"), "clip text_embeds")
        XCTAssertEqual(m.pooledSize, 8)
        XCTAssertEqual(m.maxLength, 77)
    }

    func testCLIPCausalMaskIgnoresLaterPadding() throws {
        // With a causal mask, a prefix's states do not depend on what follows; padding masked out keeps it so.
        let m = CLIPTextModel(try CLIPTextConfig(try EncoderFixtures.config("clip_text"), withProjection: true))
        try m.load(checkpoint: try EncoderFixtures.weights("clip_text"))
        let short = try m.encode(ids: [[398, 5, 17, 399]])
        let padded = try m.encode(ids: [[398, 5, 17, 399, 1, 1]], mask: [[1, 1, 1, 1, 0, 0]])
        EncoderFixtures.assertClose(try padded.hiddenStates.slice(axis: 1, start: 0, end: 4), short.hiddenStates, tol: 1e-6, "clip prefix")
        EncoderFixtures.assertClose(padded.pooled, short.pooled, tol: 1e-6, "clip pooled with padding")
    }

    func testCLIPLegacyEosPoolsAtHighestId() throws {
        var c = CLIPTextConfig()
        c.eosTokenId = 2
        c.vocabSize = 10
        c.hiddenSize = 4
        c.intermediateSize = 4
        c.numAttentionHeads = 1
        c.numHiddenLayers = 1
        let t = CLIPTextTransformer(c)
        XCTAssertEqual(t.eosPositions([[3, 9, 2, 0], [8, 2, 4, 5]]), [1, 0])
        c.eosTokenId = 2 + 1
        XCTAssertEqual(CLIPTextTransformer(c).eosPositions([[3, 9, 3, 0], [8, 2, 4, 5]]), [0, 0])
    }
}
