@testable import Audio
import XCTest

final class AudioBufferTests: XCTestCase {
    func testPlanarInterleavesAndSplitsBack() throws {
        let b = try AudioBuffer(planar: [[1, 2, 3], [10, 20, 30]], sampleRate: 8000)
        XCTAssertEqual(b.samples, [1, 10, 2, 20, 3, 30])
        XCTAssertEqual(b.frameCount, 3)
        XCTAssertEqual(b.channel(1), [10, 20, 30])
        XCTAssertEqual(b.planar, [[1, 2, 3], [10, 20, 30]])
        XCTAssertEqual(b.duration, 3.0 / 8000)
    }

    func testMonoMixdownAveragesChannels() throws {
        let b = try AudioBuffer(planar: [[1, 0, -1], [0.5, 0.5, 0.5]], sampleRate: 100)
        let m = b.mixedToMono()
        XCTAssertEqual(m.channels, 1)
        XCTAssertEqual(m.samples, [0.75, 0.25, -0.25])
    }

    func testBadShapesAreNamed() {
        XCTAssertThrowsError(try AudioBuffer(sampleRate: 100, channels: 2, interleaved: [1, 2, 3])) {
            XCTAssertEqual($0 as? AudioError, .invalidArgument("samples", "expected a multiple of 2 channels, got 3 samples"))
        }
        XCTAssertThrowsError(try AudioBuffer(mono: [1], sampleRate: 0)) {
            XCTAssertEqual($0 as? AudioError, .invalidArgument("sampleRate", "0 Hz is out of range (expected 1...768000 Hz)"))
        }
        XCTAssertThrowsError(try AudioBuffer(mono: [1], sampleRate: 1_000_000_000_000)) {
            XCTAssertEqual($0 as? AudioError, .invalidArgument("sampleRate", "1000000000000 Hz is out of range (expected 1...768000 Hz)"))
        }
        XCTAssertThrowsError(try AudioBuffer(planar: [[1, 2], [3]], sampleRate: 10)) {
            XCTAssertEqual($0 as? AudioError, .invalidArgument("planar[1]", "expected 2 samples like channel 0, got 1"))
        }
    }
}
