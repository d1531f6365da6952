import Foundation
import Tensors
import XCTest

/// The Swift twin of `formula_weights` in scripts/reference/metrics_fixtures.py: every parameter
/// of a state dict from an integer hash of its index, bit-exact on both sides, so the 72M- and
/// 81M-parameter backbones need no stored weights (keys and shapes come from backbones.json,
/// written from the torch modules' state_dict()).
enum BackboneWeights {
    /// lowbias32 of (i ^ seed * 0x9E3779B9) mapped to [-1, 1) on a 2^-23 grid.
    static func hashUniform(_ count: Int, seed: Int) -> [Float] {
        let s = UInt32(truncatingIfNeeded: UInt64(seed) &* 0x9E37_79B9)
        return (0..<count).map { i in
            var x = UInt32(truncatingIfNeeded: i) ^ s
            x ^= x >> 16
            x = x &* 0x7FEB_352D
            x ^= x >> 15
            x = x &* 0x846C_A68B
            x ^= x >> 16
            return Float(x >> 8) * Float(1.0 / 8_388_608) - 1
        }
    }

    /// Keys and shapes of `model` ("vggish" or "cnn14") as torch declares them.
    static func shapes(_ model: String) throws -> [String: [Int]] {
        let data = try Data(contentsOf: Fixtures.directory.appendingPathComponent("backbones.json"))
        let json = try XCTUnwrap(JSONSerialization.jsonObject(with: data) as? [String: [String: [Int]]])
        return try XCTUnwrap(json[model], "backbones.json has no \(model)")
    }

    /// The formula's state dict for `model`; integer counters (num_batches_tracked) become zeros.
    static func stateDict(_ model: String) throws -> [String: Tensor] {
        var out: [String: Tensor] = [:]
        for (seed, (key, shape)) in try shapes(model).sorted(by: { $0.key < $1.key }).enumerated() {
            if key.hasSuffix("num_batches_tracked") { out[key] = Tensor.zeros(shape); continue }
            var u = hashUniform(shape.reduce(1, *), seed: seed)
            if key.hasSuffix("running_var") {
                u = u.map { 1 + Float(0.5) * $0 }
            } else if key.hasSuffix("running_mean") || key.hasSuffix("bias") {
                u = u.map { Float(0.1) * $0 }
            } else if shape.count == 1 {
                u = u.map { 1 + Float(0.2) * $0 }
            } else {
                let scale = Float((6.0 / Double(shape.dropFirst().reduce(1, *))).squareRoot())
                u = u.map { $0 * scale }
                if key.hasPrefix("fc_audioset") { u = u.map { $0 * Float(0.05) } }
            }
            out[key] = Tensor(shape: shape, data: u)
        }
        return out
    }
}
