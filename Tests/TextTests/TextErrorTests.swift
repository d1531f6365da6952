import Text
import XCTest

final class TextErrorTests: XCTestCase {
    func testMessagesNameTheCulprit() {
        XCTAssertEqual(TextError.file("/x/y.bin", "missing").description, "/x/y.bin: missing")
        XCTAssertEqual(TextError.invalidArgument("steps", "expected a positive integer, got 0").description,
                       "steps: expected a positive integer, got 0")
    }
}
