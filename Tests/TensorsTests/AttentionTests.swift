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

    /// The fused kernel (packed keys, four rows at a time) on odd lengths and head sizes, against softmax(q kᵀ s) v.
    func testFusedRowsOnOddShapesAndThreadCounts() throws {
        let saved = Runtime.threadCount
        defer { Runtime.setThreadCount(saved) }
        for (l, sLen, d, dv) in [(37, 29, 8, 8), (5, 3, 24, 40), (66, 17, 16, 12), (130, 257, 64, 64), (1, 1, 3, 5)] {
            let q = Check.random([3, 2, l, d], seed: 31), k = Check.random([3, 2, sLen, d], seed: 32)
            let v = Check.random([3, 2, sLen, dv], seed: 33)
            let scale: Float = 0.37
            let ref = try GradMode.noGrad { try (Tensor.batchedMatmul(q, k, transA: false, transB: true) * scale).softmax(axis: -1).matmul(v) }
            for threads in [1, 2] {
                Runtime.setThreadCount(threads)
                let y = try Tensor.scaledDotProductAttention(q, k, v, scale: scale)
                XCTAssertEqual(y.shape, [3, 2, l, dv])
                Check.close(y.scalars, ref.scalars, tol: 2e-6, "L \(l) S \(sLen) D \(d) Dv \(dv) threads \(threads)")
            }
        }
    }

    /// Wide heads (blocked products) with more rows than one block holds.
    func testWideHeadsInRowBlocks() throws {
        let q = Check.random([1, 1, 70, 80], seed: 41), k = Check.random([1, 1, 50, 80], seed: 42), v = Check.random([1, 1, 50, 72], seed: 43)
        let ref = try GradMode.noGrad { try (Tensor.batchedMatmul(q, k, transA: false, transB: true) * 0.1).softmax(axis: -1).matmul(v) }
        let y = try Tensor.scaledDotProductAttention(q, k, v, scale: 0.1, chunk: 16)
        Check.close(y.scalars, ref.scalars, tol: 2e-6)
    }
}

final class AttentionInterruptTests: XCTestCase {
    override func setUp() { Interrupt.reset() }
    override func tearDown() { Interrupt.reset() }

    /// Long ops poll the interrupt flag, so SIGTERM or Ctrl-C stops a training step inside it (attention over 80,000
    /// positions used to run minutes before the step ended and the flag was seen).
    func testLongOpsThrowInterruptedOnceTheFlagIsSet() throws {
        let q = Tensor.randn([1, 2, 64, 8], generator: RandomGenerator(seed: 1))
        XCTAssertNoThrow(try Tensor.scaledDotProductAttention(q, q, q))
        Interrupt.request()
        XCTAssertThrowsError(try Tensor.scaledDotProductAttention(q, q, q)) { XCTAssertEqual("\($0)", "interrupted!") }
        XCTAssertThrowsError(try Tensor.scaledDotProductAttention(q, q, q, mask: Tensor.zeros([64, 64]))) { XCTAssertEqual("\($0)", "interrupted!") }
        XCTAssertThrowsError(try q.matmul(q.transpose(-1, -2))) { XCTAssertEqual("\($0)", "interrupted!") }
        XCTAssertThrowsError(try Tensor.conv2d(Tensor.zeros([1, 1, 4, 4]), weight: Tensor.zeros([1, 1, 3, 3]))) { XCTAssertEqual("\($0)", "interrupted!") }
        Interrupt.reset()
        XCTAssertNoThrow(try q.matmul(q.transpose(-1, -2)))
    }
}
