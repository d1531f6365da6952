import Diffusion
import Foundation
import NN
import Tensors
import XCTest

final class AutoencoderBlocksTests: XCTestCase {
    func testMidBlockIsResnetAttentionResnet() throws {
        NNRandom.manualSeed(1)
        let mid = UNetMidBlock2D(inChannels: 8, tembChannels: nil, groups: 4, attentionHeadDim: 4)
        let keys = Set(mid.stateDict().keys)
        XCTAssertTrue(keys.isSuperset(of: ["attentions.0.group_norm.weight", "attentions.0.to_q.bias", "attentions.0.to_out.0.weight",
                                           "resnets.0.conv1.weight", "resnets.1.norm2.bias"]))
        XCTAssertFalse(keys.contains { $0.contains("time_emb_proj") })
        let attn = try XCTUnwrap(mid.attentions?[0])
        XCTAssertEqual(attn.heads, 2)
        XCTAssertEqual(attn.dimHead, 4)
        XCTAssertTrue(attn.residualConnection)
        let x = Tensor.randn([1, 8, 4, 3], generator: RandomGenerator(seed: 2))
        let expected = try mid.resnets[1](attn(mid.resnets[0](x)))
        XCTAssertEqual(try mid(x).scalars, expected.scalars)
        XCTAssertNil(UNetMidBlock2D(inChannels: 8, tembChannels: nil, groups: 4, addAttention: false).attentions)
    }

    func testEncoderAndDecoderBlocksChannelsAndResampling() throws {
        NNRandom.manualSeed(3)
        let down = DownEncoderBlock2D(inChannels: 4, outChannels: 8, numLayers: 2, groups: 4, downsamplePadding: 0)
        XCTAssertEqual(down.stateDict()["resnets.0.conv_shortcut.weight"]?.shape, [8, 4, 1, 1])
        XCTAssertNil(down.stateDict()["resnets.1.conv_shortcut.weight"])
        XCTAssertEqual(down.stateDict()["downsamplers.0.conv.weight"]?.shape, [8, 8, 3, 3])
        XCTAssertEqual(try down(Tensor.zeros([1, 4, 8, 6])).shape, [1, 8, 4, 3])
        let last = DownEncoderBlock2D(inChannels: 8, outChannels: 8, groups: 4, addDownsample: false)
        XCTAssertNil(last.downsamplers)
        let up = UpDecoderBlock2D(inChannels: 8, outChannels: 4, numLayers: 3, groups: 4)
        XCTAssertEqual(up.resnets.count, 3)
        XCTAssertEqual(up.stateDict()["resnets.0.conv1.weight"]?.shape, [4, 8, 3, 3])
        XCTAssertEqual(up.stateDict()["upsamplers.0.conv.weight"]?.shape, [4, 4, 3, 3])
        let x = Tensor.randn([1, 8, 2, 3], generator: RandomGenerator(seed: 4))
        var h = x
        for r in up.resnets.items { h = try r(h) }
        let expected = try up.upsamplers![0](h)
        XCTAssertEqual(try up(x).scalars, expected.scalars)
        XCTAssertEqual(expected.shape, [1, 4, 4, 6])
    }
}
