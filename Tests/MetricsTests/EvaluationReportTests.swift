import Foundation
import Metrics
import XCTest

final class EvaluationReportTests: XCTestCase {
    func testJSONIsWrittenAtomically() throws {
        let (gen, ref) = try evaluationFolders(self)
        let r = try Evaluation.run(generated: gen, reference: ref, metrics: [.lsd], backbone: MelStatsEmbedder())
        let dir = try temporaryDirectory(self)
        let path = dir.appendingPathComponent("eval.json").path
        try r.writeJSON(to: path)
        let json = try XCTUnwrap(JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: path))) as? [String: Any])
        XCTAssertEqual(json["paired_count"] as? Int, 3)
        XCTAssertEqual((json["metrics"] as? [String: Double])?["lsd"] ?? -1, r.metrics["lsd"]!, accuracy: 1e-9)
        XCTAssertEqual(try FileManager.default.contentsOfDirectory(atPath: dir.path), ["eval.json"])
    }

    func testTableListsMetricsCountsAndLeftovers() throws {
        let (gen, ref) = try evaluationFolders(self)
        let r = try Evaluation.run(generated: gen, reference: ref, metrics: [.lsd, .kl], backbone: MelStatsEmbedder())
        let lines = r.table.split(separator: "\n").map(String.init)
        XCTAssertEqual(lines[0], "metric   value        (backbone melstats)")
        XCTAssertTrue(lines[1].hasPrefix("kl       -            not computed: needs a classifier backbone"), lines[1])
        XCTAssertEqual(lines[2], "lsd      " + String(format: "%-12.6g", r.metrics["lsd"]!) + "  (mean of 3 pairs)")
        XCTAssertEqual(lines[3], "files: 4 generated, 4 reference, 3 paired by name, 1 skipped")
        XCTAssertEqual(Array(lines[4...5]), ["unpaired generated: x", "unpaired reference: y"])
        XCTAssertTrue(lines[6].hasPrefix("skipped \(gen)/bad.wav: not audio"), lines[6])
    }
}
