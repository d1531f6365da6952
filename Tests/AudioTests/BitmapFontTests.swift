@testable import Audio
import XCTest

final class BitmapFontTests: XCTestCase {
    func testGlyphsAreFiveBySeven() {
        for (ch, rows) in BitmapFont.glyphs {
            XCTAssertEqual(rows.count, 7, "\(ch)")
            XCTAssertTrue(rows.allSatisfy { $0 < 32 }, "\(ch)")
        }
        for ch in "0123456789.-kHzs" { XCTAssertNotNil(BitmapFont.glyphs[ch], "\(ch)") }
    }

    func testDrawPlacesPixels() {
        XCTAssertEqual(BitmapFont.measure("1k"), 11)
        XCTAssertEqual(BitmapFont.measure(""), 0)
        var lit: Set<[Int]> = []
        BitmapFont.draw("-", x: 10, y: 20) { lit.insert([$0, $1]) }
        XCTAssertEqual(lit, Set((10..<15).map { [$0, 23] }))
        var count = 0
        BitmapFont.draw("1", x: 0, y: 0) { _, _ in count += 1 }
        XCTAssertEqual(count, 10)
        // An unknown character is drawn as a solid box, visibly.
        count = 0
        BitmapFont.draw("?", x: 0, y: 0) { _, _ in count += 1 }
        XCTAssertEqual(count, 35)
    }

    /// Axis labels are words: every lowercase letter has a glyph, and a capital draws as its lowercase.
    func testLettersAndCapitals() {
        for ch in "abcdefghijklmnopqrstuvwxyz()/_:+=%" { XCTAssertNotNil(BitmapFont.glyphs[ch], "\(ch)") }
        var upper: [[Int]] = [], lower: [[Int]] = []
        BitmapFont.draw("Loss", x: 0, y: 0) { upper.append([$0, $1]) }
        BitmapFont.draw("loss", x: 0, y: 0) { lower.append([$0, $1]) }
        XCTAssertEqual(upper, lower)
        XCTAssertFalse(lower.isEmpty)
    }
}
