import NN
import Tensors
@testable import Training
import XCTest

/// The single-process communicator and the launcher detection: without mpirun nothing changes.
final class CommunicatorTests: XCTestCase {
    func testLauncherIsDetectedFromItsEnvironment() {
        XCTAssertFalse(Distributed.launchedByMPI(["PATH": "/usr/bin"]))
        XCTAssertTrue(Distributed.launchedByMPI(["OMPI_COMM_WORLD_SIZE": "2"]))
        XCTAssertTrue(Distributed.launchedByMPI(["PMIX_RANK": "0"]))
    }

    func testSingleProcessCollectivesAreTheIdentity() throws {
        let c = SingleProcess()
        XCTAssertEqual(c.rank, 0)
        XCTAssertEqual(c.size, 1)
        XCTAssertFalse(c.isDistributed)
        var v: [Double] = [1.5, -2]
        try c.allreduce(&v, op: .sum)
        XCTAssertEqual(v, [1.5, -2])
        var f: [Float] = [3, 4]
        try c.broadcast(&f)
        XCTAssertEqual(f, [3, 4])
        let pending = try f.withUnsafeMutableBufferPointer { try c.startAllreduce($0.baseAddress!, count: 2) }
        XCTAssertTrue(try pending.test())
    }

    func testTestsRunAsOneProcess() throws {
        XCTAssertEqual(try Distributed.world().size, 1)
    }

    /// Buckets fill from the last parameter (backward's first) and close at the size cap.
    func testBucketsGroupParametersInReverseUpToTheCap() {
        let ps = [Tensor.zeros([10]), Tensor.zeros([30]), Tensor.zeros([5]), Tensor.zeros([40])]
        let b = GradientBuckets(parameters: ps, communicator: SingleProcess(), bucketBytes: 40 * 4)
        XCTAssertEqual(b.buckets.map(\.members), [[3], [2, 1, 0]])
        XCTAssertEqual(b.buckets.map(\.offsets), [[0], [0, 5, 35]])
        // Gradients, then one "had a gradient" count per parameter.
        XCTAssertEqual(b.buckets.map(\.length), [41, 48])
    }

    /// After a backward pass the buckets leave the mean gradient (here of one rank: unchanged) and keep a
    /// parameter without gradient without one, as one process would.
    func testBucketsWriteBackGradientsDuringBackward() throws {
        let w = Tensor(shape: [3], data: [1, 2, 3]).requiringGrad()
        let unused = Tensor(shape: [2], data: [1, 1]).requiringGrad()
        let b = GradientBuckets(parameters: [w, unused], communicator: SingleProcess(), bucketBytes: 8)
        b.arm()
        try (w * w).sum().backward()
        try b.finish()
        XCTAssertEqual(w.grad?.scalars, [2, 4, 6])
        XCTAssertNil(unused.grad)
        XCTAssertNil(GradHooks.leafGradientReady)
    }

    func testConfigReadsTheDistributedKeys() throws {
        let root = try TrainFixture.tempDir("distcfg")
        defer { try? FileManager.default.removeItem(at: root) }
        let yaml = TrainFixture.vaeYAML(data: root, extra: "").replacingOccurrences(of: "  segment_frames: 16", with: "  segment_frames: 16\n  shard_remainder: drop")
            .replacingOccurrences(of: "  seed: 7", with: "  seed: 7\n  bucket_mb: 4")
        let c = try TrainingConfig.parse(yaml: yaml)
        XCTAssertEqual(c.data.shardRemainder, "drop")
        XCTAssertEqual(c.train.bucketMB, 4)
        XCTAssertThrowsError(try TrainingConfig.parse(yaml: yaml.replacingOccurrences(of: "shard_remainder: drop", with: "shard_remainder: keep")))
    }
}
