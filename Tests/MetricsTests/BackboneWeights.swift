import Foundation
import Tensors
import XCTest

/// The Swift twin of `formula_weights` in scripts/reference/metrics_fixtures.py: every parameter
/// of a state dict from an integer hash of its index, bit-exact on both sides, so the 72M- and
/// 81M-parameter backbones need no stored weights (keys and shapes come from backbones.json,
/// written from the torch modules' state_dict()).
enum BackboneWeights {
    /// lowbias32 of (i ^ seed * 0x9E3779B9) mapped to [-1, 1) on a 2^-23 grid.
    @inline(__always)
    static func hashUniform(_ i: Int, seed: UInt32) -> Float {
        var x = UInt32(truncatingIfNeeded: i) ^ seed
        x ^= x >> 16
        x = x &* 0x7FEB_352D
        x ^= x >> 15
        x = x &* 0x846C_A68B
        x ^= x >> 16
        return Float(x >> 8) * Float(1.0 / 8_388_608) - 1
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
            let t = Tensor.zeros(shape)
            out[key] = t
            if key.hasSuffix("num_batches_tracked") { continue }
            // value = a * u + b, as the float32 expressions of the Python side.
            let (a, b): (Float, Float)
            if key.hasSuffix("running_var") {
                (a, b) = (0.5, 1)
            } else if key.hasSuffix("running_mean") || key.hasSuffix("bias") {
                (a, b) = (0.1, 0)
            } else if shape.count == 1 {
                (a, b) = (0.2, 1)
            } else {
                a = Float((6.0 / Double(shape.dropFirst().reduce(1, *))).squareRoot())
                b = 0
            }
            let small = key.hasPrefix("fc_audioset") && shape.count > 1
            let s = UInt32(truncatingIfNeeded: UInt64(seed) &* 0x9E37_79B9), p = t.pointer
            Runtime.parallelRanges(t.count) { lo, hi in
                for i in lo..<hi {
                    let v = b == 0 ? hashUniform(i, seed: s) * a : b + a * hashUniform(i, seed: s)
                    p[i] = small ? v * Float(0.05) : v
                }
            }
        }
        return out
    }
}
