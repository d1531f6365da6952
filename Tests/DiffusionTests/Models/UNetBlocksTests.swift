import Diffusion
import Foundation
import NN
import Tensors
import XCTest

final class UNetBlocksTests: XCTestCase {
    let resnet = ResnetSettings(tembChannels: 5, groups: 2)

    func testDownBlockKeepsEveryResnetOutputAndTheDownsampledMap() throws {
        NNRandom.manualSeed(1)
        let block = DownBlock2D(inChannels: 4, outChannels: 6, numLayers: 2, resnet: resnet, addDownsample: true)
        let x = Tensor.randn([1, 4, 4, 4], generator: RandomGenerator(seed: 2))
        let temb = Tensor.randn([1, 5], generator: RandomGenerator(seed: 3))
        let (h, states) = try block(x, temb: temb, cross: CrossAttentionInputs())
        XCTAssertEqual(states.map(\.shape), [[1, 6, 4, 4], [1, 6, 4, 4], [1, 6, 2, 2]])
        let r0 = try block.resnets[0](x, temb: temb)
        XCTAssertEqual(states[0].scalars, r0.scalars)
        XCTAssertEqual(h.scalars, states[2].scalars)
    }

    func testUpBlockConcatenatesSkipsLastFirstWithDiffusersChannelCounts() throws {
        NNRandom.manualSeed(4)
        let block = UpBlock2D(inChannels: 4, outChannels: 6, prevOutputChannel: 8, numLayers: 2, resnet: resnet, addUpsample: true)
        XCTAssertEqual(block.resnetCount, 2)
        XCTAssertEqual(block.stateDict()["resnets.0.conv1.weight"]?.shape, [6, 14, 3, 3])  // prev 8 + skip 6
        XCTAssertEqual(block.stateDict()["resnets.1.conv1.weight"]?.shape, [6, 10, 3, 3])  // out 6 + block input 4
        let x = Tensor.randn([1, 8, 2, 2], generator: RandomGenerator(seed: 5))
        let skipA = Tensor.randn([1, 4, 2, 2], generator: RandomGenerator(seed: 6))
        let skipB = Tensor.randn([1, 6, 2, 2], generator: RandomGenerator(seed: 7))
        let temb = Tensor.randn([1, 5], generator: RandomGenerator(seed: 8))
        let out = try block(x, temb: temb, skips: [skipA, skipB], cross: CrossAttentionInputs(), upsampleSize: nil)
        var h = try block.resnets[0](Tensor.concat([x, skipB], axis: 1), temb: temb)
        h = try block.resnets[1](Tensor.concat([h, skipA], axis: 1), temb: temb)
        h = try block.upsamplers![0](h)
        XCTAssertEqual(out.shape, [1, 6, 4, 4])
        XCTAssertEqual(out.scalars, h.scalars)
    }

    func testCrossAttentionBlocksUseHeadsAndCrossWidth() throws {
        NNRandom.manualSeed(9)
        let t = TransformerSettings(numAttentionHeads: 3, crossAttentionDim: 7, layersPerBlock: [2])
        let down = CrossAttnDownBlock2D(inChannels: 4, outChannels: 6, numLayers: 1, resnet: resnet, transformer: t, addDownsample: false)
        let block = down.attentions[0].transformerBlocks[1]
        XCTAssertEqual(down.attentions[0].transformerBlocks.count, 2)
        XCTAssertEqual(block.attn1.heads, 3)
        XCTAssertEqual(block.attn1.dimHead, 2)
        XCTAssertEqual(block.attn2?.toK.weight.shape, [6, 7])
        let x = Tensor.randn([2, 4, 3, 3], generator: RandomGenerator(seed: 10))
        let temb = Tensor.randn([2, 5], generator: RandomGenerator(seed: 11))
        let ctx = Tensor.randn([2, 4, 7], generator: RandomGenerator(seed: 12))
        let (h, states) = try down(x, temb: temb, cross: CrossAttentionInputs(encoderHiddenStates: ctx))
        let expected = try down.attentions[0](down.resnets[0](x, temb: temb), encoderHiddenStates: ctx)
        XCTAssertEqual(h.scalars, expected.scalars)
        XCTAssertEqual(states.count, 1)
        let mid = UNetMidBlock2DCrossAttn(inChannels: 6, resnet: resnet, transformer: t, outputScaleFactor: 1)
        XCTAssertEqual(mid.resnets.count, 2)
        XCTAssertEqual(try mid(h, temb: temb, cross: CrossAttentionInputs(encoderHiddenStates: ctx)).shape, [2, 6, 3, 3])
    }
}
