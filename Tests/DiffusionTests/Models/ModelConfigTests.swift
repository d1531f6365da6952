import Diffusion
import Foundation
import XCTest

final class ModelConfigTests: XCTestCase {
    func decode<C: Decodable>(_ type: C.Type, _ json: String) throws -> C {
        try ModelConfig.decode(type, from: Data(json.utf8), path: "/m/config.json")
    }

    func testUnknownKeysAreIgnoredAndNullsTakeDefaults() throws {
        let c = try decode(UNet2DConditionConfig.self, """
            {"_class_name": "UNet2DConditionModel", "some_future_key": [1, {"a": 2}], "block_out_channels": [32, 64],
             "cross_attention_dim": [8, 16], "attention_head_dim": [2, 4], "layers_per_block": 2,
             "norm_eps": 1e-6, "mid_block_scale_factor": 1, "class_embed_type": null, "time_embedding_dim": null}
            """)
        XCTAssertEqual(c.blockOutChannels, [32, 64])
        XCTAssertEqual(c.crossAttentionDim, .list([8, 16]))
        XCTAssertEqual(c.attentionHeadDim, .list([2, 4]))
        XCTAssertEqual(c.layersPerBlock, .int(2))
        XCTAssertEqual(c.normEps, 1e-6)
        XCTAssertEqual(c.midBlockScaleFactor, 1)
        XCTAssertNil(c.classEmbedType)
        XCTAssertEqual(c.midBlockType, "UNetMidBlock2DCrossAttn")
        XCTAssertEqual(c.inChannels, 4)
        XCTAssertEqual(c.normNumGroups, 32)
        XCTAssertEqual(try decode(UNet2DConditionConfig.self, #"{"mid_block_type": null}"#).midBlockType, nil)
    }

    func testTypeErrorsNameTheFileAndKey() {
        XCTAssertThrowsError(try decode(AutoencoderKLConfig.self, #"{"block_out_channels": "wide"}"#)) { e in
            let m = "\(e)"
            XCTAssertTrue(m.hasPrefix("/m/config.json: key 'block_out_channels'"), m)
        }
        XCTAssertThrowsError(try decode(AutoencoderKLConfig.self, #"{"block_out_channels": [8, "x"]}"#)) { e in
            XCTAssertTrue("\(e)".contains("block_out_channels[1]"), "\(e)")
        }
        XCTAssertThrowsError(try decode(UNet2DConditionConfig.self, #"{"cross_attention_dim": true}"#)) { e in
            let m = "\(e)"
            XCTAssertTrue(m.contains("cross_attention_dim") && m.contains("list of integers"), m)
        }
        XCTAssertThrowsError(try decode(HiFiGANConfig.self, #"{"resblock_dilation_sizes": [1, 3]}"#)) { e in
            XCTAssertTrue("\(e)".contains("resblock_dilation_sizes[0]"), "\(e)")
        }
        XCTAssertThrowsError(try decode(HiFiGANConfig.self, "{not json")) { e in
            XCTAssertTrue("\(e)".contains("not valid JSON"), "\(e)")
        }
        XCTAssertThrowsError(try ModelConfig.read(HiFiGANConfig.self, file: URL(fileURLWithPath: "/nonexistent/config.json"))) { e in
            XCTAssertEqual("\(e)", "/nonexistent/config.json: no such file")
        }
    }

    func testPerBlockListsCheckTheirLength() throws {
        XCTAssertEqual(try IntOrList.int(3).perBlock(2, key: "k"), [3, 3])
        XCTAssertEqual(try IntOrList.list([1, 2]).perBlock(2, key: "k"), [1, 2])
        XCTAssertThrowsError(try IntOrList.list([1, 2, 3]).perBlock(2, key: "cross_attention_dim")) { e in
            XCTAssertEqual("\(e)", "cross_attention_dim: has 3 entries, expected one per block (2)")
        }
        XCTAssertEqual(try BoolOrList.bool(true).perBlock(2, key: "k"), [true, true])
    }

    func testConfigsRoundTripThroughJSON() throws {
        let c = try Fixture.config(UNet2DConditionConfig.self, "unet_audioldm")
        let data = try JSONEncoder().encode(c)
        let json = try XCTUnwrap(JSONSerialization.jsonObject(with: data) as? [String: Any])
        XCTAssertEqual(json["class_embed_type"] as? String, "simple_projection")
        XCTAssertEqual(json["projection_class_embeddings_input_dim"] as? Int, 8)
        XCTAssertEqual(try ModelConfig.decode(UNet2DConditionConfig.self, from: data, path: "x"), c)
        let h = try Fixture.config(HiFiGANConfig.self, "hifigan")
        XCTAssertEqual(try ModelConfig.decode(HiFiGANConfig.self, from: JSONEncoder().encode(h), path: "x"), h)
        XCTAssertEqual(h.resblockDilationSizes, [[1, 3, 5], [1, 3, 5]])
    }
}
