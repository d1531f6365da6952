import XCTest
@testable import Tensors

final class ProfilerTests: XCTestCase {
    func testCountsCallsFlopsAndNestedSelfTime() throws {
        let g = RandomGenerator(seed: 1)
        let x = Tensor.randn([2, 3, 8, 8], generator: g), w = Tensor.randn([4, 3, 3, 3], generator: g)
        let a = Tensor.randn([5, 7], generator: g), b = Tensor.randn([7, 6], generator: g)
        let (y, report) = try Profiler.record { () throws -> Tensor in
            let c = try Tensor.conv2d(x, weight: w, padding: (1, 1))
            _ = try Tensor.conv1d(Tensor.randn([1, 3, 10], generator: g), weight: Tensor.randn([2, 3, 3], generator: g))
            _ = try a.matmul(b)
            _ = try a.matmul(b)
            return try c + c
        }
        XCTAssertEqual(y.shape, [2, 4, 8, 8])
        let conv = try XCTUnwrap(report.ops["conv2d"])
        XCTAssertEqual(conv.calls, 2)  // conv1d runs as a conv2d
        // 2 * N * outH * outW * |weight| for the 2-D one, 2 * 1 * 8 * |weight| for the 1-D one.
        XCTAssertEqual(conv.flops, 2 * 2 * 64 * 108 + 2 * 1 * 8 * 18)
        let mm = try XCTUnwrap(report.ops["matmul"])
        XCTAssertEqual(mm.calls, 2)
        XCTAssertEqual(mm.flops, 2 * 2 * 5 * 6 * 7)
        XCTAssertEqual(report.ops["add"]?.calls, 1)
        XCTAssertEqual(report.ops["add"]?.bytes, Double(3 * 4 * y.count))
        // Self times never exceed totals and, with the untracked rest, add up to the wall time.
        for (_, s) in report.ops { XCTAssertLessThanOrEqual(s.selfTime, s.total + 1e-9) }
        let selfSum = report.ops.values.reduce(0) { $0 + $1.selfTime }
        XCTAssertEqual(selfSum + report.untracked, report.wall, accuracy: 1e-6)
        XCTAssertLessThanOrEqual(selfSum, report.wall + 1e-6)
    }

    func testBackwardRulesAreNamedAfterTheirOp() throws {
        let g = RandomGenerator(seed: 2)
        let a = Tensor.randn([4, 5], generator: g).requiringGrad(), b = Tensor.randn([5, 3], generator: g).requiringGrad()
        let (_, report) = try Profiler.record { try (try a.matmul(b)).sum().backward() }
        XCTAssertEqual(report.ops["matmul_backward"]?.calls, 1)
        XCTAssertEqual(report.ops["sum_backward"]?.calls, 1)
        XCTAssertEqual(report.ops["matmul"]?.calls, 3)  // the forward and the two products of its backward
        XCTAssertNotNil(a.grad)
    }

    func testLayersNestAndCountTheirOwnTimeOnce() throws {
        let (_, report) = try Profiler.record { () throws -> Void in
            try Profiler.layer("Outer") {
                try Profiler.layer("Inner") { _ = try Tensor.ones([64]) + Tensor.ones([64]) }
                try Profiler.layer("Outer") { _ = Tensor.ones([64]).exp() }
            }
        }
        let outer = try XCTUnwrap(report.layers["Outer"]), inner = try XCTUnwrap(report.layers["Inner"])
        XCTAssertEqual(outer.calls, 2)
        XCTAssertEqual(inner.calls, 1)
        XCTAssertLessThanOrEqual(outer.total, report.wall)
        XCTAssertLessThanOrEqual(inner.total + outer.selfTime, outer.total + 1e-6)
    }

    func testTableListsOpsAndLayersAndRefusesNesting() throws {
        let (_, report) = try Profiler.record { () throws -> Void in
            try Profiler.layer("Block") { _ = try Tensor.ones([32, 32]).matmul(Tensor.ones([32, 32])) }
        }
        let text = report.table()
        XCTAssertTrue(text.contains("matmul"), text)
        XCTAssertTrue(text.contains("GFLOP/s"), text)
        XCTAssertTrue(text.contains("Block"), text)
        XCTAssertTrue(text.contains("[untracked]"), text)
        XCTAssertGreaterThan(report.peakGflops, 0)
        XCTAssertGreaterThan(report.peakGBps, 0)
        XCTAssertThrowsError(try Profiler.record { try Profiler.record { 1 } }) { e in
            XCTAssertTrue("\(e)".contains("do not nest"), "\(e)")
        }
        XCTAssertFalse(Profiler.isRecording)
    }

    func testNothingIsRecordedOutsideAProfile() throws {
        XCTAssertFalse(Profiler.isRecording)
        _ = try Tensor.ones([8]) + Tensor.ones([8])
        let (_, report) = try Profiler.record { 0 }
        XCTAssertTrue(report.ops.isEmpty)
    }
}
