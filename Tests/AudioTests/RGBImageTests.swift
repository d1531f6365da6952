@testable import Audio
import XCTest

final class RGBImageTests: XCTestCase {
    func testPNGRoundTripAndErrors() throws {
        var img = RGBImage(width: 5, height: 3, fill: (10, 20, 30))
        img.set(4, 2, (255, 0, 128))
        img.set(99, 99, (1, 1, 1))  // outside: ignored
        XCTAssertTrue(img[0, 0] == (10, 20, 30))
        let path = temporaryPath("img.png")
        defer { unlink(path) }
        try img.writePNG(to: path)
        let back = try RGBImage(contentsOfPNG: path)
        XCTAssertEqual(back, img)
        XCTAssertTrue(back[4, 2] == (255, 0, 128))

        XCTAssertThrowsError(try RGBImage(contentsOfPNG: path + ".missing")) {
            XCTAssertEqual($0 as? AudioError, .missingFile(path + ".missing"))
        }
        let junk = temporaryPath("junk.png")
        defer { unlink(junk) }
        try Data("not a png at all".utf8).write(to: URL(fileURLWithPath: junk))
        XCTAssertThrowsError(try RGBImage(contentsOfPNG: junk)) { error in
            guard case let .file(p, m)? = error as? AudioError else { return XCTFail("got \(error)") }
            XCTAssertEqual(p, junk)
            XCTAssertTrue(m.hasPrefix("not a PNG"), m)
        }
    }
}
