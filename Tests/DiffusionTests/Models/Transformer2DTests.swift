import Diffusion
import Foundation
import NN
import Tensors
import XCTest

final class Transformer2DTests: XCTestCase {
    func testGEGLUGatesWithGelu() throws {
        NNRandom.manualSeed(1)
        let g = GatedProjection(dimIn: 3, dimOut: 2, gate: .gelu)
        XCTAssertEqual(g.proj.weight.shape, [4, 3])
        let x = Tensor.randn([5, 3], generator: RandomGenerator(seed: 2))
        let p = try g.proj(x).scalars
        let out = try g(x).scalars
        for r in 0..<5 {
            for j in 0..<2 {
                let hidden = p[r * 4 + j], gate = p[r * 4 + 2 + j]
                let gelu = 0.5 * gate * (1 + erf(gate / 2.0.squareRoot().float))
                XCTAssertEqual(out[r * 2 + j], hidden * gelu, accuracy: 1e-6)
            }
        }
        let ff = FeedForward(dim: 4)
        XCTAssertEqual(Set(ff.stateDict().keys), ["net.0.proj.weight", "net.0.proj.bias", "net.2.weight", "net.2.bias"])
        XCTAssertEqual(ff.stateDict()["net.0.proj.weight"]?.shape, [32, 4])
    }

    func testBlockKeysWithAndWithoutCrossAttention() {
        let selfOnly = BasicTransformerBlock(dim: 8, numAttentionHeads: 2, attentionHeadDim: 4)
        XCTAssertNil(selfOnly.attn2)
        XCTAssertFalse(selfOnly.stateDict().keys.contains { $0.hasPrefix("norm2") })
        let cross = BasicTransformerBlock(dim: 8, numAttentionHeads: 2, attentionHeadDim: 4, crossAttentionDim: 6)
        XCTAssertEqual(cross.stateDict()["attn2.to_k.weight"]?.shape, [8, 6])
        XCTAssertNil(cross.stateDict()["attn1.to_q.bias"])
        XCTAssertNotNil(cross.stateDict()["attn1.to_out.0.bias"])
        let double = BasicTransformerBlock(dim: 8, numAttentionHeads: 2, attentionHeadDim: 4, doubleSelfAttention: true)
        XCTAssertEqual(double.stateDict()["attn2.to_k.weight"]?.shape, [8, 8])
    }

    func testBlockWithoutEncoderStatesRunsAttn2AsSelfAttention() throws {
        NNRandom.manualSeed(3)
        let block = BasicTransformerBlock(dim: 8, numAttentionHeads: 2, attentionHeadDim: 4, crossAttentionDim: 8)
        let x = Tensor.randn([1, 5, 8], generator: RandomGenerator(seed: 4))
        var h = try block.attn1(block.norm1(x)) + x
        let n2 = try block.norm2!(h)
        h = try block.attn2!(n2, encoderHiddenStates: n2) + h
        h = try block.ff(block.norm3(h)) + h
        XCTAssertLessThanOrEqual(Parity.relative(try block(x), h), 1e-6)
    }

    func testLinearAndConvProjectionsAgreeWithCopiedWeights() throws {
        NNRandom.manualSeed(5)
        let conv = Transformer2DModel(numAttentionHeads: 2, attentionHeadDim: 4, inChannels: 8, normNumGroups: 2, crossAttentionDim: 6)
        let linear = Transformer2DModel(numAttentionHeads: 2, attentionHeadDim: 4, inChannels: 8, normNumGroups: 2,
                                        crossAttentionDim: 6, useLinearProjection: true)
        XCTAssertEqual(conv.stateDict()["proj_in.weight"]?.shape, [8, 8, 1, 1])
        XCTAssertEqual(linear.stateDict()["proj_in.weight"]?.shape, [8, 8])
        var state = conv.stateDict()
        for k in ["proj_in.weight", "proj_out.weight"] { state[k] = try state[k]!.reshape([8, 8]) }
        try linear.load(stateDict: state)
        let x = Tensor.randn([2, 8, 3, 2], generator: RandomGenerator(seed: 6))
        let ctx = Tensor.randn([2, 4, 6], generator: RandomGenerator(seed: 7))
        let (a, b) = try GradMode.noGrad { (try conv(x, encoderHiddenStates: ctx), try linear(x, encoderHiddenStates: ctx)) }
        XCTAssertEqual(a.shape, [2, 8, 3, 2])
        XCTAssertLessThanOrEqual(Parity.relative(a, b), 1e-5)
        XCTAssertGreaterThan(Parity.relative(a, x), 1e-3)
    }
}

private extension Double {
    var float: Float { Float(self) }
}
