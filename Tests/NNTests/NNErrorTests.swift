import NN
import XCTest

final class NNErrorTests: XCTestCase {
    func testMessagesNameTheCulprit() {
        XCTAssertEqual(NNError.file("/x/y.bin", "missing").description, "/x/y.bin: missing")
        XCTAssertEqual(NNError.invalidArgument("steps", "expected a positive integer, got 0").description,
                       "steps: expected a positive integer, got 0")
    }
}
