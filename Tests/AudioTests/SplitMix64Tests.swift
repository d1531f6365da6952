@testable import Audio
import XCTest

final class SplitMix64Tests: XCTestCase {
    func testKnownSequenceAndRange() {
        // SplitMix64 from seed 0: the reference values of Vigna's splitmix64.c.
        var r = SplitMix64(seed: 0)
        XCTAssertEqual(r.next(), 0xE220_A839_7B1D_CDAF)
        XCTAssertEqual(r.next(), 0x6E78_9E6A_A1B9_65F4)
        var u = SplitMix64(seed: 42)
        let xs = (0..<1000).map { _ in u.nextUnit() }
        XCTAssertTrue(xs.allSatisfy { $0 >= 0 && $0 < 1 })
        XCTAssertEqual(xs.reduce(0, +) / 1000, 0.5, accuracy: 0.05)
    }
}
