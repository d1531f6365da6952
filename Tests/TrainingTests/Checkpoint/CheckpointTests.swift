import Foundation
import Tensors
import Training
import XCTest

final class CheckpointStoreTests: XCTestCase {
    /// A run killed inside a checkpoint write leaves `.step-N.safetensors.XXXXXX`; 37 of them (110 MB) piled up in
    /// one run. The store removes them before it saves and when it looks for the newest checkpoint to resume.
    func testTemporariesOfKilledWritesAreRemoved() throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("foley-ckpt-\(UUID().uuidString)").path
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let stale = [".step-00000005.safetensors.Ab12Cd", ".step-00000010.safetensors.x9Y8z7"]
        let kept = [".hidden", "notes.txt", ".config.yaml.Qw12Er", "step-00000003.safetensors"]
        for n in stale + kept { try Data("x".utf8).write(to: URL(fileURLWithPath: dir + "/" + n)) }
        // A temporary a live writer holds (locked) stays.
        let live = dir + "/.step-00000015.safetensors.Zz99Yy"
        try Data("x".utf8).write(to: URL(fileURLWithPath: live))
        let fd = open(live, O_RDONLY)
        XCTAssertEqual(flock(fd, LOCK_EX), 0)
        defer { close(fd) }

        let store = CheckpointStore(directory: dir, keep: 2)
        XCTAssertNil(store.latest())   // the one "checkpoint" is not a real file; looking removes the leftovers
        let left = Set(try FileManager.default.contentsOfDirectory(atPath: dir))
        XCTAssertEqual(left, Set(kept + [".step-00000015.safetensors.Zz99Yy"]))
        XCTAssertEqual(store.removeStaleTemporaries(), [])
    }
}
