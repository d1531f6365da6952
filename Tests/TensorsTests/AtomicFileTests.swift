import Foundation
import Tensors
import XCTest

final class AtomicFileTests: XCTestCase {
    func testFailureLeavesDestinationAndNoTemporary() throws {
        let dir = NSTemporaryDirectory() + "foley-atomic-\(UUID().uuidString)"
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: false)
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let path = dir + "/out.bin"
        try Data("old".utf8).write(to: URL(fileURLWithPath: path))
        struct Boom: Error {}
        XCTAssertThrowsError(try AtomicFile.write(to: path) { tmp in
            try Data("half".utf8).write(to: URL(fileURLWithPath: tmp))
            throw Boom()
        })
        XCTAssertEqual(try String(contentsOfFile: path, encoding: .utf8), "old")
        XCTAssertEqual(try FileManager.default.contentsOfDirectory(atPath: dir), ["out.bin"])

        try AtomicFile.write(to: path) { try Data("new".utf8).write(to: URL(fileURLWithPath: $0)) }
        XCTAssertEqual(try String(contentsOfFile: path, encoding: .utf8), "new")
        XCTAssertEqual(try FileManager.default.contentsOfDirectory(atPath: dir), ["out.bin"])
    }

    func testMissingDirectoryIsNamed() {
        XCTAssertThrowsError(try AtomicFile.write(to: "/nonexistent-foley-dir/x.wav") { _ in }) {
            XCTAssertEqual($0 as? TensorError,
                           .io(file: "/nonexistent-foley-dir/x.wav", "cannot write: directory /nonexistent-foley-dir does not exist"))
        }
    }

    func testDataWriteReplacesWholeFile() throws {
        let path = NSTemporaryDirectory() + "foley-atomic-\(UUID().uuidString).bin"
        defer { unlink(path) }
        try AtomicFile.write(Data([1, 2, 3]), to: path)
        XCTAssertEqual(try Data(contentsOf: URL(fileURLWithPath: path)), Data([1, 2, 3]))
    }

    func testStaleTemporariesAreRemovedAndLiveOnesKept() throws {
        let dir = NSTemporaryDirectory() + "foley-atomic-\(UUID().uuidString)"
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: false)
        defer { try? FileManager.default.removeItem(atPath: dir) }
        for n in [".out.wav.a1B2c3", ".out.json.ZZZZZZ", ".keep", "out.wav", ".x.toolong7"] {
            try Data("x".utf8).write(to: URL(fileURLWithPath: dir + "/" + n))
        }
        let removed = AtomicFile.removeStaleTemporaries(in: dir) { $0.hasSuffix(".wav") }
        XCTAssertEqual(removed, [dir + "/.out.wav.a1B2c3"])
        XCTAssertEqual(Set(try FileManager.default.contentsOfDirectory(atPath: dir)), [".out.json.ZZZZZZ", ".keep", "out.wav", ".x.toolong7"])
        // A temporary is locked while its write runs: a cleaner running meanwhile leaves it.
        try AtomicFile.write(to: dir + "/b.bin") { tmp in
            XCTAssertEqual(AtomicFile.removeStaleTemporaries(in: dir) { $0 == "b.bin" }, [])
            XCTAssertTrue(FileManager.default.fileExists(atPath: tmp))
            try Data("done".utf8).write(to: URL(fileURLWithPath: tmp))
        }
        XCTAssertEqual(try String(contentsOfFile: dir + "/b.bin", encoding: .utf8), "done")
    }
}
