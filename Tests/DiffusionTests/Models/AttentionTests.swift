import Diffusion
import Foundation
import NN
import Tensors
import XCTest

final class AttentionTests: XCTestCase {
    /// softmax(q kᵀ / sqrt(d)) v per head, written out with loops.
    func naiveAttention(q: [Float], k: [Float], v: [Float], l: Int, s: Int, heads: Int, d: Int) -> [Float] {
        var out = [Float](repeating: 0, count: l * heads * d)
        for h in 0..<heads {
            for i in 0..<l {
                var scores = (0..<s).map { j in
                    (0..<d).reduce(Float(0)) { $0 + q[i * heads * d + h * d + $1] * k[j * heads * d + h * d + $1] } / Float(d).squareRoot()
                }
                let m = scores.max()!
                scores = scores.map { exp($0 - m) }
                let z = scores.reduce(0, +)
                for c in 0..<d {
                    out[i * heads * d + h * d + c] = (0..<s).reduce(Float(0)) { $0 + scores[$1] / z * v[$1 * heads * d + h * d + c] }
                }
            }
        }
        return out
    }

    func testCrossAttentionMatchesNaiveMultiHeadAttention() throws {
        NNRandom.manualSeed(1)
        let attn = Attention(queryDim: 6, crossAttentionDim: 5, heads: 2, dimHead: 3)
        XCTAssertEqual(Set(attn.stateDict().keys), ["to_q.weight", "to_k.weight", "to_v.weight", "to_out.0.weight", "to_out.0.bias"])
        let x = Tensor.randn([1, 4, 6], generator: RandomGenerator(seed: 2))
        let ctx = Tensor.randn([1, 3, 5], generator: RandomGenerator(seed: 3))
        let out = try GradMode.noGrad { try attn(x, encoderHiddenStates: ctx) }
        let q = try attn.toQ(x), k = try attn.toK(ctx), v = try attn.toV(ctx)
        let mixed = naiveAttention(q: q.scalars, k: k.scalars, v: v.scalars, l: 4, s: 3, heads: 2, d: 3)
        let expected = try attn.toOut(Tensor(shape: [1, 4, 6], data: mixed))
        XCTAssertLessThanOrEqual(Parity.relative(out, expected), 1e-5)
    }

    func testGraphAndChunkedInferencePathsAgree() throws {
        NNRandom.manualSeed(4)
        let attn = Attention(queryDim: 8, heads: 4, dimHead: 2, bias: true)
        let x = Tensor.randn([2, 40, 8], generator: RandomGenerator(seed: 5))
        let inference = try GradMode.noGrad { try attn(x) }
        let training = try GradMode.enableGrad { try attn(x) }
        XCTAssertTrue(training.requiresGrad)
        XCTAssertFalse(inference.requiresGrad)
        XCTAssertLessThanOrEqual(Parity.relative(inference, training), 1e-5)
    }

    func testSpatialAttentionNormalizesAddsResidualAndRescales() throws {
        NNRandom.manualSeed(6)
        let attn = Attention(queryDim: 4, heads: 1, dimHead: 4, bias: true, normNumGroups: 2, eps: 1e-6,
                             residualConnection: true, rescaleOutputFactor: 2)
        XCTAssertNotNil(attn.stateDict()["group_norm.weight"])
        let x = Tensor.randn([1, 4, 3, 2], generator: RandomGenerator(seed: 7))
        let out = try GradMode.noGrad { try attn(x) }
        XCTAssertEqual(out.shape, [1, 4, 3, 2])
        // The same computation spelled out on the token layout.
        let tokens = try attn.groupNorm!(x).reshape([1, 4, 6]).transpose(1, 2)
        let q = try attn.toQ(tokens), k = try attn.toK(tokens), v = try attn.toV(tokens)
        let mixed = naiveAttention(q: q.scalars, k: k.scalars, v: v.scalars, l: 6, s: 6, heads: 1, d: 4)
        let projected = try attn.toOut(Tensor(shape: [1, 6, 4], data: mixed)).transpose(1, 2).reshape([1, 4, 3, 2])
        let expected = try (projected + x) / 2
        XCTAssertLessThanOrEqual(Parity.relative(out, expected), 1e-5)
    }

    func testAdditiveMaskExcludesKeys() throws {
        NNRandom.manualSeed(8)
        let attn = Attention(queryDim: 4, crossAttentionDim: 3, heads: 2, dimHead: 2)
        let x = Tensor.randn([1, 5, 4], generator: RandomGenerator(seed: 9))
        let ctx = Tensor.randn([1, 4, 3], generator: RandomGenerator(seed: 10))
        let mask = Tensor(shape: [1, 1, 1, 4], data: [0, 0, -10000, -10000])
        let (masked, short) = try GradMode.noGrad {
            (try attn(x, encoderHiddenStates: ctx, attentionMask: mask),
             try attn(x, encoderHiddenStates: ctx.slice(axis: 1, start: 0, end: 2)))
        }
        XCTAssertLessThanOrEqual(Parity.relative(masked, short), 1e-6)
    }
}
