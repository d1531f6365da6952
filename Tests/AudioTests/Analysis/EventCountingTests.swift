@testable import Audio
import XCTest

final class EventCountingTests: XCTestCase {
    /// Beeps of `length` seconds at the given onsets, with a 5 ms ramp, in a clip of `seconds`.
    func beeps(at onsets: [Double], length: Double, hz: Double = 1000, seconds: Double = 4, tail: Double = 0) -> [Float] {
        let rate = 16_000.0
        var x = [Float](repeating: 0, count: Int(seconds * rate))
        for o in onsets {
            for i in 0..<Int((length + tail) * rate) {
                let t = Double(i) / rate
                let idx = Int(o * rate) + i
                guard idx < x.count else { break }
                let ramp = min(1, t / 0.005, max(0, (length - t) / 0.005))
                let decay = t > length ? 0.05 * exp(-(t - length) / 0.02) : 0
                x[idx] += Float((0.5 * ramp + decay) * sin(2 * .pi * hz * t))
            }
        }
        return x
    }

    func testCountsBeepsWhateverTheRhythm() throws {
        let c = EventCounter()
        XCTAssertEqual(try c.count(beeps(at: [0.2, 1.0, 1.8], length: 0.15)), 3)
        XCTAssertEqual(try c.count(beeps(at: [0.2, 0.36, 0.52, 0.68, 0.84], length: 0.08)), 5)  // fast: 80 ms gaps
        // Pairs: 0.1 s apart inside a pair, 0.6 s between pairs.
        XCTAssertEqual(try c.count(beeps(at: [0.2, 0.35, 0.95, 1.1, 1.7, 1.85], length: 0.08)), 6)
        XCTAssertEqual(try c.count(beeps(at: [1.0], length: 0.2)), 1)
        XCTAssertEqual(try c.count([Float](repeating: 0, count: 16_000)), 0)
    }

    func testQuietTailsAndLevelDifferencesDoNotSplitOrHideEvents() throws {
        // A -26 dB ringing tail after each beep stays inside the event.
        XCTAssertEqual(try EventCounter().count(beeps(at: [0.2, 1.0, 1.8, 2.6], length: 0.1, tail: 0.2)), 4)
        // A beep 6 dB quieter than the others still counts.
        var x = beeps(at: [0.2, 1.0], length: 0.1)
        let quiet = beeps(at: [2.0], length: 0.1).map { $0 * 0.5 }
        for i in x.indices { x[i] += quiet[i] }
        let events = try EventCounter().events(x)
        XCTAssertEqual(events.count, 3)
        XCTAssertEqual(events[2].lowerBound, 2.0, accuracy: 0.02)
    }

    func testThresholdsAreChecked() {
        XCTAssertThrowsError(try EventCounter(onDB: -30, offDB: -20).count([0, 1])) {
            XCTAssertTrue("\($0)".contains("offDB < onDB"), "\($0)")
        }
    }
}
