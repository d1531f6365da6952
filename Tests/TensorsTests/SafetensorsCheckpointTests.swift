import Foundation
import Tensors
import XCTest

final class SafetensorsCheckpointTests: XCTestCase {
    var dir: URL!
    override func setUpWithError() throws {
        dir = FileManager.default.temporaryDirectory.appendingPathComponent("ckpt-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
    }
    override func tearDown() { try? FileManager.default.removeItem(at: dir) }

    func write(_ state: [String: Tensor], _ name: String) throws {
        try SafeTensorsFile.save(state, to: dir.appendingPathComponent(name).path)
    }

    /// Shards listed by an index load as one state dict, in shard order, whichever stem has them.
    func testShardsThroughTheIndex() throws {
        try write(["a": Tensor([1, 2])], "model-00001-of-00002.safetensors")
        try write(["b": Tensor([3])], "model-00002-of-00002.safetensors")
        try Data(#"{"weight_map": {"a": "model-00001-of-00002.safetensors", "b": "model-00002-of-00002.safetensors"}}"#.utf8)
            .write(to: dir.appendingPathComponent("model.safetensors.index.json"))
        let files = try SafetensorsCheckpoint.files(in: dir, stems: ["diffusion_pytorch_model", "model"])
        XCTAssertEqual(files.map(\.lastPathComponent), ["model-00001-of-00002.safetensors", "model-00002-of-00002.safetensors"])
        let state = try SafetensorsCheckpoint.tensors(files)
        XCTAssertEqual(state["a"]?.scalars, [1, 2])
        XCTAssertEqual(state["b"]?.scalars, [3])
        // A single file of an earlier stem wins over a later stem's shards.
        try write(["c": Tensor([4])], "diffusion_pytorch_model.safetensors")
        XCTAssertEqual(try SafetensorsCheckpoint.files(in: dir, stems: ["diffusion_pytorch_model", "model"]).map(\.lastPathComponent),
                       ["diffusion_pytorch_model.safetensors"])
    }

    func testErrorsNameWhatIsWrong() throws {
        XCTAssertThrowsError(try SafetensorsCheckpoint.files(in: dir, stems: ["model"])) { e in
            XCTAssertEqual("\(e)", "\(self.dir.path): no model.safetensors or model.safetensors.index.json")
        }
        try Data([0]).write(to: dir.appendingPathComponent("pytorch_model.bin"))
        XCTAssertThrowsError(try SafetensorsCheckpoint.files(in: dir, stems: ["model"])) { e in
            XCTAssertTrue("\(e)".hasSuffix("(found pytorch_model.bin; only safetensors weights are read: convert them to safetensors)"), "\(e)")
        }
        let index = dir.appendingPathComponent("model.safetensors.index.json")
        try Data(#"{"weight_map": {"a": "gone.safetensors"}}"#.utf8).write(to: index)
        XCTAssertThrowsError(try SafetensorsCheckpoint.files(in: dir, stems: ["model"])) { e in
            XCTAssertEqual("\(e)", "\(index.path): shard 'gone.safetensors' named in 'weight_map' does not exist")
        }
        try Data(#"{"metadata": {}}"#.utf8).write(to: index)
        XCTAssertThrowsError(try SafetensorsCheckpoint.files(in: dir, stems: ["model"])) { e in
            XCTAssertEqual("\(e)", "\(index.path): not a safetensors index (no weight_map object)")
        }
        try write(["a": Tensor([1])], "one.safetensors")
        try write(["a": Tensor([2])], "two.safetensors")
        XCTAssertThrowsError(try SafetensorsCheckpoint.tensors([dir.appendingPathComponent("one.safetensors"), dir.appendingPathComponent("two.safetensors")])) { e in
            XCTAssertTrue("\(e)".hasSuffix("two.safetensors: tensor 'a' appears in more than one shard"), "\(e)")
        }
    }
}
