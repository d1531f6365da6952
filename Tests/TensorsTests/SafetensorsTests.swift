import Foundation
import Tensors
import XCTest

final class SafetensorsTests: XCTestCase {
    var dir: String!

    override func setUp() {
        dir = NSTemporaryDirectory() + "foley-st-\(UUID().uuidString)"
        try? FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
    }

    override func tearDown() { try? FileManager.default.removeItem(atPath: dir) }

    func testRoundTripF32AndF16() throws {
        let a = Check.random([3, 4], seed: 1), b = Tensor([0.5, -2, 65504, 1e-6])
        let p = dir + "/m.safetensors"
        try SafeTensorsFile.save(["a": a, "b": b], to: p, metadata: ["format": "pt"])
        let f = try SafeTensorsFile(path: p)
        XCTAssertEqual(f.keys, ["a", "b"])
        XCTAssertEqual(f.metadata["format"], "pt")
        XCTAssertEqual(try f.tensor("a").scalars, a.scalars)
        let p16 = dir + "/h.safetensors"
        try SafeTensorsFile.save(["b": b], to: p16, as: .f16)
        let h = try SafeTensorsFile(path: p16).tensor("b").scalars
        XCTAssertEqual(Array(h[0..<3]), [0.5, -2, 65504])
        XCTAssertEqual(h[3], 1e-6, accuracy: 6e-8)  // subnormal half
        XCTAssertFalse(FileManager.default.fileExists(atPath: dir + "/.m.safetensors.tmp-\(getpid())"))
    }

    /// Builds a file from a header dictionary and a data section.
    func file(_ header: String, data: [UInt8], lengthOverride: UInt64? = nil) -> Data {
        var d = Data()
        var n = (lengthOverride ?? UInt64(header.utf8.count)).littleEndian
        d.append(Data(bytes: &n, count: 8))
        d.append(Data(header.utf8))
        d.append(contentsOf: data)
        return d
    }

    func assertRejects(_ d: Data, _ needle: String, file: StaticString = #filePath, line: UInt = #line) {
        XCTAssertThrowsError(try SafeTensorsFile(data: d, path: "bad.safetensors"), file: file, line: line) { e in
            XCTAssertTrue("\(e)".contains("bad.safetensors") && "\(e)".contains(needle), "\(e)", file: file, line: line)
        }
    }

    func testReadsOtherDTypes() throws {
        var bytes: [UInt8] = []
        for v: Int64 in [3, -1] { withUnsafeBytes(of: v.littleEndian) { bytes += $0 } }
        bytes += [0x80, 0x3F, 0x00, 0xC0]  // bf16 1.0, -2.0
        bytes += [1, 0]
        let h = #"{"i":{"dtype":"I64","shape":[2],"data_offsets":[0,16]},"b":{"dtype":"BF16","shape":[2],"data_offsets":[16,20]},"m":{"dtype":"BOOL","shape":[2],"data_offsets":[20,22]}}"#
        let f = try SafeTensorsFile(data: file(h, data: bytes))
        XCTAssertEqual(try f.integers("i").values, [3, -1])
        XCTAssertEqual(try f.tensor("b").scalars, [1, -2])
        XCTAssertEqual(try f.tensor("m").scalars, [1, 0])
    }

    func testMalformedFilesGiveNamedErrors() {
        assertRejects(Data([1, 2, 3]), "shorter than")
        assertRejects(file("{}", data: [], lengthOverride: 1 << 40), "absurd")
        assertRejects(file("{}", data: [], lengthOverride: 1000), "past the end")
        assertRejects(file("{not json", data: []), "not valid JSON")
        assertRejects(file(#"{"a":{"dtype":"F32","shape":[4],"data_offsets":[0,16]}}"#, data: [0, 0, 0, 0]), "truncated")
        assertRejects(file(#"{"a":{"dtype":"F32","shape":[3],"data_offsets":[0,16]}}"#, data: [UInt8](repeating: 0, count: 16)), "spans")
        assertRejects(file(#"{"a":{"dtype":"F32","shape":[2],"data_offsets":[0,8]},"b":{"dtype":"F32","shape":[2],"data_offsets":[4,12]}}"#,
                           data: [UInt8](repeating: 0, count: 12)), "overlap")
        assertRejects(file(#"{"a":{"dtype":"Q4","shape":[2],"data_offsets":[0,8]}}"#, data: [UInt8](repeating: 0, count: 8)), "unsupported dtype")
        assertRejects(file(#"{"a":{"dtype":"F32","shape":[2],"data_offsets":[8,0]}}"#, data: [UInt8](repeating: 0, count: 8)), "invalid data_offsets")
        XCTAssertThrowsError(try SafeTensorsFile(path: dir + "/missing.safetensors")) { e in
            XCTAssertTrue("\(e)".contains("no such file"))
        }
    }
}
