@testable import Audio
import XCTest

final class SpectrogramTests: XCTestCase {
    func testLayoutAndTranspose() throws {
        let s = try Spectrogram(frames: 2, bins: 3, values: [1, 2, 3, 4, 5, 6])
        XCTAssertEqual(s[1, 0], 4)
        XCTAssertEqual(s.transposed(), [1, 4, 2, 5, 3, 6])
        XCTAssertEqual(s.map { $0 * 2 }.values, [2, 4, 6, 8, 10, 12])
        XCTAssertThrowsError(try Spectrogram(frames: 2, bins: 3, values: [1])) {
            XCTAssertEqual($0 as? AudioError, .invalidArgument("values", "expected 2x3 = 6 values, got 1"))
        }
    }

    func testComplexMagnitude() throws {
        let c = try ComplexSpectrogram(frames: 1, bins: 2, real: [3, 0], imag: [4, -2])
        XCTAssertEqual(c.magnitude.values, [5, 2])
        XCTAssertThrowsError(try ComplexSpectrogram(frames: 1, bins: 2, real: [3], imag: [4, -2]))
    }
}
