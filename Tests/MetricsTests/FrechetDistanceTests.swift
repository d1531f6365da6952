import Metrics
import Tensors
import XCTest

final class FrechetDistanceTests: XCTestCase {
    func testMatchesScipySqrtm() throws {
        let a = try Fixtures.tensor("fad_a"), b = try Fixtures.tensor("fad_b")
        let d = try FrechetDistance.distance(a, b)
        assertRelative(d, try Fixtures.value("fad_ab_scipy"), 1e-4, "FAD(a, b)")
        // Symmetric in its arguments.
        assertRelative(try FrechetDistance.distance(b, a), d, 1e-9, "FAD(b, a)")
    }

    func testSingularCovarianceIsExact() throws {
        // 12 embeddings of 16 dimensions: the covariance has rank 11.
        let a = try Fixtures.tensor("fad_a"), c = try Fixtures.tensor("fad_c")
        let d = try FrechetDistance.distance(a, c)
        assertRelative(d, try Fixtures.value("fad_ac_eigh"), 1e-6, "FAD(a, c) vs numpy eigh")
        assertRelative(d, try Fixtures.value("fad_ac_scipy"), 1e-4, "FAD(a, c) vs scipy sqrtm")
        XCTAssertEqual(try FrechetDistance.distance(c, c), 0, accuracy: 1e-9)
    }

    func testSelfDistanceIsZero() throws {
        let a = try Fixtures.tensor("fad_a")
        XCTAssertEqual(try FrechetDistance.distance(a, a), 0, accuracy: 1e-9)
    }

    func testGrowsWithNoise() throws {
        let a = try Fixtures.tensor("fad_a")
        let d = try [0.05, 0.2, 0.8].map { try FrechetDistance.distance(a, noisy(a, Float($0), seed: 3)) }
        XCTAssertGreaterThan(d[0], 0)
        XCTAssertLessThan(d[0], d[1])
        XCTAssertLessThan(d[1], d[2])
    }

    func testMeanShiftAddsItsSquaredLength() throws {
        // Shifting every embedding by v leaves the covariances equal: FAD = |v|^2 exactly.
        let a = try Fixtures.tensor("fad_a")
        let shifted = try a + Tensor(shape: [16], data: [Float](repeating: 0.5, count: 16))
        XCTAssertEqual(try FrechetDistance.distance(a, shifted), 16 * 0.25, accuracy: 1e-4)
    }

    func testRejectsMismatchedSets() throws {
        let a = try Fixtures.tensor("fad_a")
        XCTAssertThrowsError(try FrechetDistance.distance(a, Tensor.zeros([5, 8]))) { e in
            XCTAssertTrue("\(e)".contains("dimensions differ: 16 vs 8"), "\(e)")
        }
        XCTAssertThrowsError(try FrechetDistance.distance(a, Tensor.zeros([1, 16]))) { e in
            XCTAssertTrue("\(e)".contains("at least 2 embeddings"), "\(e)")
        }
    }
}
