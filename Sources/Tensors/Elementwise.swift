import CKernels
import Foundation

// Binary arithmetic with broadcasting; gradients are reduced back to each input's shape.
extension Tensor {
    public static func + (a: Tensor, b: Tensor) throws -> Tensor {
        try binaryKernel(a, b, op: "add", +).recording([a, b]) { g in
            [try g.reduceGrad(to: a.shape), try g.reduceGrad(to: b.shape)]
        }
    }

    public static func - (a: Tensor, b: Tensor) throws -> Tensor {
        try binaryKernel(a, b, op: "sub", -).recording([a, b]) { g in
            [try g.reduceGrad(to: a.shape), try (-g).reduceGrad(to: b.shape)]
        }
    }

    public static func * (a: Tensor, b: Tensor) throws -> Tensor {
        try binaryKernel(a, b, op: "mul", *).recording([a, b]) { g in
            [a.requiresGrad ? try (g * b).reduceGrad(to: a.shape) : nil,
             b.requiresGrad ? try (g * a).reduceGrad(to: b.shape) : nil]
        }
    }

    public static func / (a: Tensor, b: Tensor) throws -> Tensor {
        try binaryKernel(a, b, op: "div", /).recording([a, b]) { g in
            [a.requiresGrad ? try (g / b).reduceGrad(to: a.shape) : nil,
             b.requiresGrad ? try (-(g * a) / (b * b)).reduceGrad(to: b.shape) : nil]
        }
    }

    public static func + (a: Tensor, s: Float) -> Tensor { a.affine(1, s).recording([a]) { [$0] } }
    public static func + (s: Float, a: Tensor) -> Tensor { a + s }
    public static func - (a: Tensor, s: Float) -> Tensor { a + (-s) }
    public static func - (s: Float, a: Tensor) -> Tensor { a.unaryKernel { s - $0 }.recording([a]) { [-$0] } }
    public static func * (a: Tensor, s: Float) -> Tensor { a.scalarKernel(2, s, "mul").recording([a]) { [$0 * s] } }
    public static func * (s: Float, a: Tensor) -> Tensor { a * s }
    public static func / (a: Tensor, s: Float) -> Tensor { a * (1 / s) }
    public static func / (s: Float, a: Tensor) throws -> Tensor { try Tensor(scalar: s) / a }

    public static prefix func - (a: Tensor) -> Tensor { a.unaryKernel { -$0 }.recording([a]) { [-$0] } }  // keeps -0.0 as torch does

    /// self op s (0 add, 1 sub, 2 mul, 3 div, as foley_binary) without autograd, vectorized on the workers.
    func scalarKernel(_ code: Int32, _ s: Float, _ name: String) -> Tensor {
        let scope = Profiler.beginOp(name, bytes: Double(8 * count))
        defer { scope.end() }
        let out = Tensor(uninitialized: shape)
        let pi = pointer, po = out.pointer
        withUnsafePointer(to: s) { ps in
            Runtime.parallelRanges(count, minChunk: 1 << 15) { lo, hi in foley_binary(code, pi + lo, 1, ps, 0, po + lo, hi - lo) }
        }
        return out
    }

    /// x * a + b without autograd, vectorized.
    func affine(_ a: Float, _ b: Float) -> Tensor {
        let scope = Profiler.beginOp("affine", bytes: Double(8 * count))
        defer { scope.end() }
        let out = Tensor(uninitialized: shape)
        let pi = pointer, po = out.pointer
        Runtime.parallelRanges(count, minChunk: 1 << 15) { lo, hi in foley_axpb(pi + lo, a, b, po + lo, hi - lo) }
        return out
    }

    /// Elementwise power with a tensor exponent (broadcasting).
    public func pow(_ e: Tensor) throws -> Tensor {
        let out = try Tensor.binaryKernel(self, e, op: "pow") { Foundation.pow($0, $1) }
        return out.recording([self, e]) { g in
            [self.requiresGrad ? try (g * e * (try self.pow(e - 1))).reduceGrad(to: self.shape) : nil,
             e.requiresGrad ? try (g * out * self.log()).reduceGrad(to: e.shape) : nil]
        }
    }

    /// Elementwise power with a scalar exponent.
    public func pow(_ e: Float) -> Tensor {
        let out: Tensor
        if e == 2 { out = unaryKernel { $0 * $0 } } else if e == 0.5 { out = unaryKernel { $0.squareRoot() } } else { out = unaryKernel { Foundation.pow($0, e) } }
        return out.recording([self]) { g in [try g * (e * self.pow(e - 1))] }
    }

    public static func maximum(_ a: Tensor, _ b: Tensor) throws -> Tensor {
        try binaryKernel(a, b, op: "maximum") { Swift.max($0, $1) }.recording([a, b]) { g in
            let ma = try binaryKernel(a, b, op: "maximum") { $0 >= $1 ? 1 : 0 }
            return [try (g * ma).reduceGrad(to: a.shape), try (g * (1 - ma)).reduceGrad(to: b.shape)]
        }
    }

    public static func minimum(_ a: Tensor, _ b: Tensor) throws -> Tensor {
        try binaryKernel(a, b, op: "minimum") { Swift.min($0, $1) }.recording([a, b]) { g in
            let ma = try binaryKernel(a, b, op: "minimum") { $0 <= $1 ? 1 : 0 }
            return [try (g * ma).reduceGrad(to: a.shape), try (g * (1 - ma)).reduceGrad(to: b.shape)]
        }
    }

    /// `condition != 0 ? a : b`, broadcasting all three (torch.where).
    public static func `where`(_ condition: Tensor, _ a: Tensor, _ b: Tensor) throws -> Tensor {
        let shape = try Broadcast.shape(try Broadcast.shape(condition.shape, a.shape, op: "where"), b.shape, op: "where")
        let c = try condition.expand(shape), x = try a.expand(shape).detach(), y = try b.expand(shape).detach()
        let out = Tensor(uninitialized: shape)
        for i in 0..<out.count { out.pointer[i] = c.pointer[i] != 0 ? x.pointer[i] : y.pointer[i] }
        return out.recording([a, b]) { g in
            let m = c.unaryKernel { $0 != 0 ? 1 : 0 }
            return [try (g * m).reduceGrad(to: a.shape), try (g * (1 - m)).reduceGrad(to: b.shape)]
        }
    }

    /// 1 where `self < other` else 0 (no gradient).
    public func less(_ other: Tensor) throws -> Tensor { try Tensor.binaryKernel(self, other, op: "lt") { $0 < $1 ? 1 : 0 } }
}

// Unary math and activations.
extension Tensor {
    public func exp() -> Tensor {
        let out = cKernel("exp", foley_exp)
        return out.recording([self]) { g in [try g * out] }
    }

    public func log() -> Tensor { unaryKernel { Foundation.log($0) }.recording([self]) { g in [try g / self] } }

    public func sqrt() -> Tensor {
        let out = unaryKernel { $0.squareRoot() }
        return out.recording([self]) { g in [try g / (out * 2)] }
    }

    public func rsqrt() -> Tensor {
        let out = unaryKernel { 1 / $0.squareRoot() }
        return out.recording([self]) { g in [try g * (out * out * out) * -0.5] }
    }

    public func abs() -> Tensor {
        unaryKernel { Swift.abs($0) }.recording([self]) { g in [try g * self.unaryKernel { $0 > 0 ? 1 : ($0 < 0 ? -1 : 0) }] }
    }

    public func sin() -> Tensor { unaryKernel { Foundation.sin($0) }.recording([self]) { g in [try g * self.cos()] } }
    public func cos() -> Tensor { unaryKernel { Foundation.cos($0) }.recording([self]) { g in [try g * -self.sin()] } }

    public func clamp(min lo: Float = -.infinity, max hi: Float = .infinity) -> Tensor {
        unaryKernel { Swift.min(Swift.max($0, lo), hi) }.recording([self]) { g in
            [try g * self.unaryKernel { $0 >= lo && $0 <= hi ? 1 : 0 }]
        }
    }

    public func tanh() -> Tensor {
        let out = cKernel("tanh", foley_tanh)
        return out.recording([self]) { g in [try g * (1 - out * out)] }
    }

    public func sigmoid() -> Tensor {
        let out = cKernel("sigmoid", foley_sigmoid)
        return out.recording([self]) { g in [try g * out * (1 - out)] }
    }

    /// x * sigmoid(x) (SiLU / swish).
    public func silu() -> Tensor {
        cKernel("silu", foley_silu).recording([self]) { g in
            [try g * self.cKernel("silu_grad", foley_silu_grad)]
        }
    }

    public func relu() -> Tensor {
        unaryKernel { Swift.max($0, 0) }.recording([self]) { g in [try g * self.unaryKernel { $0 > 0 ? 1 : 0 }] }
    }

    public func leakyRelu(_ slope: Float = 0.01) -> Tensor {
        unaryKernel { $0 > 0 ? $0 : $0 * slope }.recording([self]) { g in [try g * self.unaryKernel { $0 > 0 ? 1 : slope }] }
    }

    /// GELU, exact (erf) by default or the tanh approximation.
    public func gelu(approximate: Bool = false) -> Tensor {
        if approximate {
            let c: Float = 0.7978845608028654
            return cKernel("gelu_tanh", foley_gelu_tanh).recording([self]) { g in
                [try g * self.unaryKernel { x in
                    let u = c * (x + 0.044715 * x * x * x), t = Foundation.tanh(u)
                    return 0.5 * (1 + t) + 0.5 * x * (1 - t * t) * c * (1 + 3 * 0.044715 * x * x)
                }]
            }
        }
        return cKernel("gelu", foley_gelu_erf).recording([self]) { g in
            [try g * self.cKernel("gelu_grad", foley_gelu_erf_grad)]
        }
    }

    /// x * sigmoid(1.702 x) (CLIP's quick_gelu).
    public func quickGelu() -> Tensor {
        cKernel("quick_gelu", foley_quick_gelu).recording([self]) { g in
            [try g * self.unaryKernel { x in let s = 1 / (1 + Foundation.exp(-1.702 * x)); return s * (1 + 1.702 * x * (1 - s)) }]
        }
    }

    /// Zeroes elements with probability `p` and scales the rest by 1/(1-p) when `training`.
    public func dropout(_ p: Float, training: Bool, generator: RandomGenerator) throws -> Tensor {
        guard training, p > 0 else { return self }
        guard p < 1 else { return try self * Tensor.zeros(shape) }
        let mask = Tensor(uninitialized: shape)
        let scale = 1 / (1 - p)
        for i in 0..<count { mask.pointer[i] = generator.nextUniform() < p ? 0 : scale }
        return try self * mask
    }
}
