import Foundation
import XCTest

/// A test-only reader for the F32 tensors of a safetensors file (the Tensors module is not used here).
struct FixtureReader {
    struct Entry: Decodable {
        let dtype: String
        let shape: [Int]
        let data_offsets: [Int]
    }

    let entries: [String: Entry]
    let data: Data
    let dataStart: Int

    /// The dsp fixture folder, found next to this test target so tests never read ../shared.
    static let dspDirectory = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
        .deletingLastPathComponent().appendingPathComponent("Fixtures/dsp")

    static func dsp() throws -> FixtureReader {
        try FixtureReader(url: dspDirectory.appendingPathComponent("cases.safetensors"))
    }

    /// case.json of the dsp fixture.
    static func dspCase() throws -> [String: Any] {
        let data = try Data(contentsOf: dspDirectory.appendingPathComponent("case.json"))
        return try XCTUnwrap(JSONSerialization.jsonObject(with: data) as? [String: Any])
    }

    init(url: URL) throws {
        data = try Data(contentsOf: url)
        // Header: 8-byte little-endian length, then that many bytes of JSON, then raw tensor bytes.
        let n = data.prefix(8).enumerated().reduce(0) { $0 | Int($1.element) << (8 * $1.offset) }
        let header = try JSONSerialization.jsonObject(with: data.subdata(in: 8..<(8 + n))) as? [String: Any] ?? [:]
        var entries: [String: Entry] = [:]
        for (key, value) in header where key != "__metadata__" {
            let json = try JSONSerialization.data(withJSONObject: value)
            entries[key] = try JSONDecoder().decode(Entry.self, from: json)
        }
        self.entries = entries
        dataStart = 8 + n
    }

    /// A tensor's shape and row-major float32 values.
    func tensor(_ name: String) throws -> (shape: [Int], values: [Float]) {
        let e = try XCTUnwrap(entries[name], "fixture has no tensor \(name)")
        XCTAssertEqual(e.dtype, "F32")
        let lo = dataStart + e.data_offsets[0], hi = dataStart + e.data_offsets[1]
        let values = data.subdata(in: lo..<hi).withUnsafeBytes { raw in
            (0..<((hi - lo) / 4)).map { Float(bitPattern: UInt32(littleEndian: raw.loadUnaligned(fromByteOffset: $0 * 4, as: UInt32.self))) }
        }
        XCTAssertEqual(values.count, e.shape.reduce(1, *))
        return (e.shape, values)
    }
}

/// Max |a - b| over equally long arrays.
func maxAbsDiff(_ a: [Float], _ b: [Float]) -> Float {
    precondition(a.count == b.count, "lengths differ: \(a.count) vs \(b.count)")
    return zip(a, b).reduce(0) { max($0, abs($1.0 - $1.1)) }
}

/// Max |a - b| / max |b|: the error relative to the reference's scale.
func relativeMaxError(_ a: [Float], _ ref: [Float]) -> Float {
    maxAbsDiff(a, ref) / ref.reduce(0) { max($0, abs($1)) }
}

/// Transposes a rows x cols row-major matrix.
func transpose(_ m: [Float], rows: Int, cols: Int) -> [Float] {
    var out = [Float](repeating: 0, count: m.count)
    for r in 0..<rows { for c in 0..<cols { out[c * rows + r] = m[r * cols + c] } }
    return out
}

/// A sine of `freq` Hz, `seconds` long, at `rate` Hz.
func tone(_ freq: Double, seconds: Double, rate: Int, amplitude: Float = 0.5) -> [Float] {
    (0..<Int(seconds * Double(rate))).map { amplitude * Float(sin(2 * Double.pi * freq * Double($0) / Double(rate))) }
}

/// A fresh path in the temporary directory, removed by the caller.
func temporaryPath(_ name: String) -> String {
    NSTemporaryDirectory() + "foley-audio-\(getpid())-\(UUID().uuidString.prefix(8))-\(name)"
}
