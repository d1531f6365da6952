import Audio
import Foundation
import Metrics
import Tensors
import XCTest

/// A scorer whose answers are known: audio embeds by its pitch (from zero crossings), text by the number it names,
/// both on a unit circle, so a clip and the caption naming its pitch have cosine ~1.
struct PitchScorer: AudioTextScorer {
    var scorerName: String { "pitch" }
    var sampleRate: Int { 16000 }
    static func point(_ hz: Double) -> [Float] {
        let a = log2(hz / 220) * .pi / 3
        return [Float(cos(a)), Float(sin(a))]
    }
    func audioEmbeddings(_ waveforms: [[Float]]) throws -> Tensor {
        let rows = waveforms.map { w -> [Float] in
            let crossings = zip(w, w.dropFirst()).filter { $0 < 0 && $1 >= 0 }.count
            return PitchScorer.point(Double(crossings) * Double(sampleRate) / Double(w.count))
        }
        return Tensor(shape: [rows.count, 2], data: rows.flatMap { $0 })
    }
    func textEmbeddings(_ texts: [String]) throws -> Tensor {
        Tensor(shape: [texts.count, 2], data: texts.flatMap { PitchScorer.point(Double($0.split(separator: " ")[0])!) })
    }
}

final class TextAlignmentTests: XCTestCase {
    /// a (220 Hz, .json "prompt"), b (440 Hz, .txt), c (660 Hz, .json) and an uncaptioned x, with `captions` by name.
    func folder(_ captions: [String: String]) throws -> String {
        let dir = try temporaryDirectory(self)
        for (name, hz) in [("a", 220.0), ("b", 440.0), ("c", 660.0), ("x", 1000.0)] {
            try AudioFile.write(clip(hz, noise: 0, seed: 1), to: dir.appendingPathComponent(name + ".wav").path)
        }
        for (name, text) in captions {
            if name == "b" {
                try Data((text + "\nsecond line ignored\n").utf8).write(to: dir.appendingPathComponent("b.txt"))
            } else {
                try JSONSerialization.data(withJSONObject: ["prompt": text, "seed": 3]).write(to: dir.appendingPathComponent(name + ".json"))
            }
        }
        return dir.path
    }

    func testScoresEachCaptionedClipAgainstItsCaption() throws {
        let dir = try folder(["a": "220 Hz hum", "b": "440 Hz tone", "c": "660 Hz beep"])
        let set = try EvaluationSet(directory: dir)
        XCTAssertEqual(set.clips.map(\.name), ["a", "b", "c", "x"])
        XCTAssertEqual(set.clips.map(\.caption), ["220 Hz hum", "440 Hz tone", "660 Hz beep", nil])
        XCTAssertTrue(set.skipped.isEmpty, "sidecars are companions, not unreadable audio: \(set.skipped)")
        let a = try TextAlignment.measure(set.clips, scorer: PitchScorer())
        XCTAssertEqual(a.scores.count, 3)
        for s in a.scores.values { XCTAssertGreaterThan(s, 0.999) }
        XCTAssertEqual(a.rankAccuracy, 1)
        XCTAssertEqual(a.chance, 1.0 / 3, accuracy: 1e-12)
        XCTAssertEqual(a.meanScore, a.scores.values.reduce(0, +) / 3, accuracy: 1e-12)

        let r = try Evaluation.run(generated: dir, reference: dir, metrics: [.clap], backbone: MelStatsEmbedder(), scorer: PitchScorer())
        XCTAssertEqual(r.metrics["clap"]!, a.meanScore, accuracy: 1e-12)
        XCTAssertEqual(r.metrics["clap_rank1"], 1)
        XCTAssertEqual(r.clipTextAlignment?.count, 3)
        XCTAssertTrue(r.table.contains("own caption ranked first; chance 0.333"), r.table)
    }

    func testSwappedCaptionsScoreLowerAndRankWrong() throws {
        let dir = try folder(["a": "660 Hz", "b": "440 Hz", "c": "220 Hz"])
        let a = try TextAlignment.measure(try EvaluationSet(directory: dir).clips, scorer: PitchScorer())
        XCTAssertEqual(a.rankAccuracy, 1.0 / 3, accuracy: 1e-12, "only b keeps its own caption")
        XCTAssertLessThan(a.scores["a"]!, 0.9)
        XCTAssertGreaterThan(a.scores["b"]!, 0.999)
    }

    func testNeedsAScorerAndCaptions() throws {
        let captioned = try folder(["a": "220 Hz"])
        let r = try Evaluation.run(generated: captioned, reference: captioned, metrics: [.clap], backbone: MelStatsEmbedder())
        XCTAssertTrue(r.notComputed["clap"]!.contains("--clap-model"))
        let bare = try folder([:])
        let r2 = try Evaluation.run(generated: bare, reference: bare, metrics: [.clap], backbone: MelStatsEmbedder(), scorer: PitchScorer())
        XCTAssertTrue(r2.notComputed["clap"]!.contains("no clip has a caption"), r2.notComputed["clap"]!)
        XCTAssertEqual(try Metric.parseList("fad,clap"), [.fad, .clap])
    }
}
