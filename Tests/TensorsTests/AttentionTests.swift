import Tensors
import XCTest

final class AttentionTests: XCTestCase {
    func testChunkedInferenceMatchesComposedAttention() throws {
        let q = Check.random([2, 3, 10, 8], seed: 1), k = Check.random([2, 3, 7, 8], seed: 2), v = Check.random([2, 3, 7, 5], seed: 3)
        let ref = try (try Tensor.batchedMatmul(q, k, transA: false, transB: true) * (1 / Float(8).squareRoot())).softmax().matmul(v)
        let fast = try GradMode.noGrad { try Tensor.scaledDotProductAttention(q, k, v, chunk: 3) }
        Check.close(fast.scalars, ref.scalars)
    }

    /// Head sizes above 32 take the blocked sgemm path instead of the fused small-head kernel.
    func testLargeHeadInferenceMatchesComposedAttention() throws {
        let q = Check.random([1, 2, 300, 40], seed: 9), k = Check.random([1, 2, 50, 40], seed: 10), v = Check.random([1, 2, 50, 40], seed: 11)
        let ref = try (try Tensor.batchedMatmul(q, k, transA: false, transB: true) * (1 / Float(40).squareRoot())).softmax().matmul(v)
        let fast = try GradMode.noGrad { try Tensor.scaledDotProductAttention(q, k, v, chunk: 64) }
        Check.close(fast.scalars, ref.scalars)
    }

    func testMaskBlocksPositions() throws {
        let q = Check.random([1, 1, 2, 4], seed: 4), k = Check.random([1, 1, 3, 4], seed: 5)
        let v = Tensor(shape: [1, 1, 3, 1], data: [1, 2, 100])
        let mask = Tensor(shape: [1, 1, 1, 3], data: [0, 0, -.infinity])
        let y = try Tensor.scaledDotProductAttention(q, k, v, mask: mask)
        XCTAssertTrue(y.scalars.allSatisfy { $0 >= 1 && $0 <= 2 })
    }

    func testAttentionGradients() throws {
        try Check.gradients([Check.random([1, 2, 3, 4], seed: 6), Check.random([1, 2, 5, 4], seed: 7), Check.random([1, 2, 5, 3], seed: 8)]) {
            try Tensor.scaledDotProductAttention($0[0], $0[1], $0[2])
        }
    }
}
