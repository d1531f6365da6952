import Audio
import Foundation
import TestSupport
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

/// A clip: a tone at `freq` Hz plus seeded noise, 0.5 s at `rate`.
func clip(_ freq: Double, noise: Float, seed: UInt64, rate: Int = 16000) throws -> AudioBuffer {
    let n = rate / 2
    let r = Tensor.randn([n], generator: RandomGenerator(seed: seed)).scalars
    return try AudioBuffer(mono: (0..<n).map { Float(0.3 * sin(2 * Double.pi * freq * Double($0) / Double(rate))) + noise * r[$0] },
                           sampleRate: rate)
}

/// generated/{a,b,c,x}.wav, reference/{a,b,c,y}.wav and a broken generated/bad.wav.
func evaluationFolders(_ test: XCTestCase) throws -> (String, String) {
    let root = try temporaryDirectory(test)
    let gen = root.appendingPathComponent("generated"), ref = root.appendingPathComponent("reference")
    for d in [gen, ref] { try FileManager.default.createDirectory(at: d, withIntermediateDirectories: true) }
    for (i, name) in ["a", "b", "c"].enumerated() {
        let f = 220 * Double(i + 1)
        try AudioFile.write(clip(f, noise: 0.02, seed: UInt64(i)), to: ref.appendingPathComponent(name + ".wav").path)
        // The generated "b" is at 22.05 kHz: compared after resampling to the reference's rate.
        try AudioFile.write(clip(f * 1.05, noise: 0.05, seed: UInt64(10 + i), rate: name == "b" ? 22050 : 16000),
                            to: gen.appendingPathComponent(name + ".wav").path)
    }
    try AudioFile.write(clip(1000, noise: 0.1, seed: 20), to: gen.appendingPathComponent("x.wav").path)
    try AudioFile.write(clip(1500, noise: 0.1, seed: 21), to: ref.appendingPathComponent("y.wav").path)
    try Data("not audio".utf8).write(to: gen.appendingPathComponent("bad.wav"))
    return (gen.path, ref.path)
}
