import Tensors
import XCTest

final class RuntimeTests: XCTestCase {
    func testBlasConfigNamesOpenBLAS() {
        XCTAssertTrue(Runtime.blasConfig.contains("OpenBLAS"), Runtime.blasConfig)
        XCTAssertGreaterThanOrEqual(Runtime.threadCount, 1)
    }

    func testParallelForVisitsEveryIndexOnce() {
        var hits = [Int](repeating: 0, count: 1000)
        hits.withUnsafeMutableBufferPointer { h in
            Runtime.parallelFor(1000) { h[$0] += 1 }
        }
        XCTAssertEqual(hits, [Int](repeating: 1, count: 1000))
    }
}
