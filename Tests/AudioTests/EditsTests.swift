@testable import Audio
import XCTest

final class EditsTests: XCTestCase {
    func testFadesReachZeroAtTheEnds() throws {
        let b = try AudioBuffer(planar: [[Float](repeating: 1, count: 100), [Float](repeating: -1, count: 100)], sampleRate: 100)
        let f = try b.faded(in: 0.1, out: 0.2)
        let l = f.channel(0), r = f.channel(1)
        XCTAssertEqual(l[0], 0)
        XCTAssertEqual(l[5], 0.5, accuracy: 1e-6)
        XCTAssertEqual(l[10], 1)
        XCTAssertEqual(l[50], 1)
        XCTAssertEqual(l[99], 0)
        XCTAssertEqual(l[90], 0.45, accuracy: 1e-6)  // 9 / 20 of the way out
        XCTAssertEqual(r[5], -0.5, accuracy: 1e-6)
        let c = try b.faded(in: 0.1, shape: .cosine).channel(0)
        XCTAssertEqual(c[0], 0)
        XCTAssertEqual(c[5], 0.5, accuracy: 1e-6)
        XCTAssertLessThan(c[1], 0.1)  // slow start, unlike linear's 0.1
        XCTAssertThrowsError(try b.faded(in: -1)) {
            XCTAssertEqual($0 as? AudioError, .invalidArgument("fadeIn", "expected seconds >= 0, got -1.0"))
        }
    }

    func testTrimSilenceKeepsTheLoudPartAndMargin() throws {
        var x = [Float](repeating: 0.0001, count: 1000)  // -80 dBFS
        for i in 300..<600 { x[i] = 0.5 }
        let b = try AudioBuffer(mono: x, sampleRate: 1000)
        let t = try b.trimmedSilence(thresholdDB: -60)
        XCTAssertEqual(t.frameCount, 300)
        XCTAssertTrue(t.samples.allSatisfy { $0 == 0.5 })
        XCTAssertEqual(try b.trimmedSilence(thresholdDB: -60, margin: 0.05).frameCount, 400)
        XCTAssertEqual(try b.trimmedSilence(thresholdDB: -90).frameCount, 1000)
        XCTAssertEqual(try AudioBuffer(mono: [0, 0], sampleRate: 10).trimmedSilence().frameCount, 0)
        // Stereo: a frame counts as loud when any channel is.
        let s = try AudioBuffer(planar: [[0, 0, 0.5, 0], [0, 0.5, 0, 0]], sampleRate: 10).trimmedSilence()
        XCTAssertEqual(s.samples, [0, 0.5, 0.5, 0])
    }

    func testFitPadsOrCrops() throws {
        let b = try AudioBuffer(planar: [[1, 2, 3], [4, 5, 6]], sampleRate: 10)
        XCTAssertEqual(try b.fitted(toFrames: 2).samples, [1, 4, 2, 5])
        XCTAssertEqual(try b.fitted(toFrames: 4).samples, [1, 4, 2, 5, 3, 6, 0, 0])
        XCTAssertEqual(try b.fitted(toDuration: 0.5).frameCount, 5)
        XCTAssertThrowsError(try b.fitted(toFrames: -1)) {
            XCTAssertEqual($0 as? AudioError, .invalidArgument("frames", "expected >= 0, got -1"))
        }
    }
}
