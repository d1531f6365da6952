import Audio
import Diffusion
import Foundation
import Metrics
import XCTest

/// `foley eval-loudness` end to end through the built binary (the sweep itself is tested in MetricsTests).
final class EvalLoudnessCommandTests: XCTestCase {
    static let model = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
        .appendingPathComponent("../Fixtures/audioldm_pipeline/model").standardizedFileURL.path

    /// Each row is the loudness the library measures for the same generation; quiet prompts are judged against
    /// -40...-30 LUFS and the rest against LEVEL +- BAND, and the summary counts what lands inside.
    func testRowsAreTheSweepsAndCellsAreJudged() throws {
        let dir = try temporaryDirectory(self)
        let json = dir.appendingPathComponent("loudness.json").path
        let r = try runFoley(["eval-loudness", "--model", Self.model, "--prompt", "a dog", "--prompt", "a faint click",
                              "--guidances", "1,4", "--samplers", "ddim", "--steps", "2", "--seconds", "0.64",
                              "--level", "-20", "--band", "20", "--out", json])
        XCTAssertEqual(r.status, 0, r.stderr)
        let rows = try XCTUnwrap((try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: json))) as? [String: Any])?["rows"]
                                 as? [[String: Any]])
        XCTAssertEqual(rows.map { $0["prompt"] as? String }, ["a dog", "a dog", "a faint click", "a faint click"])
        XCTAssertEqual(rows.map { $0["guidance"] as? Double }, [1, 4, 1, 4])
        let pipe = try TextToAudioPipeline.load(folder: URL(fileURLWithPath: Self.model))
        var o = pipe.defaults
        o.steps = 2
        o.seconds = 0.64
        let expected = try LoudnessSweep(pipeline: pipe, options: o).run(prompts: ["a dog", "a faint click"], guidances: [1, 4], samplers: ["ddim"])
        var inside = 0
        for (row, want) in zip(rows, expected) {
            // Silence (below the gate) is written as null.
            if want.lufs.isFinite {
                XCTAssertEqual(try XCTUnwrap(row["lufs"] as? Double), want.lufs, accuracy: 1e-9)
            } else {
                XCTAssertTrue(row["lufs"] is NSNull, "\(row)")
            }
            let range = want.prompt == "a faint click" ? -40.0...(-30.0) : -40.0...0.0
            if range.contains(want.lufs) { inside += 1 }
        }
        XCTAssertTrue(r.stdout.contains("\(inside) of 4 within range (level -20.0 LUFS +- 20.0 LU; quiet prompts -40...-30)"), r.stdout)
        XCTAssertTrue(r.stdout.hasPrefix("guidance      1.0    4.0\nddim"), r.stdout)
    }

    func testUsageErrorsNameTheOption() throws {
        let cases: [([String], String)] = [
            (["--guidances", "1,x"], "--guidances"),
            (["--samplers", "flow_euler"], "--samplers: 'flow_euler' is not one this model runs"),
            (["--band", "0"], "--band"),
        ]
        for (extra, message) in cases {
            let r = try runFoley(["eval-loudness", "--model", Self.model, "--prompt", "a dog"] + extra)
            XCTAssertNotEqual(r.status, 0)
            XCTAssertTrue(r.stderr.contains(message), "\(extra): \(r.stderr)")
        }
        let none = try runFoley(["eval-loudness", "--model", Self.model])
        XCTAssertTrue(none.stderr.contains("--prompt: give at least one prompt"), none.stderr)
    }
}
