@testable import Audio
import XCTest

final class WindowTests: XCTestCase {
    func testPeriodicHannAndHamming() {
        let h = Window.hann.values(length: 8)
        // Periodic: w[n] = 0.5 - 0.5 cos(2 pi n / 8), so w[4] = 1 and there is no second zero at the end.
        XCTAssertEqual(h[0], 0)
        XCTAssertEqual(h[2], 0.5, accuracy: 1e-7)
        XCTAssertEqual(h[4], 1)
        XCTAssertEqual(h[7], h[1], accuracy: 1e-7)
        let m = Window.hamming.values(length: 8)
        XCTAssertEqual(m[0], 0.08, accuracy: 1e-7)
        XCTAssertEqual(m[4], 1, accuracy: 1e-7)
        // Hann at hop N/4 overlap-adds to a constant 2: the property iSTFT relies on.
        let w = Window.hann.values(length: 16)
        for i in 0..<4 { XCTAssertEqual(w[i] + w[i + 4] + w[i + 8] + w[i + 12], 2, accuracy: 1e-6) }
    }

    func testShortWindowIsCentredInNFFT() {
        let p = Window.hann.values(length: 4, paddedTo: 9)
        // Left pad (9 - 4) / 2 = 2, as librosa.util.pad_center.
        XCTAssertEqual(p, [0, 0, 0, 0.5, 1, 0.5, 0, 0, 0])
        XCTAssertEqual(Array(p[2..<6]), Window.hann.values(length: 4))
    }
}
