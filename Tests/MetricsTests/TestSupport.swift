import Foundation
import Tensors
import XCTest

/// The metrics fixtures (made by scripts/reference/metrics_fixtures.py), found next to this target.
enum Fixtures {
    static let directory = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
        .deletingLastPathComponent().appendingPathComponent("Fixtures/metrics")

    static func file(_ name: String) throws -> SafeTensorsFile {
        try SafeTensorsFile(path: directory.appendingPathComponent(name).path)
    }

    static func tensor(_ name: String) throws -> Tensor { try file("metrics.safetensors").tensor(name) }

    /// A reference value from metrics.json.
    static func value(_ key: String) throws -> Double {
        let data = try Data(contentsOf: directory.appendingPathComponent("metrics.json"))
        let json = try XCTUnwrap(JSONSerialization.jsonObject(with: data) as? [String: Any])
        return try XCTUnwrap((json[key] as? NSNumber)?.doubleValue, "metrics.json has no number \(key)")
    }
}

/// Asserts |actual - expected| <= tol * |expected|.
func assertRelative(_ actual: Double, _ expected: Double, _ tol: Double, _ what: String = "",
                    file: StaticString = #filePath, line: UInt = #line) {
    let err = abs(actual - expected) / max(abs(expected), 1e-300)
    XCTAssertLessThanOrEqual(err, tol, "\(what): \(actual) vs \(expected) (relative error \(err))", file: file, line: line)
}

/// Rows of `t` plus `scale` times seeded standard normal noise.
func noisy(_ t: Tensor, _ scale: Float, seed: UInt64) throws -> Tensor {
    try t + Tensor.randn(t.shape, generator: RandomGenerator(seed: seed)) * scale
}

/// A fresh temporary directory, removed when the test ends.
func temporaryDirectory(_ test: XCTestCase) throws -> URL {
    let url = FileManager.default.temporaryDirectory.appendingPathComponent("foley-metrics-\(getpid())-\(UUID().uuidString.prefix(8))")
    try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
    test.addTeardownBlock { try? FileManager.default.removeItem(at: url) }
    return url
}
