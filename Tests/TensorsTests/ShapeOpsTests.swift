import Tensors
import XCTest

final class ShapeOpsTests: XCTestCase {
    let x = Tensor(shape: [2, 3], data: [0, 1, 2, 3, 4, 5])

    func testReshapeSharesStorage() throws {
        let y = try x.reshape([3, -1])
        XCTAssertEqual(y.shape, [3, 2])
        XCTAssertTrue(y.storage === x.storage)
        XCTAssertThrowsError(try x.reshape([4, 2]))
    }

    func testPermuteTransposeExpand() throws {
        XCTAssertEqual(try x.transpose(0, 1).scalars, [0, 3, 1, 4, 2, 5])
        let t = Tensor(shape: [2, 3, 4], data: (0..<24).map(Float.init))
        let p = try t.permute([2, 0, 1])
        XCTAssertEqual(p.shape, [4, 2, 3])
        XCTAssertEqual(p.scalars[0..<6].map { $0 }, [0, 4, 8, 12, 16, 20])
        XCTAssertEqual(try Tensor([1, 2]).reshape([2, 1]).expand([2, 3]).scalars, [1, 1, 1, 2, 2, 2])
    }

    func testSliceConcatSplitStack() throws {
        XCTAssertEqual(try x.slice(axis: 1, start: 1, end: 3).scalars, [1, 2, 4, 5])
        XCTAssertEqual(try x.slice(axis: 1, start: 0, end: 3, step: 2).scalars, [0, 2, 3, 5])
        let c = try Tensor.concat([x, x], axis: 1)
        XCTAssertEqual(c.shape, [2, 6])
        XCTAssertEqual(c.scalars, [0, 1, 2, 0, 1, 2, 3, 4, 5, 3, 4, 5])
        let parts = try c.split([2, 4], axis: 1)
        XCTAssertEqual(parts.map(\.shape), [[2, 2], [2, 4]])
        XCTAssertEqual(try c.chunk(4, axis: 1).map { $0.shape[1] }, [2, 2, 2])
        XCTAssertEqual(try Tensor.stack([x, x], axis: 1).shape, [2, 2, 3])
    }

    func testPadConstantAndReflect() throws {
        let r = Tensor([1, 2, 3, 4])
        XCTAssertEqual(try r.pad([2, 1], mode: .reflect).scalars, [3, 2, 1, 2, 3, 4, 3])
        XCTAssertEqual(try r.pad([1, 2], mode: .constant(9)).scalars, [9, 1, 2, 3, 4, 9, 9])
        XCTAssertEqual(try x.pad([0, 0, 1, 0]).scalars, [0, 0, 0, 0, 1, 2, 3, 4, 5])
        XCTAssertThrowsError(try r.pad([4, 0], mode: .reflect))
    }

    func testIndexSelectGatherEmbedding() throws {
        XCTAssertEqual(try x.indexSelect(axis: 1, [2, 0]).scalars, [2, 0, 5, 3])
        XCTAssertEqual(try x.gather(axis: 1, index: [1, 1, 0, 2], shape: [2, 2]).scalars, [1, 1, 3, 5])
        let table = Tensor(shape: [3, 2], data: [0, 1, 10, 11, 20, 21])
        XCTAssertEqual(try table.embedding([2, 0, 1, 2], shape: [2, 2]).scalars, [20, 21, 0, 1, 10, 11, 20, 21])
        XCTAssertThrowsError(try table.embedding([3], shape: [1]))
    }

    func testShapeOpGradients() throws {
        let a = Check.random([2, 3, 4], seed: 21), b = Check.random([2, 2, 4], seed: 22)
        try Check.gradients([a]) { try $0[0].permute([2, 0, 1]) }
        try Check.gradients([a]) { try $0[0].slice(axis: 2, start: 1, end: 4, step: 2) }
        try Check.gradients([a, b]) { try Tensor.concat([$0[0], $0[1]], axis: 1) }
        try Check.gradients([a]) { try $0[0].pad([2, 1, 1, 1], mode: .reflect) }
        try Check.gradients([a]) { try $0[0].pad([1, 0], mode: .constant(0)) }
        try Check.gradients([a]) { try $0[0].indexSelect(axis: 1, [2, 2, 0]) }
        try Check.gradients([a]) { try $0[0].gather(axis: 2, index: [0, 3, 3, 1, 2, 0], shape: [1, 3, 2]) }
        try Check.gradients([Check.random([3, 1], seed: 23)]) { try $0[0].expand([2, 3, 4]) }
        try Check.gradients([a]) { try $0[0].reshape([4, 6]).transpose(0, 1) }
    }

    /// Every permutation of a 4-D tensor (merged dims, row blocks, tiled transposes) and a transpose wider than
    /// one tile, against index arithmetic.
    func testPermutationsMatchIndexing() throws {
        func permutations(_ a: [Int]) -> [[Int]] {
            a.count <= 1 ? [a] : a.indices.flatMap { i in permutations(a.enumerated().filter { $0.offset != i }.map(\.element)).map { [a[i]] + $0 } }
        }
        for shape in [[2, 3, 4, 5], [3, 1, 37, 20]] {
            let x = Check.random(shape, seed: 81), xs = x.scalars
            let strides = Tensor.strides(of: shape)
            for perm in permutations([0, 1, 2, 3]) {
                let y = try x.permute(perm)
                let outShape = perm.map { shape[$0] }
                let outStrides = Tensor.strides(of: outShape)
                let ref = (0..<x.count).map { flat -> Float in
                    var idx = 0
                    for (d, p) in perm.enumerated() { idx += (flat / outStrides[d] % outShape[d]) * strides[p] }
                    return xs[idx]
                }
                XCTAssertEqual(y.shape, outShape)
                XCTAssertEqual(y.scalars, ref, "\(shape) \(perm)")
            }
        }
    }
}
