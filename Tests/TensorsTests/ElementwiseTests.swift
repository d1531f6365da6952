import Foundation
import Tensors
import XCTest

final class ElementwiseTests: XCTestCase {
    func testBroadcastArithmetic() throws {
        let a = Tensor(shape: [2, 3], data: [1, 2, 3, 4, 5, 6])
        let b = Tensor(shape: [3], data: [10, 20, 30])
        XCTAssertEqual(try (a + b).scalars, [11, 22, 33, 14, 25, 36])
        XCTAssertEqual(try (a * Tensor(shape: [2, 1], data: [2, 3])).scalars, [2, 4, 6, 12, 15, 18])
        XCTAssertEqual(try (b - a).shape, [2, 3])
        XCTAssertEqual(try (a / Tensor(scalar: 2)).scalars, [0.5, 1, 1.5, 2, 2.5, 3])
        XCTAssertThrowsError(try a + Tensor(shape: [2], data: [1, 2]))
    }

    func testActivationsMatchFormulas() {
        let xs: [Float] = [-3, -1, -0.5, 0, 0.5, 1, 3]
        let x = Tensor(xs)
        Check.close(x.silu().scalars, xs.map { $0 / (1 + exp(-$0)) })
        Check.close(x.gelu().scalars, xs.map { 0.5 * $0 * (1 + erf($0 / sqrt(2))) })
        Check.close(x.gelu(approximate: true).scalars, xs.map { 0.5 * $0 * (1 + tanh(0.7978845608 * ($0 + 0.044715 * $0 * $0 * $0))) })
        Check.close(x.quickGelu().scalars, xs.map { $0 / (1 + exp(-1.702 * $0)) })
        Check.close(x.sigmoid().scalars, xs.map { 1 / (1 + exp(-$0)) })
        Check.close(x.leakyRelu(0.1).scalars, xs.map { $0 > 0 ? $0 : 0.1 * $0 })
        Check.close(x.clamp(min: -1, max: 0.5).scalars, xs.map { min(max($0, -1), 0.5) })
        Check.close(x.relu().scalars, xs.map { max($0, 0) })
        Check.close((x.abs() + 1).rsqrt().scalars, xs.map { 1 / sqrt(abs($0) + 1) })
    }

    func testWhereSelects() throws {
        let c = Tensor([1, 0, 1]), a = Tensor([1, 2, 3]), b = Tensor([-1, -2, -3])
        XCTAssertEqual(try Tensor.where(c, a, b).scalars, [1, -2, 3])
    }

    func testBinaryGradientsWithBroadcasting() throws {
        let a = Check.random([2, 3, 4], seed: 1), b = Check.random([3, 1], seed: 2)
        try Check.gradients([a, b]) { try $0[0] + $0[1] }
        try Check.gradients([a, b]) { try $0[0] - $0[1] }
        try Check.gradients([a, b]) { try $0[0] * $0[1] }
        let d = (Check.random([3, 1], seed: 3).abs() + 1)
        try Check.gradients([a, d]) { try $0[0] / $0[1] }
        try Check.gradients([a.abs() + 0.5, Check.random([4], seed: 5)]) { try $0[0].pow($0[1]) }
        // Values kept apart so the finite difference never crosses a tie.
        let u = Tensor(shape: [2, 3], data: [0, 1, 2, 3, 4, 5]), v = Tensor([2.5, 0.5, 4.5])
        try Check.gradients([u, v]) { try Tensor.maximum($0[0], $0[1]) }
    }

    func testUnaryGradients() throws {
        let x = Check.random([3, 5], seed: 4)
        for f: (Tensor) throws -> Tensor in [
            { $0.exp() }, { $0.tanh() }, { $0.sigmoid() }, { $0.silu() }, { $0.gelu() }, { $0.gelu(approximate: true) },
            { $0.quickGelu() }, { $0.sin() }, { $0.cos() }, { try ($0 * $0 + 1).log() }, { try ($0 * $0 + 1).sqrt() },
            { try ($0 * $0 + 1).rsqrt() }, { $0.pow(2) }, { $0 * 3 - 1 }, { 2 - $0 }, { -$0 },
        ] {
            try Check.gradients([x]) { try f($0[0]) }
        }
    }

    func testDropoutIsSeededAndScaled() throws {
        let x = Tensor.ones([1000])
        let y = try x.dropout(0.25, training: true, generator: RandomGenerator(seed: 7))
        let kept = y.scalars.filter { $0 != 0 }
        XCTAssertTrue(kept.allSatisfy { abs($0 - 1 / 0.75) < 1e-6 })
        XCTAssertEqual(Double(kept.count) / 1000, 0.75, accuracy: 0.05)
        XCTAssertEqual(try x.dropout(0.25, training: true, generator: RandomGenerator(seed: 7)).scalars, y.scalars)
        XCTAssertEqual(try x.dropout(0.25, training: false, generator: RandomGenerator(seed: 7)).scalars, x.scalars)
    }

    /// Broadcast shapes whose dims merge ([N, C, H, W] op [N, C, 1, 1]) and ones that do not, for the four C
    /// loops, against an index-by-index reference.
    func testBroadcastArithmeticMatchesIndexing() throws {
        let pairs: [([Int], [Int])] = [([2, 3, 4, 5], [2, 3, 1, 1]), ([2, 3, 4, 5], [1, 3, 1, 5]), ([4, 1, 6], [1, 5, 1]),
                                       ([3, 1], [3, 7]), ([2, 3], [1]), ([1], [4, 2]), ([2, 5, 70000], [2, 5, 70000])]
        for (sa, sb) in pairs {
            let a = Check.random(sa, seed: 61), b = Check.random(sb, seed: 62).abs() + 0.5
            let out = sa.count >= sb.count ? sa.enumerated().map { Swift.max($0.element, sb.count - sa.count + $0.offset >= 0 ? sb[sb.count - sa.count + $0.offset] : 1) }
                : sb.enumerated().map { Swift.max($0.element, sa.count - sb.count + $0.offset >= 0 ? sa[sa.count - sb.count + $0.offset] : 1) }
            func index(_ shape: [Int], _ flat: Int) -> Int {
                var rem = flat, idx = 0, step = 1
                for d in (0..<out.count).reversed() {
                    let c = rem % out[d]
                    rem /= out[d]
                    let sd = d - (out.count - shape.count)
                    if sd >= 0 { idx += (shape[sd] == 1 ? 0 : c) * step; step *= shape[sd] }
                }
                return idx
            }
            let av = a.scalars, bv = b.scalars
            let n = out.reduce(1, *)
            let ops: [(String, (Tensor, Tensor) throws -> Tensor, (Float, Float) -> Float)] = [
                ("add", { try $0 + $1 }, { $0 + $1 }), ("sub", { try $0 - $1 }, { $0 - $1 }),
                ("mul", { try $0 * $1 }, { $0 * $1 }), ("div", { try $0 / $1 }, { $0 / $1 }),
            ]
            for (name, op, f) in ops {
                let y = try op(a, b)
                XCTAssertEqual(y.shape, out, "\(name) \(sa) \(sb)")
                let ref = (0..<n).map { f(av[index(sa, $0)], bv[index(sb, $0)]) }
                XCTAssertEqual(y.scalars, ref, "\(name) \(sa) \(sb)")
            }
        }
        let x = Check.random([70000], seed: 63)
        XCTAssertEqual((x * 1.5).scalars, x.scalars.map { $0 * 1.5 })
        XCTAssertEqual((-Tensor([0, 1]) * 2).scalars.map { $0.sign }, [.minus, .minus])  // -0 * 2 stays -0, as torch
    }
}
