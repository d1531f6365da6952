import Diffusion
import XCTest

final class DiffusionErrorTests: XCTestCase {
    func testMessagesNameTheCulprit() {
        XCTAssertEqual(DiffusionError.file("/x/y.bin", "missing").description, "/x/y.bin: missing")
        XCTAssertEqual(DiffusionError.invalidArgument("steps", "expected a positive integer, got 0").description,
                       "steps: expected a positive integer, got 0")
    }
}
