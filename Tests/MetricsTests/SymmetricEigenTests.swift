import Metrics
import XCTest

final class SymmetricEigenTests: XCTestCase {
    func testTwoByTwo() throws {
        // [[2, 1], [1, 2]] has eigenvalues 1 and 3 with vectors (1, -1)/√2 and (1, 1)/√2.
        let e = try SymmetricEigen([2, 1, 1, 2], n: 2)
        XCTAssertEqual(e.values[0], 1, accuracy: 1e-12)
        XCTAssertEqual(e.values[1], 3, accuracy: 1e-12)
        XCTAssertEqual(abs(e.vectors[0 * 2 + 1]), 0.5.squareRoot(), accuracy: 1e-12)
        XCTAssertEqual(e.vectors[0 * 2 + 1], e.vectors[1 * 2 + 1], accuracy: 1e-12)
    }

    func testSquareRootSquaresBack() throws {
        let m: [Double] = [4, 1, 0, 1, 3, 1, 0, 1, 2]
        let root = try SymmetricEigen(m, n: 3).reconstruct { $0.squareRoot() }
        for i in 0..<3 {
            for j in 0..<3 {
                let v = (0..<3).reduce(0.0) { $0 + root[i * 3 + $1] * root[$1 * 3 + j] }
                XCTAssertEqual(v, m[i * 3 + j], accuracy: 1e-12)
            }
        }
    }

    func testRejectsNaN() {
        XCTAssertThrowsError(try SymmetricEigen([1, .nan, .nan, 1], n: 2)) { e in
            XCTAssertTrue("\(e)".contains("NaN"), "\(e)")
        }
    }
}
