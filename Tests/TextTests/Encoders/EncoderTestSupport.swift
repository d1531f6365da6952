import Foundation
import NN
import Tensors
import Text
import XCTest

/// Locating fixtures and comparing outputs for the encoder tests.
enum EncoderFixtures {
    /// Tests/Fixtures, found by walking up from this source file.
    static var root: URL {
        var dir = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
        while dir.path != "/" {
            let candidate = dir.appendingPathComponent("Fixtures")
            if dir.lastPathComponent == "Tests", FileManager.default.fileExists(atPath: candidate.path) { return candidate }
            dir = dir.deletingLastPathComponent()
        }
        fatalError("Tests/Fixtures not found above \(#filePath)")
    }

    static func folder(_ name: String) -> URL { root.appendingPathComponent(name) }

    static func cases(_ name: String) throws -> SafeTensorsFile {
        try SafeTensorsFile(path: folder(name).appendingPathComponent("cases.safetensors").path)
    }

    static func config(_ name: String) throws -> HFConfig {
        try HFConfig(contentsOf: folder(name).appendingPathComponent("config.json").path)
    }

    static func weights(_ name: String) throws -> [String: Tensor] {
        try SafeTensorsFile(path: folder(name).appendingPathComponent("weights.safetensors").path).all()
    }

    /// An integer [batch, tokens] tensor of `file` as rows.
    static func rows(_ file: SafeTensorsFile, _ name: String) throws -> [[Int]] {
        let (values, shape) = try file.integers(name)
        return (0..<shape[0]).map { Array(values[($0 * shape[1])..<(($0 + 1) * shape[1])]) }
    }

    /// A Hugging Face style folder (config.json + model.safetensors) made of a fixture's files.
    static func hfFolder(_ name: String) throws -> URL {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("foley-enc-\(name)-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        try FileManager.default.createSymbolicLink(at: dir.appendingPathComponent("config.json"),
                                                   withDestinationURL: folder(name).appendingPathComponent("config.json"))
        try FileManager.default.createSymbolicLink(at: dir.appendingPathComponent("model.safetensors"),
                                                   withDestinationURL: folder(name).appendingPathComponent("weights.safetensors"))
        return dir
    }

    /// Overwrites every parameter of `m` with dense random values (checkpoint layers start at zero).
    static func randomize(_ m: Module, seed: UInt64 = 7) throws {
        let g = RandomGenerator(seed: seed)
        for (_, p) in m.namedParameters() { try p.assign(Tensor.randn(p.shape, generator: g) * 0.5) }
    }

    /// Max abs error of `actual` against `expected`, asserted <= tol x the expected values' largest magnitude.
    @discardableResult
    static func assertClose(_ actual: Tensor, _ expected: Tensor, tol: Float = 1e-4, _ what: String,
                            file: StaticString = #filePath, line: UInt = #line) -> Float {
        XCTAssertEqual(actual.shape, expected.shape, "\(what) shape", file: file, line: line)
        guard actual.count == expected.count else { return .infinity }
        let a = actual.scalars, e = expected.scalars
        let scale = e.map(abs).max() ?? 0
        XCTAssertGreaterThan(scale, 0, "\(what): expected values are all zero", file: file, line: line)
        let err = zip(a, e).map { abs($0 - $1) }.max() ?? 0
        XCTAssertLessThanOrEqual(err, tol * scale, "\(what): max abs error \(err), scale \(scale)", file: file, line: line)
        print("[parity] \(what): max abs error \(err) (scale \(scale), relative \(err / scale))")
        return err
    }
}
