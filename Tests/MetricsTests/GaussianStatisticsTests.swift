import Metrics
import Tensors
import XCTest

final class GaussianStatisticsTests: XCTestCase {
    func testMeanAndUnbiasedCovariance() throws {
        // Rows (1, 2), (3, 6), (5, 10): mean (3, 6); numpy.cov = [[4, 8], [8, 16]].
        let s = try GaussianStatistics(embeddings: Tensor(shape: [3, 2], data: [1, 2, 3, 6, 5, 10]))
        XCTAssertEqual(s.count, 3)
        XCTAssertEqual(s.mean, [3, 6])
        XCTAssertEqual(s.covariance, [4, 8, 8, 16])
        XCTAssertEqual(try GaussianStatistics(vectors: [[1, 2], [3, 6], [5, 10]]), s)
    }

    func testLargeOffsetDoesNotCancel() throws {
        // float64 two-pass accumulation keeps a variance of 1 under an offset of 1e4.
        let s = try GaussianStatistics(vectors: [[10_000], [10_001], [10_002]])
        XCTAssertEqual(s.covariance[0], 1, accuracy: 1e-9)
    }

    func testRejectsRaggedVectors() {
        XCTAssertThrowsError(try GaussianStatistics(vectors: [[1, 2], [3]])) { e in
            XCTAssertEqual("\(e)", "embeddings[1]: expected 2 values like embedding 0, got 1")
        }
    }
}
