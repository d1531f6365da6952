import Foundation
import XCTest
@testable import Text

final class PromptAttributesTests: XCTestCase {
    func read(_ s: String) -> PromptAttributes { PromptAttributes(parsing: s) }

    func testFrequenciesInEveryUnit() {
        XCTAssertEqual(read("a sine oscillator humming at 415 hertz").pitchesHz, [415])
        XCTAssertEqual(read("a 1.5 kHz beep").pitchesHz, [1500])
        XCTAssertEqual(read("2 kilohertz whistle").pitchesHz, [2000])
        XCTAssertEqual(read("440Hz tone").pitchesHz, [440])
        XCTAssertEqual(read("a tone at 1,000 Hz").pitchesHz, [1000])
        XCTAssertEqual(read("330 cycles per second, sine oscillator").pitchesHz, [330])
        XCTAssertEqual(read("a tone whose pitch climbs from 200 hertz to 1800 hertz").pitchesHz, [200, 1800])
    }

    func testNoteNames() throws {
        let a4 = try XCTUnwrap(read("the musical note A4 from a sine oscillator").pitchesHz.first)
        XCTAssertEqual(a4, 440, accuracy: 1e-9)
        XCTAssertEqual(try XCTUnwrap(read("an F#4 tone").pitchesHz.first), 369.994, accuracy: 1e-3)
        XCTAssertEqual(try XCTUnwrap(read("a plucked Bb2").pitchesHz.first), 116.541, accuracy: 1e-3)
        XCTAssertEqual(try XCTUnwrap(read("C♯5 on a flute").pitchesHz.first), 554.365, accuracy: 1e-3)
        // Notes and hertz keep the prompt's order.
        XCTAssertEqual(read("E2 then 900 Hz").pitchesHz.map { ($0 * 100).rounded() / 100 }, [82.41, 900])
        // A lone letter or a word ending in a note letter is no note.
        XCTAssertEqual(read("a 4 second beep").pitchesHz, [])
        XCTAssertEqual(read("tab4").pitchesHz, [])
    }

    func testCounts() {
        XCTAssertEqual(read("two short beeps").count, 2)
        XCTAssertEqual(read("a beep repeated three times").count, 3)
        XCTAssertEqual(read("someone raps 5 times on a wooden surface").count, 5)
        XCTAssertEqual(read("a timer that goes off once").count, 1)
        XCTAssertEqual(read("a click, twice").count, 2)
        XCTAssertEqual(read("one short electronic pip").count, 1)
        XCTAssertEqual(read("twelve knocks").count, 12)
    }

    func testNumbersThatAreNotCounts() {
        // Frequencies, tempi, durations and levels measure; "at once" is simultaneity; quoted words are what is said.
        XCTAssertNil(read("a 440 Hz tone").count)
        XCTAssertNil(read("a kick groove at 120 beats each minute").count)
        XCTAssertNil(read("a 2.5 second hum").count)
        XCTAssertNil(read("the notes C4 E4 G4 sounding at once").count)
        XCTAssertNil(read("a male voice pronouncing \"one two three\"").count)
        XCTAssertEqual(read("3 beeps at 2000 Hz, 10 dB louder").count, 3)
    }

    func testFeatures() throws {
        XCTAssertEqual(PromptAttributes(parsing: "").features, [Float](repeating: 0, count: PromptAttributes.featureSize))
        XCTAssertEqual(PromptAttributes(parsing: "rain on a tin roof").features.filter { $0 != 0 }.count, 0)
        let f = PromptAttributes(pitchesHz: [2000], count: 3).features
        XCTAssertEqual(f.count, PromptAttributes.featureSize)
        XCTAssertEqual(f[0], 1)
        XCTAssertEqual(f[1], 0.25, accuracy: 1e-6) // one octave above 1 kHz, over 4
        // Period 1 octave: 2 kHz and 1 kHz share the phase; period 0.25 octave: sin(8 pi) = 0, cos = 1.
        XCTAssertEqual(f[2 + 2 * 3], 0, accuracy: 1e-5)
        XCTAssertEqual(f[3 + 2 * 5], 1, accuracy: 1e-5)
        let countBase = PromptAttributes.pitchSlots * PromptAttributes.pitchBlock
        XCTAssertEqual(f[countBase], 1)
        XCTAssertEqual(f[countBase + 3], 1)
        XCTAssertEqual(f[(countBase + 1)...].reduce(0, +), 1)
        // A semitone apart changes the finest features clearly (the UNet can tell neighbouring notes apart).
        let a = PromptAttributes(pitchesHz: [440]).features, b = PromptAttributes(pitchesHz: [466.16]).features
        let diff = zip(a, b).map { abs($0 - $1) }.max()!
        XCTAssertGreaterThan(diff, 0.4)
        // Large counts are fed as the largest.
        let big = PromptAttributes(count: 40).features
        XCTAssertEqual(big[countBase + PromptAttributes.maxCount], 1)
    }
}
