import Foundation
import NN
import Tensors
import Text
import XCTest

final class TextEncoderLoaderTests: XCTestCase {
    private var made: [URL] = []
    override func tearDown() {
        for u in made { try? FileManager.default.removeItem(at: u) }
        made = []
    }

    private func folder(_ name: String) throws -> URL {
        let u = try EncoderFixtures.hfFolder(name)
        made.append(u)
        return u
    }

    /// Loads `name` through the loader and checks the encoding against the fixture's hidden states.
    private func loadAndCheck<E: TextEncoder>(_ name: String, as: E.Type) throws -> E {
        let enc = try TextEncoderLoader.load(folder: try folder(name))
        let typed = try XCTUnwrap(enc as? E, "\(name): loader returned \(type(of: enc))")
        let cases = try EncoderFixtures.cases(name)
        let ids = try EncoderFixtures.rows(cases, "input_ids")
        let mask = cases.entries["attention_mask"] != nil ? try EncoderFixtures.rows(cases, "attention_mask") : ids.map { $0.map { _ in 1 } }
        let out = try typed.encode(ids: ids, mask: mask)
        EncoderFixtures.assertClose(out.hiddenStates, try cases.tensor("last_hidden_state"), "\(name) via loader")
        return typed
    }

    func testLoadsT5Folder() throws {
        let m = try loadAndCheck("t5_encoder", as: T5EncoderModel.self)
        XCTAssertEqual(m.hiddenSize, 16)
        // The tied encoder.embed_tokens copy in the file equals what landed in shared.
        let file = try EncoderFixtures.weights("t5_encoder")
        XCTAssertEqual(m.shared.weight.scalars, file["encoder.embed_tokens.weight"]!.scalars)
        XCTAssertEqual(m.stateDict().count, file.count - 1)
    }

    /// With logging on, loading names the encoder class, its folder and its hyperparameters; off, it says nothing.
    func testLoadLogsTheEncodersHyperparameters() throws {
        var lines: [String] = []
        let sink = LoadLog.sink
        LoadLog.sink = { lines.append($0) }
        defer { LoadLog.sink = sink; LoadLog.verbose = false }
        let dir = try folder("t5_encoder")
        LoadLog.verbose = false
        unsetenv("FOLEY_LOG")
        _ = try TextEncoderLoader.load(folder: dir)
        XCTAssertEqual(lines, [])
        LoadLog.verbose = true
        _ = try TextEncoderLoader.load(folder: dir)
        XCTAssertEqual(lines.count, 1)
        let line = try XCTUnwrap(lines.first)
        XCTAssertTrue(line.hasPrefix("loaded T5EncoderModel from \(dir.path): {"), line)
        XCTAssertTrue(line.contains("\"d_model\":16"), line)
    }

    func testLoadsClapTextFolder() throws {
        let m = try loadAndCheck("clap_text", as: ClapTextModelWithProjection.self)
        XCTAssertEqual(m.pooledSize, 8)
        XCTAssertEqual(m.maxLength, 512)
    }

    func testLoadsCLIPTextFolder() throws {
        let m = try loadAndCheck("clip_text", as: CLIPTextModel.self)
        XCTAssertNotNil(m.textProjection)
        XCTAssertEqual(m.pooledSize, 8)
    }

    func testClapModelLayoutLoadsByPrefix() throws {
        // A whole ClapModel checkpoint: nested text_config, audio tower and logit scales beside the text keys.
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("foley-clapmodel-\(UUID().uuidString)")
        made.append(dir)
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        var text = try EncoderFixtures.config("clap_text").values
        text.removeValue(forKey: "model_type")
        let cfg: [String: Any] = ["architectures": ["ClapModel"], "model_type": "clap", "projection_dim": 8, "text_config": text,
                                  "audio_config": ["hidden_size": 4]]
        try JSONSerialization.data(withJSONObject: cfg).write(to: dir.appendingPathComponent("config.json"))
        var state = try EncoderFixtures.weights("clap_text")
        state["audio_model.audio_encoder.norm.weight"] = Tensor.ones([4])
        state["audio_projection.linear1.weight"] = Tensor.ones([8, 4])
        state["logit_scale_a"] = Tensor(scalar: 1)
        state["logit_scale_t"] = Tensor(scalar: 1)
        try SafeTensorsFile.save(state, to: dir.appendingPathComponent("model.safetensors").path)
        let enc = try XCTUnwrap(try TextEncoderLoader.load(folder: dir) as? ClapTextModelWithProjection)
        let cases = try EncoderFixtures.cases("clap_text")
        let out = try enc.encode(ids: try EncoderFixtures.rows(cases, "input_ids"), mask: try EncoderFixtures.rows(cases, "attention_mask"))
        EncoderFixtures.assertClose(out.pooled, try cases.tensor("text_embeds"), "ClapModel layout text_embeds")
    }

    func testShardedCheckpointAndBertPrefix() throws {
        // A head model known only by its model_type: `bert.` prefix, a classifier head, two shards with an index.
        var c = BertConfig()
        c.vocabSize = 20; c.hiddenSize = 8; c.numHiddenLayers = 2; c.numAttentionHeads = 2; c.intermediateSize = 16
        c.maxPositionEmbeddings = 16
        let ref = BertModel(c, addPoolingLayer: false)
        try EncoderFixtures.randomize(ref)
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("foley-bert-\(UUID().uuidString)")
        made.append(dir)
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        let cfg: [String: Any] = ["architectures": ["BertForSequenceClassification"], "model_type": "bert", "vocab_size": 20, "hidden_size": 8,
                                  "num_hidden_layers": 2, "num_attention_heads": 2, "intermediate_size": 16,
                                  "max_position_embeddings": 16, "type_vocab_size": 2, "layer_norm_eps": 1e-12, "hidden_act": "gelu"]
        try JSONSerialization.data(withJSONObject: cfg).write(to: dir.appendingPathComponent("config.json"))
        var shards: [[String: Tensor]] = [[:], [:]]
        var map: [String: String] = [:]
        for (i, (k, t)) in ref.stateDict().sorted(by: { $0.key < $1.key }).enumerated() {
            shards[i % 2]["bert." + k] = t
            map["bert." + k] = "model-0000\(i % 2 + 1)-of-00002.safetensors"
        }
        shards[0]["classifier.weight"] = Tensor.zeros([2, 8])
        map["classifier.weight"] = "model-00001-of-00002.safetensors"
        shards[1]["bert.embeddings.position_ids"] = Tensor.arange(16)
        for i in 0..<2 { try SafeTensorsFile.save(shards[i], to: dir.appendingPathComponent("model-0000\(i + 1)-of-00002.safetensors").path) }
        try JSONSerialization.data(withJSONObject: ["metadata": [:] as [String: Any], "weight_map": map])
            .write(to: dir.appendingPathComponent("model.safetensors.index.json"))
        let loaded = try XCTUnwrap(try TextEncoderLoader.load(folder: dir) as? BertModel)
        XCTAssertNil(loaded.pooler)
        let ids = [[1, 5, 7, 2, 0], [1, 9, 2, 0, 0]], mask = [[1, 1, 1, 1, 0], [1, 1, 1, 0, 0]]
        let a = try loaded.encode(ids: ids, mask: mask), b = try ref.encode(ids: ids, mask: mask)
        XCTAssertEqual(a.hiddenStates.scalars, b.hiddenStates.scalars)
        XCTAssertEqual(a.pooled.scalars, b.pooled.scalars)
        // Pooled rows are means over real tokens only: padding values do not leak in.
        let c2 = try loaded.encode(ids: [[1, 9, 2]], mask: [[1, 1, 1]])
        EncoderFixtures.assertClose(c2.pooled, try a.pooled.slice(axis: 0, start: 1, end: 2), tol: 1e-5, "bert pooled ignores padding")
    }

    func testStrictLoadingRejectsMissingAndExtraKeys() throws {
        var state = try EncoderFixtures.weights("clip_text")
        state.removeValue(forKey: "text_model.final_layer_norm.bias")
        state["text_model.encoder.layers.9.mlp.fc1.weight"] = Tensor.zeros([1])
        let m = CLIPTextModel(try CLIPTextConfig(try EncoderFixtures.config("clip_text"), withProjection: true))
        XCTAssertThrowsError(try m.load(checkpoint: state)) { e in
            let s = "\(e)"
            XCTAssertTrue(s.contains("missing keys: text_model.final_layer_norm.bias"), s)
            XCTAssertTrue(s.contains("unexpected keys: text_model.encoder.layers.9.mlp.fc1.weight"), s)
        }
    }

    func testUnsupportedArchitectureNamesTheFolder() throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("foley-gpt-\(UUID().uuidString)")
        made.append(dir)
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        try JSONSerialization.data(withJSONObject: ["architectures": ["GPT2LMHeadModel"], "model_type": "gpt2"])
            .write(to: dir.appendingPathComponent("config.json"))
        XCTAssertThrowsError(try TextEncoderLoader.load(folder: dir)) { e in
            let s = "\(e)"
            XCTAssertTrue(s.hasPrefix(dir.path), s)
            XCTAssertTrue(s.contains("unsupported text encoder: architectures [\"GPT2LMHeadModel\"]"), s)
            XCTAssertTrue(s.contains("T5EncoderModel"), s)
        }
    }

    func testMissingFilesNameTheFolder() throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("foley-empty-\(UUID().uuidString)")
        made.append(dir)
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        XCTAssertThrowsError(try TextEncoderLoader.load(folder: dir)) { e in
            XCTAssertEqual("\(e)", "\(dir.path)/config.json: no such file")
        }
        try FileManager.default.copyItem(at: EncoderFixtures.folder("t5_encoder").appendingPathComponent("config.json"),
                                         to: dir.appendingPathComponent("config.json"))
        FileManager.default.createFile(atPath: dir.appendingPathComponent("pytorch_model.bin").path, contents: Data([0]))
        XCTAssertThrowsError(try TextEncoderLoader.load(folder: dir)) { e in
            let s = "\(e)"
            XCTAssertTrue(s.hasPrefix(dir.path + ": no model.safetensors"), s)
            XCTAssertTrue(s.contains("pytorch_model.bin"), s)
        }
    }

    func testBadInputsAreReported() throws {
        let m = try TextEncoderLoader.load(folder: try folder("clip_text"))
        XCTAssertThrowsError(try m.encode(ids: [[1, 2], [3]], mask: [[1, 1], [1]])) { e in
            XCTAssertTrue("\(e)".contains("row 1 has 1 tokens"), "\(e)")
        }
        XCTAssertThrowsError(try m.encode(ids: [[1, 400]])) { e in
            XCTAssertTrue("\(e)".contains("token id 400 outside the vocabulary"), "\(e)")
        }
        XCTAssertThrowsError(try m.encode(ids: [[Int](repeating: 1, count: 78)])) { e in
            XCTAssertTrue("\(e)".contains("78 tokens exceed the model's maximum of 77"), "\(e)")
        }
    }
}
