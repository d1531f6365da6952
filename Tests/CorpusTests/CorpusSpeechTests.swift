import Foundation
import Tensors
import Corpus
import XCTest

/// Speech through espeak-ng. scripts/setup installs it, so a missing binary fails these tests rather than skipping.
final class CorpusSpeechTests: XCTestCase {
    func testEspeakIsInstalled() {
        XCTAssertNotNil(Espeak.locate(), "espeak-ng not found on PATH: run scripts/setup")
    }

    func testSpeechClipIsAudibleAndQuotesItsWords() throws {
        let espeak = try XCTUnwrap(Espeak.locate(), "espeak-ng not found on PATH: run scripts/setup")
        let family = SpeechFamily(seconds: 2, espeak: espeak)
        var voices = Set<String>()
        for seed in UInt64(0)..<5 {
            let clip = try family.render(rng: RandomGenerator(seed: seed))
            checkBasics(clip, seconds: 2)
            XCTAssertGreaterThan(Measure.rms(clip.samples), 0.02, clip.caption)
            let words = try XCTUnwrap(clip.params["words"])
            XCTAssertTrue(clip.caption.contains("\"\(words)\""), clip.caption)
            voices.insert(clip.params["voice"]!)
        }
        XCTAssertGreaterThan(voices.count, 1)
    }

    func testSpeechFitsShortClips() throws {
        let espeak = try XCTUnwrap(Espeak.locate(), "espeak-ng not found on PATH: run scripts/setup")
        for seed in UInt64(10)..<14 {
            let clip = try SpeechFamily(seconds: 1, espeak: espeak).render(rng: RandomGenerator(seed: seed))
            checkBasics(clip, seconds: 1)
            XCTAssertLessThanOrEqual(Double(clip.params["speech_seconds"]!)!, 1.0, clip.caption)
        }
    }

    func testSpeechIsDeterministic() throws {
        let espeak = try XCTUnwrap(Espeak.locate(), "espeak-ng not found on PATH: run scripts/setup")
        let a = try SpeechFamily(seconds: 2, espeak: espeak).render(rng: RandomGenerator(seed: 7))
        let b = try SpeechFamily(seconds: 2, espeak: espeak).render(rng: RandomGenerator(seed: 7))
        XCTAssertEqual(a.samples, b.samples)
        XCTAssertEqual(a.caption, b.caption)
    }

    func testMissingEspeakIsAClearError() {
        let broken = SpeechFamily(seconds: 2, espeak: Espeak(executable: URL(fileURLWithPath: "/nonexistent/espeak-ng")))
        XCTAssertThrowsError(try broken.render(rng: RandomGenerator(seed: 1))) { error in
            XCTAssertTrue("\(error)".contains("espeak-ng"), "\(error)")
        }
    }
}
