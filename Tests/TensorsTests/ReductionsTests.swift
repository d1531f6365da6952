import Foundation
import Tensors
import XCTest

final class ReductionsTests: XCTestCase {
    let x = Tensor(shape: [2, 3], data: [1, 5, 3, 4, 2, 6])

    func testSumMeanVarOverAxes() throws {
        XCTAssertEqual(try x.sum().item, 21)
        XCTAssertEqual(try x.sum(axes: [0]).scalars, [5, 7, 9])
        XCTAssertEqual(try x.sum(axes: [1], keepDim: true).shape, [2, 1])
        XCTAssertEqual(try x.mean(axes: [1]).scalars, [3, 4])
        Check.close(try x.variance(axes: [1]).scalars, [4, 4])
        Check.close(try x.variance(axes: [1], unbiased: false).scalars, [8.0 / 3, 8.0 / 3])
    }

    func testMaxMinArgmaxLogsumexp() throws {
        XCTAssertEqual(try x.max(axes: [1]).scalars, [5, 6])
        XCTAssertEqual(try x.min(axes: [0]).scalars, [1, 2, 3])
        XCTAssertEqual(try x.argmax(axis: 1), [1, 2])
        XCTAssertEqual(try x.argmax(axis: 0), [1, 0, 1])
        Check.close(try x.logsumexp(axes: [1]).scalars, [log(exp(1) + exp(5) + exp(3)), log(exp(4) + exp(2) + exp(6))])
    }

    func testSoftmaxRowsSumToOne() throws {
        let s = try x.softmax(axis: -1)
        Check.close(try s.sum(axes: [1]).scalars, [1, 1])
        let e: [Float] = [1, 5, 3].map { exp($0 - 5) }
        Check.close(Array(s.scalars[0..<3]), e.map { $0 / e.reduce(0, +) })
        Check.close(try x.softmax(axis: 0).sum(axes: [0]).scalars, [1, 1, 1])
        Check.close(try x.logSoftmax(axis: 1).exp().scalars, s.scalars)
    }

    func testReductionGradients() throws {
        let a = Check.random([2, 3, 4], seed: 11)
        try Check.gradients([a]) { try $0[0].sum(axes: [1]) }
        try Check.gradients([a]) { try $0[0].mean(axes: [0, 2], keepDim: true) }
        try Check.gradients([a]) { try $0[0].variance(axes: [2]) }
        try Check.gradients([a]) { try $0[0].max(axes: [1]) }
        try Check.gradients([a]) { try $0[0].logsumexp(axes: [2]) }
        try Check.gradients([a]) { try $0[0].softmax(axis: 1) }
        try Check.gradients([a]) { try $0[0].logSoftmax(axis: -1) }
    }
}
