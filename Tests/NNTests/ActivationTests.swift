import NN
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

    /// transformers' names, as the text encoders' configs give them.
    func testTransformersNamesMapToTheirFunctions() throws {
        let xs: [Float] = [-3, -0.5, 0, 0.7, 4]
        let x = Tensor(xs)
        func check(_ name: String, _ f: (Float) -> Float) throws {
            let out = try Activation(hfName: name)(x).scalars
            for (o, v) in zip(out, xs) { XCTAssertEqual(o, f(v), accuracy: 1e-5, "\(name)(\(v))") }
        }
        try check("quick_gelu") { $0 / (1 + exp(-1.702 * $0)) }
        try check("gelu_new") { 0.5 * $0 * (1 + tanh(0.7978845608 * ($0 + 0.044715 * $0 * $0 * $0))) }
        try check("tanh") { tanh($0) }
        try check("swish") { $0 / (1 + exp(-$0)) }
        XCTAssertEqual(try Activation(hfName: "gelu_pytorch_tanh"), .geluTanh)
        XCTAssertThrowsError(try Activation(hfName: "mish")) { e in
            XCTAssertEqual("\(e)", "activation: unsupported activation 'mish'")
        }
    }
}

private extension Double {
    var asFloat: Float { Float(self) }
}
