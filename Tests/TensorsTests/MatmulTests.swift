import Tensors
import XCTest

final class MatmulTests: XCTestCase {
    func naive(_ a: Tensor, _ b: Tensor) -> [Float] {
        let (m, k, n) = (a.shape[0], a.shape[1], b.shape[1])
        var out = [Float](repeating: 0, count: m * n)
        for i in 0..<m { for j in 0..<n { for p in 0..<k { out[i * n + j] += a.scalars[i * k + p] * b.scalars[p * n + j] } } }
        return out
    }

    func testMatmulMatchesNaive() throws {
        let a = Check.random([5, 7], seed: 1), b = Check.random([7, 3], seed: 2)
        Check.close(try a.matmul(b).scalars, naive(a, b))
        XCTAssertThrowsError(try a.matmul(a))
    }

    func testVectorOperandsFollowTorch() throws {
        XCTAssertEqual(try Tensor([1, 2, 3]).matmul(Tensor([4, 5, 6])).item, 32)
        XCTAssertEqual(try Tensor([1, 2]).matmul(Tensor(shape: [2, 2], data: [1, 2, 3, 4])).scalars, [7, 10])
        XCTAssertEqual(try Tensor(shape: [2, 2], data: [1, 2, 3, 4]).matmul(Tensor([1, 2])).scalars, [5, 11])
    }

    func testBatchedBroadcastMatmul() throws {
        let a = Check.random([2, 4, 5, 6], seed: 3), b = Check.random([4, 6, 3], seed: 4)
        let c = try a.matmul(b)
        XCTAssertEqual(c.shape, [2, 4, 5, 3])
        let a1 = try a.slice(axis: 0, start: 1, end: 2).slice(axis: 1, start: 2, end: 3).reshape([5, 6])
        let b1 = try b.slice(axis: 0, start: 2, end: 3).reshape([6, 3])
        let c1 = try c.slice(axis: 0, start: 1, end: 2).slice(axis: 1, start: 2, end: 3).reshape([5, 3])
        Check.close(c1.scalars, naive(a1, b1))
    }

    func testLinearMatchesMatmulPlusBias() throws {
        let x = Check.random([2, 3, 4], seed: 5), w = Check.random([6, 4], seed: 6), bias = Check.random([6], seed: 7)
        let ref = try x.matmul(w.transpose(0, 1)) + bias
        Check.close(try Tensor.linear(x, weight: w, bias: bias).scalars, ref.scalars)
    }

    func testMatmulGradients() throws {
        try Check.gradients([Check.random([2, 3, 4], seed: 8), Check.random([4, 5], seed: 9)]) { try $0[0].matmul($0[1]) }
        try Check.gradients([Check.random([3, 4], seed: 10), Check.random([2, 5, 4], seed: 11)]) {
            try Tensor.batchedMatmul($0[0], $0[1], transA: false, transB: true)
        }
        try Check.gradients([Check.random([4, 3], seed: 12), Check.random([4, 5], seed: 13)]) {
            try Tensor.batchedMatmul($0[0], $0[1], transA: true, transB: false)
        }
        try Check.gradients([Check.random([2, 3, 4], seed: 14), Check.random([5, 4], seed: 15), Check.random([5], seed: 16)]) {
            try Tensor.linear($0[0], weight: $0[1], bias: $0[2])
        }
    }

    /// Products big enough to be split across the workers (by columns or by rows, odd sizes, transposes) equal
    /// the same product on one thread, bit for bit.
    func testSplitProductsMatchOneThread() throws {
        let saved = Runtime.threadCount
        defer { Runtime.setThreadCount(saved) }
        for (m, k, n, ta, tb) in [(97, 131, 301, false, false), (403, 67, 45, true, false), (64, 300, 130, false, true), (250, 90, 251, true, true), (130, 64, 257, false, true)] {
            let a = Check.random(ta ? [k, m] : [m, k], seed: 71), b = Check.random(tb ? [n, k] : [k, n], seed: 72)
            Runtime.setThreadCount(1)
            let one = try Tensor.batchedMatmul(a, b, transA: ta, transB: tb)
            Runtime.setThreadCount(2)
            let two = try Tensor.batchedMatmul(a, b, transA: ta, transB: tb)
            XCTAssertEqual(one.scalars, two.scalars, "\(m)x\(k)x\(n) \(ta) \(tb)")
            let at = ta ? try a.transpose(0, 1) : a, bt = tb ? try b.transpose(0, 1) : b
            let ref = (0..<m).flatMap { i in (0..<n).map { j in (0..<k).reduce(Float(0)) { $0 + at.scalars[i * k + $1] * bt.scalars[$1 * n + j] } } }
            Check.close(two.scalars, ref, tol: 1e-5)
        }
    }
}
