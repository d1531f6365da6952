import Diffusion
import Foundation
import NN
import Tensors
import XCTest

/// Locates the parity fixtures under Tests/Fixtures (never ../shared).
enum Fixture {
    static var root: URL {
        var u = URL(fileURLWithPath: #filePath)
        while u.lastPathComponent != "Tests" && u.path != "/" { u.deleteLastPathComponent() }
        return u.appendingPathComponent("Fixtures")
    }

    static func url(_ parts: String...) -> URL { parts.reduce(root) { $0.appendingPathComponent($1) } }

    static func cases(_ name: String) throws -> SafeTensorsFile {
        try SafeTensorsFile(path: url(name, "cases.safetensors").path)
    }

    static func config<C: Decodable>(_ type: C.Type, _ name: String) throws -> C {
        try ModelConfig.read(type, file: url(name, "config.json"))
    }
}

enum Parity {
    /// max |out - ref| / max |ref|, asserting equal shapes and at most `tol`. Prints the error for the record.
    @discardableResult
    static func check(_ out: Tensor, _ ref: Tensor, tol: Float = 1e-4, _ name: String,
                      file: StaticString = #filePath, line: UInt = #line) -> Float {
        XCTAssertEqual(out.shape, ref.shape, "\(name): shape", file: file, line: line)
        guard out.shape == ref.shape else { return .infinity }
        let scale = ref.scalars.map(abs).max() ?? 0
        let err = zip(out.scalars, ref.scalars).map { abs($0 - $1) }.max() ?? 0
        let rel = err / Swift.max(scale, 1e-12)
        XCTAssertFalse(rel.isNaN, "\(name): NaN", file: file, line: line)
        XCTAssertLessThanOrEqual(rel, tol, "\(name): max abs error \(err) vs reference scale \(scale)", file: file, line: line)
        print("PARITY \(name): max abs err \(err), scale \(scale), relative \(rel)")
        return rel
    }

    /// max |a - b| / max |b|.
    static func relative(_ a: Tensor, _ b: Tensor) -> Float {
        let scale = b.scalars.map(abs).max() ?? 0
        let err = zip(a.scalars, b.scalars).map { abs($0 - $1) }.max() ?? .infinity
        return err / Swift.max(scale, 1e-12)
    }
}

enum GradCheck {
    /// Names of parameters whose gradient is missing or identically zero after a backward.
    static func parametersWithoutGradient(_ module: Module) -> [String] {
        module.namedParameters().compactMap { name, p in
            guard let g = p.grad, g.scalars.contains(where: { $0 != 0 && $0.isFinite }) else { return name }
            return nil
        }
    }

    /// A fixed random projection so a scalar loss depends on every output element differently.
    static func weights(like t: Tensor, seed: UInt64 = 7) -> Tensor {
        Tensor.randn(t.shape, generator: RandomGenerator(seed: seed))
    }
}
