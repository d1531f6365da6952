import Foundation
import Corpus
import Metrics
import XCTest

/// The measurements read the synthesized references right; otherwise a model's probe accuracy would mean nothing.
final class ProbeScoringTests: XCTestCase {
    func testReferencesScoreAsAsked() throws {
        let probes = try ProbeSet.make(perKind: 8, seed: 5)
        let scoring = ProbeScoring()
        for kind in ProbeKind.allCases {
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
        for kind in [ProbeKind.pitch, .count, .noiseColor] {
            let mine = probes.filter { $0.kind == kind }
            for a in mine {
                guard let b = mine.first(where: { other in
                    switch kind {
                    case .pitch: return abs(12 * log2(Double(other.expected)! / Double(a.expected)!)) > 2
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
    }
}
