import Diffusion
import Foundation
import Training
import XCTest

/// The probe evaluation on a small subset, with the shipped default model, as `foley eval-probes` runs it.
final class ProbeEvaluationTests: XCTestCase {
    func testShippedModelRunsOneProbePerKind() throws {
        let folder = TrainFixture.repositoryRoot.appendingPathComponent("models/default")
        let pipe = try TextToAudioPipeline.load(folder: folder)
        let probes = try ProbeSet.make(perKind: 1, seed: 3)
        var seen = 0
        let report = try ProbeEvaluation(pipeline: pipe, steps: 8, guidanceScale: 2.5, seed: 3).run(probes) { done, _ in
            seen = done
            return true
        }
        XCTAssertEqual(seen, 5)
        XCTAssertEqual(report.results.count, 5)
        for kind in ProbeKind.allCases {
            XCTAssertEqual(report.tally(kind).total, 1)
            XCTAssertEqual(report.tally(kind).reference, 1, "\(kind) reference misread")
            XCTAssertTrue(report.table.contains(kind.rawValue.padding(toLength: 11, withPad: " ", startingAt: 0) + "   1 "), report.table)
        }
        // The pipeline trims to the asked length exactly, whatever the model learned.
        XCTAssertEqual(report.accuracy(.duration), 1)
        let json = try XCTUnwrap(try JSONSerialization.jsonObject(with: report.json()) as? [String: Any])
        XCTAssertEqual((json["probes"] as? [Any])?.count, 5)
        XCTAssertNotNil((json["summary"] as? [String: Any])?["pitch"])
        // Stopping early keeps what was scored.
        let partial = try ProbeEvaluation(pipeline: pipe, steps: 2, seed: 3).run(Array(probes.prefix(3))) { done, _ in done < 1 }
        XCTAssertEqual(partial.results.count, 1)
    }
}
