import Diffusion
import Foundation
import Corpus
import Metrics
import XCTest

/// The probe evaluation on a small subset, with the shipped default model, as `foley eval-probes` runs it.
final class ProbeEvaluationTests: XCTestCase {
    func testShippedModelRunsOneProbePerKind() throws {
        let folder = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("../../../models/default")
        let pipe = try TextToAudioPipeline.load(folder: folder)
        let probes = try ProbeSet.make(perKind: 1, seed: 3)
        var seen = 0
        // The order and family probes are read by the shipped model's classifier (here the model under test too).
        let classifier = try ContrastiveEmbedder(modelFolder: folder.path)
        let report = try ProbeEvaluation(pipeline: pipe, steps: 4, guidanceScale: 2.5, seed: 3, classifier: classifier).run(probes) { done, _ in
            seen = done
            return true
        }
        XCTAssertEqual(seen, 9)
        XCTAssertEqual(report.results.count, 9)
        XCTAssertNotEqual(report.settings["classifier"], "none")
        for kind in ProbeKind.allCases {
            XCTAssertEqual(report.tally(kind).total, 1)
            XCTAssertEqual(report.tally(kind).reference, 1, "\(kind) reference misread")
            XCTAssertTrue(report.table.contains(kind.rawValue.padding(toLength: 11, withPad: " ", startingAt: 0) + "   1 "), report.table)
        }
        XCTAssertTrue(report.table.hasPrefix("probe         n  model  reference  decoded"), report.table)
        // The decoded references are the reference clips through the model's VAE and vocoder: same length, not the
        // same samples, and the pipeline's trim makes their duration exact.
        let d = try XCTUnwrap(report.results.first { $0.probe.kind == .duration })
        XCTAssertTrue(d.decoded.correct, "\(d.decoded)")
        XCTAssertEqual(report.tally(.duration).decoded, 1)
        // The pipeline trims to the asked length exactly, whatever the model learned.
        XCTAssertEqual(report.accuracy(.duration), 1)
        let json = try XCTUnwrap(try JSONSerialization.jsonObject(with: report.json()) as? [String: Any])
        XCTAssertEqual((json["probes"] as? [Any])?.count, 9)
        for kind in ProbeKind.allCases {
            let summary = try XCTUnwrap((json["summary"] as? [String: Any])?[kind.rawValue] as? [String: Any], kind.rawValue)
            XCTAssertNotNil(summary["decoded_accuracy"] as? Double)
        }
        XCTAssertNotNil(((json["probes"] as? [[String: Any]])?.first)?["decoded_correct"] as? Bool)
        // Stopping early keeps what was scored.
        let partial = try ProbeEvaluation(pipeline: pipe, steps: 2, seed: 3).run(Array(probes.prefix(3))) { done, _ in done < 1 }
        XCTAssertEqual(partial.results.count, 1)
        // Without a classifier the order and family probes are skipped, the rest run.
        let bare = ProbeEvaluation(pipeline: pipe, steps: 2, seed: 3)
        XCTAssertEqual(bare.runnable(probes).map(\.kind), ProbeKind.allCases.filter { !$0.needsClassifier })
        XCTAssertEqual(try bare.run(probes.filter { $0.kind == .family || $0.kind == .duration }).results.map(\.probe.kind), [.duration])
    }

    /// A Stable Audio model (the tiny stereo 44.1 kHz parity fixture) runs the probes too: its outputs and its Oobleck
    /// round trips are measured on their mono mix at the model's rate, so the asked durations come out exact.
    func testStableAudioModelIsMeasuredOnItsMonoMix() throws {
        let folder = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
            .appendingPathComponent("../../Fixtures/stable_audio_pipeline/model")
        let pipe = try TextToAudioPipeline.load(folder: folder)
        XCTAssertEqual(pipe.audioChannels, 2)
        let probes = try ProbeSet.make(perKind: 1, seed: 3, seconds: 0.5)
        let report = try ProbeEvaluation(pipeline: pipe, steps: 2, guidanceScale: 2, seed: 3).run(probes)
        XCTAssertEqual(report.results.count, 7)
        let d = try XCTUnwrap(report.results.first { $0.probe.kind == .duration })
        XCTAssertTrue(d.generated.correct, "\(d.generated)")
        XCTAssertTrue(d.decoded.correct, "\(d.decoded)")
        for kind in ProbeKind.allCases where !kind.needsClassifier { XCTAssertEqual(report.tally(kind).reference, 1, "\(kind) reference misread") }
        XCTAssertEqual(report.tally(.order).total, 0)
    }
}
