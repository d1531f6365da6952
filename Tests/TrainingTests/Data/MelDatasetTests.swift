import Foundation
import Tensors
@testable import Training
import XCTest

final class MelDatasetTests: XCTestCase {
    /// A missing shard used to fail at whatever step first read from it (step 5 in the report), after minutes.
    func testAMissingShardIsAnErrorAtTheStartNamingTheFile() throws {
        let root = try TrainFixture.tempDir("shard")
        defer { try? FileManager.default.removeItem(at: root) }
        let data = try TrainFixture.dataset(root, count: 4)
        XCTAssertEqual(try MelDataset(folder: data.path).count, 4)
        let shards = data.appendingPathComponent(Preprocessor.shardFolder)
        let first = try XCTUnwrap(try FileManager.default.contentsOfDirectory(atPath: shards.path).sorted().first)
        try FileManager.default.removeItem(at: shards.appendingPathComponent(first))
        XCTAssertThrowsError(try MelDataset(folder: data.path)) { e in
            XCTAssertTrue("\(e)".hasPrefix(shards.appendingPathComponent(first).path + ": "), "\(e)")
        }
    }

    /// Crops longer than every clip and a valid split matching nothing are accepted, but said (they used to pass silently).
    func testPaddedCropsAndAnEmptyValidSplitAreWarned() throws {
        let root = try TrainFixture.tempDir("warn")
        defer { try? FileManager.default.removeItem(at: root) }
        let data = try TrainFixture.dataset(root, count: 4, seconds: 0.6)
        let cfg = try TrainingConfig.parse(yaml: TrainFixture.vaeYAML(data: data, steps: 1).replacingOccurrences(of: "segment_frames: 16", with: "segment_frames: 5000"))
        let dataset = try MelDataset(folder: data.path, split: "train")
        let w = TrainingLoop.dataWarnings(cfg, dataset: dataset, frames: 5000)
        XCTAssertEqual(w.count, 2, "\(w)")
        XCTAssertTrue(w[0].hasPrefix("data.segment_frames asks for crops of 5000 frames (50.00 s), longer than every clip (the longest has 61 frames"), w[0])
        XCTAssertEqual(w[1], "data.valid_split 'valid' matches no clip of \(data.path): validation uses the training split")
        XCTAssertEqual(TrainingLoop.dataWarnings(cfg, dataset: dataset, frames: 16).count, 1)
    }
}
