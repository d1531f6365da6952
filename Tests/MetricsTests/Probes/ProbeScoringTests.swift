import Foundation
import Corpus
import Metrics
import XCTest

/// The measurements read the synthesized references right; otherwise a model's probe accuracy would mean nothing.
final class ProbeScoringTests: XCTestCase {
    func testReferencesScoreAsAsked() throws {
        let probes = try ProbeSet.make(perKind: 8, seed: 5)
        let scoring = ProbeScoring()
        // Order and family are read by a classifier: ProbeLabelerTests.
        for kind in ProbeKind.allCases where !kind.needsClassifier {
            let mine = probes.filter { $0.kind == kind }
            let readings = try mine.map { try scoring.score($0, audio: $0.reference, quietAudio: $0.quietReference) }
            let correct = readings.filter(\.correct).count
            for (p, r) in zip(mine, readings) where !r.correct { print("reference miss: \(kind) '\(p.caption)' asked \(p.expected), read \(r.measured)") }
            XCTAssertGreaterThanOrEqual(correct, 7, "\(kind): only \(correct) of 8 references read as asked")
        }
    }

    func testWrongAnswersScoreWrong() throws {
        let probes = try ProbeSet.make(perKind: 6, seed: 9)
        let scoring = ProbeScoring()
        // Each reference scored against another probe of its kind that asks something else.
        for kind in [ProbeKind.pitch, .note, .register, .count, .noiseColor] {
            let mine = probes.filter { $0.kind == kind }
            for a in mine {
                guard let b = mine.first(where: { other in
                    switch kind {
                    case .pitch, .note: return abs(12 * log2(Double(other.expected)! / Double(a.expected)!)) > 2
                    default: return other.expected != a.expected
                    }
                }) else { continue }
                XCTAssertFalse(try scoring.score(b, audio: a.reference).correct, "\(kind): '\(a.expected)' audio passed as '\(b.expected)'")
            }
        }
        // Loudness: the quiet reference as the "loud" one fails; duration: one sample too many fails.
        let loud = try XCTUnwrap(probes.first { $0.kind == .loudness })
        XCTAssertFalse(try scoring.score(loud, audio: loud.quietReference!, quietAudio: loud.reference).correct)
        let d = try XCTUnwrap(probes.first { $0.kind == .duration })
        XCTAssertFalse(try scoring.score(d, audio: d.reference + [0, 0]).correct)
        XCTAssertThrowsError(try scoring.score(loud, audio: loud.reference)) { XCTAssertTrue("\($0)".contains("quiet twin"), "\($0)") }
        // Order and family probes need the classifier's labels, one per half or one.
        let order = try XCTUnwrap(probes.first { $0.kind == .order })
        XCTAssertThrowsError(try scoring.score(order, audio: order.reference)) { XCTAssertTrue("\($0)".contains("labels"), "\($0)") }
        XCTAssertThrowsError(try scoring.score(order, audio: order.reference, labels: ["tone"]))
        let parts = order.expected.split(separator: ">").map(String.init)
        XCTAssertTrue(try scoring.score(order, audio: order.reference, labels: parts).correct)
        XCTAssertFalse(try scoring.score(order, audio: order.reference, labels: parts.reversed()).correct)
    }

    /// A register is the detected fundamental's band, with the corpus's own edges (250 and 700 Hz).
    func testRegisterBands() throws {
        let scoring = ProbeScoring()
        func tone(_ hz: Double) -> [Float] { (0..<16_000).map { Float(0.5 * sin(2 * Double.pi * hz * Double($0) / 16_000)) } }
        func probe(_ asked: String) -> Probe {
            Probe(kind: .register, caption: "a sine oscillator humming in a \(asked) register", expected: asked, seconds: 1,
                  reference: [], params: [:])
        }
        for (hz, band) in [(110.0, "low"), (240, "low"), (262, "mid"), (660, "mid"), (740, "high"), (2000, "high")] {
            XCTAssertEqual(PitchWords.register(hz: hz), band)
            for asked in ["low", "mid", "high"] {
                let r = try scoring.score(probe(asked), audio: tone(hz))
                XCTAssertEqual(r.correct, asked == band, "\(hz) Hz asked \(asked): \(r.measured)")
            }
        }
        XCTAssertEqual(try scoring.score(probe("low"), audio: [Float](repeating: 0, count: 16_000)).measured, "no pitch")
    }
}
