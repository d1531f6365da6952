@testable import Audio
import XCTest

final class PitchDetectionTests: XCTestCase {
    func sine(_ hz: Double, seconds: Double = 1, rate: Int = 16_000, harmonics: Int = 1) -> [Float] {
        (0..<Int(seconds * Double(rate))).map { i in
            let t = Double(i) / Double(rate)
            return Float((1...harmonics).reduce(0.0) { $0 + 0.5 / Double($1) * sin(2 * .pi * hz * Double($1) * t) })
        }
    }

    func testPureAndHarmonicTonesAcrossTheRange() throws {
        let d = PitchDetector()
        for hz in [82.4, 220, 440, 1000, 2500] {
            let f = try XCTUnwrap(try d.fundamental(sine(hz)), "no pitch found for \(hz) Hz")
            XCTAssertEqual(PitchDetector.semitones(f, from: hz), 0, accuracy: 0.1, "pure \(hz) Hz read as \(f)")
        }
        // A sawtooth-like tone with 8 harmonics: the fundamental, not a harmonic, is reported.
        let f = try XCTUnwrap(try d.fundamental(sine(196, harmonics: 8)))
        XCTAssertEqual(f, 196, accuracy: 196 * 0.01)
    }

    func testNoiseAndSilenceHaveNoPitch() throws {
        var state: UInt64 = 7
        let noise = (0..<16_000).map { _ -> Float in
            state = state &* 6364136223846793005 &+ 1442695040888963407
            return Float(Double(state >> 11) / Double(1 << 53) - 0.5)
        }
        XCTAssertNil(try PitchDetector().fundamental(noise))
        XCTAssertNil(try PitchDetector().fundamental([Float](repeating: 0, count: 16_000)))
        XCTAssertEqual(try PitchDetector().track([Float](repeating: 0.1, count: 100)), [])
    }

    func testSilentFramesAreSkippedAroundATone() throws {
        let tone = sine(660, seconds: 0.5)
        let padded = [Float](repeating: 0, count: 8000) + tone + [Float](repeating: 0, count: 8000)
        let frames = try PitchDetector().track(padded)
        XCTAssertNil(frames.first ?? nil)
        XCTAssertNil(frames.last ?? nil)
        XCTAssertEqual(try XCTUnwrap(try PitchDetector().fundamental(padded)), 660, accuracy: 660 * 0.01)
    }

    func testBadRangeIsNamed() {
        XCTAssertThrowsError(try PitchDetector(fmin: 10, frameLength: 1024).track(sine(440))) {
            XCTAssertTrue("\($0)".contains("PitchDetector"), "\($0)")
        }
    }
}
