import Audio
import XCTest

final class AudioErrorTests: XCTestCase {
    func testMessagesNameTheCulprit() {
        XCTAssertEqual(AudioError.file("/x/y.bin", "missing").description, "/x/y.bin: missing")
        XCTAssertEqual(AudioError.invalidArgument("steps", "expected a positive integer, got 0").description,
                       "steps: expected a positive integer, got 0")
    }
}
