@testable import Audio
import XCTest

final class ColormapTests: XCTestCase {
    func assertClose(_ a: (UInt8, UInt8, UInt8), _ b: (Int, Int, Int), _ name: String) {
        // The polynomial fits stay within ~2% of matplotlib's tables (magma's last blue is 5 levels off).
        XCTAssertEqual(Int(a.0), b.0, accuracy: 6, name)
        XCTAssertEqual(Int(a.1), b.1, accuracy: 6, name)
        XCTAssertEqual(Int(a.2), b.2, accuracy: 6, name)
    }

    /// Ends and middle of matplotlib's tables: viridis #440154 #21918C #FDE725, magma #000004 #B73779 #FCFDBF.
    func testAnchorsMatchMatplotlib() {
        assertClose(Colormap.viridis.rgb(0), (0x44, 0x01, 0x54), "viridis 0")
        assertClose(Colormap.viridis.rgb(128.0 / 255), (0x21, 0x91, 0x8C), "viridis 0.5")
        assertClose(Colormap.viridis.rgb(1), (0xFD, 0xE7, 0x25), "viridis 1")
        assertClose(Colormap.magma.rgb(0), (0x00, 0x00, 0x04), "magma 0")
        assertClose(Colormap.magma.rgb(128.0 / 255), (0xB7, 0x37, 0x79), "magma 0.5")
        assertClose(Colormap.magma.rgb(1), (0xFC, 0xFD, 0xBF), "magma 1")
    }

    func testTableAndClamping() {
        for map in Colormap.allCases {
            let t = map.table
            XCTAssertEqual(t.count, 768)
            XCTAssertTrue(map.rgb(-3) == map.rgb(0) && map.rgb(7) == map.rgb(1) && map.rgb(.nan) == map.rgb(0))
            // Both maps get brighter monotonically (sum of channels) from end to end.
            let lum: [Int] = (0..<256).map { i in
                let r = Int(t[i * 3]), g = Int(t[i * 3 + 1]), b = Int(t[i * 3 + 2])
                return r + g + b
            }
            XCTAssertLessThan(lum[0], lum[128])
            XCTAssertLessThan(lum[128], lum[255])
        }
    }
}
