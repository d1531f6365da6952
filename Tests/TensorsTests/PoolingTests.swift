import Tensors
import XCTest

final class PoolingTests: XCTestCase {
    let x = Tensor(shape: [1, 1, 2, 4], data: [1, 2, 3, 4, 5, 6, 7, 8])

    func testNearestUpsampleRepeats() throws {
        let y = try Tensor(shape: [1, 1, 1, 2], data: [1, 2]).upsampleNearest2d()
        XCTAssertEqual(y.shape, [1, 1, 2, 4])
        XCTAssertEqual(y.scalars, [1, 1, 2, 2, 1, 1, 2, 2])
    }

    func testPooling() throws {
        XCTAssertEqual(try x.avgPool2d(kernel: (2, 2)).scalars, [3.5, 5.5])
        XCTAssertEqual(try x.maxPool2d(kernel: (2, 2)).scalars, [6, 8])
        XCTAssertEqual(try x.maxPool2d(kernel: (1, 2), stride: (1, 1)).scalars, [2, 3, 4, 6, 7, 8])
    }

    func testPoolingGradients() throws {
        let a = Check.random([1, 2, 4, 6], seed: 1)
        try Check.gradients([a]) { try $0[0].upsampleNearest2d() }
        try Check.gradients([a]) { try $0[0].avgPool2d(kernel: (2, 2)) }
        // Distinct values 0.1 apart: the finite difference never changes which element is the max.
        let distinct = Tensor(shape: [1, 2, 4, 6], data: RandomGenerator(seed: 2).permutation(48).map { Float($0) * 0.1 })
        try Check.gradients([distinct]) { try $0[0].maxPool2d(kernel: (2, 3)) }
    }
}
