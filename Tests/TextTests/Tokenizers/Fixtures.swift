import Foundation
import Text
import XCTest

/// Locations of test data and the probe-checking helper shared by the tokenizer tests.
enum Fixtures {
    static let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent().appendingPathComponent("Fixtures")

    static func url(_ relative: String) -> URL { root.appendingPathComponent(relative) }

    /// The MiniLM model folder that scripts/setup downloads: $FOLEY_HOME/models/all-MiniLM-L6-v2.
    /// Missing is a failure, not a skip: CI runs setup first, so its absence is a broken setup.
    static func miniLMFolder(file: StaticString = #filePath, line: UInt = #line) throws -> URL {
        let env = ProcessInfo.processInfo.environment
        let home = env["FOLEY_HOME"].flatMap { $0.isEmpty ? nil : URL(fileURLWithPath: $0) }
            ?? FileManager.default.homeDirectoryForCurrentUser.appendingPathComponent(".cache/foley")
        let folder = home.appendingPathComponent("models/all-MiniLM-L6-v2")
        for name in ["tokenizer.json", "vocab.txt"] {
            let path = folder.appendingPathComponent(name).path
            guard FileManager.default.fileExists(atPath: path) else {
                XCTFail("MiniLM tokenizer file missing: \(path). Run scripts/setup (it downloads all-MiniLM-L6-v2 into $FOLEY_HOME/models).",
                        file: file, line: line)
                throw TextError.file(path, "missing; run scripts/setup")
            }
        }
        return folder
    }

    /// `tokenizer_probes.json`: text -> expected ids.
    static func probes(_ relative: String) throws -> [String: [Int]] {
        let data = try Data(contentsOf: url(relative))
        return try JSONDecoder().decode([String: [Int]].self, from: data)
    }

    /// Checks every probe id for id; returns how many matched so tests can assert the total.
    @discardableResult
    static func check(_ tokenizer: any Tokenizer, probes: [String: [Int]], label: String,
                      file: StaticString = #filePath, line: UInt = #line) -> Int {
        var passed = 0
        for (text, expected) in probes.sorted(by: { $0.key < $1.key }) {
            let got = tokenizer.encode(text)
            if got == expected { passed += 1 } else {
                XCTFail("\(label): \(text.debugDescription)\n  expected \(expected)\n  got      \(got)", file: file, line: line)
            }
        }
        XCTAssertEqual(passed, probes.count, "\(label): probes passed", file: file, line: line)
        return passed
    }
}

extension Fixtures {
    /// An int64 tensor from a safetensors file, as rows (the fixtures' `input_ids`/`attention_mask` are 2-D).
    static func int64Rows(_ relative: String, _ name: String) throws -> [[Int]] {
        let data = try Data(contentsOf: url(relative))
        let headerLength = data.prefix(8).enumerated().reduce(0) { $0 | Int($1.element) << (8 * $1.offset) }
        let header = try XCTUnwrap(JSONSerialization.jsonObject(with: data.subdata(in: 8..<(8 + headerLength))) as? [String: Any])
        let entry = try XCTUnwrap(header[name] as? [String: Any], "\(relative) has no tensor \(name)")
        XCTAssertEqual(entry["dtype"] as? String, "I64")
        let shape = try XCTUnwrap(entry["shape"] as? [Int])
        let offsets = try XCTUnwrap(entry["data_offsets"] as? [Int])
        let bytes = [UInt8](data.subdata(in: (8 + headerLength + offsets[0])..<(8 + headerLength + offsets[1])))
        let values = stride(from: 0, to: bytes.count, by: 8).map { o in
            (0..<8).reduce(UInt64(0)) { $0 | UInt64(bytes[o + $1]) << (8 * UInt64($1)) }
        }.map { Int(Int64(bitPattern: $0)) }
        return stride(from: 0, to: values.count, by: shape[1]).map { Array(values[$0..<($0 + shape[1])]) }
    }

    static func strings(_ relative: String) throws -> [String] {
        try JSONDecoder().decode([String].self, from: Data(contentsOf: url(relative)))
    }
}
