import Metrics
import XCTest

final class MetricsErrorTests: XCTestCase {
    func testMessagesNameTheCulprit() {
        XCTAssertEqual(MetricsError.invalidArgument("splits", "expected 1...4, got 0").description, "splits: expected 1...4, got 0")
        XCTAssertEqual(MetricsError.file("/gen", "not a directory").description, "/gen: not a directory")
        XCTAssertEqual(MetricsError.lapack("dsyev", "did not converge").description, "dsyev: did not converge")
    }
}
