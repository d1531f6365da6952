import Training
import XCTest

final class TrainingErrorTests: XCTestCase {
    func testConfigErrorNamesKeyAndAllowedValues() {
        let e = TrainingError.config(key: "train.loss", found: "'l3'", expected: "one of l1, mse")
        XCTAssertEqual(e.description, "config key 'train.loss': found 'l3', expected one of l1, mse")
        XCTAssertEqual(TrainingError.file("/d/x.wav", "unreadable").description, "/d/x.wav: unreadable")
    }
}
