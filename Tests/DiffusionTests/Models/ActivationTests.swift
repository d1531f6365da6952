import Diffusion
import Foundation
import Tensors
import XCTest

final class ActivationTests: XCTestCase {
    func testConfigNamesMapToTheirFunctions() throws {
        let xs: [Float] = [-3, -0.5, 0, 0.7, 4]
        let x = Tensor(xs)
        func check(_ name: String, _ f: (Float) -> Float) throws {
            let out = try Activation(name: name, key: "act_fn")(x).scalars
            for (o, v) in zip(out, xs) { XCTAssertEqual(o, f(v), accuracy: 1e-6, "\(name)(\(v))") }
        }
        try check("silu") { $0 / (1 + exp(-$0)) }
        try check("swish") { $0 / (1 + exp(-$0)) }
        try check("relu") { max($0, 0) }
        try check("gelu") { 0.5 * $0 * (1 + erf($0 / 2.0.squareRoot().asFloat)) }
        try check("mish") { $0 * tanh(log(1 + exp($0))) }
        XCTAssertThrowsError(try Activation(name: "quick_gelu", key: "act_fn")) { e in
            XCTAssertTrue("\(e)".hasPrefix("act_fn: unsupported activation 'quick_gelu'"), "\(e)")
        }
    }
}

private extension Double {
    var asFloat: Float { Float(self) }
}
