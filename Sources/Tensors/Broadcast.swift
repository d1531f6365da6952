import Foundation

/// Broadcasting as NumPy/PyTorch define it: align from the right, size-1 dims stretch.
enum Broadcast {
    static func shape(_ a: [Int], _ b: [Int], op: String) throws -> [Int] {
        let r = max(a.count, b.count)
        var out = [Int](repeating: 1, count: r)
        for i in 0..<r {
            let da = i < r - a.count ? 1 : a[i - (r - a.count)]
            let db = i < r - b.count ? 1 : b[i - (r - b.count)]
            guard da == db || da == 1 || db == 1 else {
                throw TensorError.shapeMismatch(op: op, "\(a) and \(b) do not broadcast")
            }
            out[i] = da == 1 ? db : da
        }
        return out
    }

    /// Strides of `shape` read as `out` (0 along broadcast dims).
    static func strides(_ shape: [Int], in out: [Int]) -> [Int] {
        let s = Tensor.strides(of: shape)
        let lead = out.count - shape.count
        return (0..<out.count).map { i in
            i < lead ? 0 : (shape[i - lead] == 1 ? 0 : s[i - lead])
        }
    }
}

extension Tensor {
    /// Applies `f` elementwise to broadcast `a` and `b`.
    @inline(__always)
    static func binaryKernel(_ a: Tensor, _ b: Tensor, op: String, _ f: (Float, Float) -> Float) throws -> Tensor {
        try Profiler.op(op, bytes: Double(4 * (a.count + b.count + Swift.max(a.count, b.count)))) {
            try binaryKernelBody(a, b, op: op, f)
        }
    }

    @inline(__always)
    private static func binaryKernelBody(_ a: Tensor, _ b: Tensor, op: String, _ f: (Float, Float) -> Float) throws -> Tensor {
        let pa = a.pointer, pb = b.pointer
        if a.shape == b.shape {
            let out = Tensor(uninitialized: a.shape)
            let po = out.pointer
            Runtime.parallelRanges(a.count, minChunk: 1 << 15) { lo, hi in
                for i in lo..<hi { po[i] = f(pa[i], pb[i]) }
            }
            return out
        }
        let shape = try Broadcast.shape(a.shape, b.shape, op: op)
        let out = Tensor(uninitialized: shape)
        let po = out.pointer
        if b.count == 1 {
            let s = pb[0]
            Runtime.parallelRanges(out.count, minChunk: 1 << 15) { lo, hi in
                for i in lo..<hi { po[i] = f(pa[i], s) }
            }
            return out
        }
        if a.count == 1 {
            let s = pa[0]
            Runtime.parallelRanges(out.count, minChunk: 1 << 15) { lo, hi in
                for i in lo..<hi { po[i] = f(s, pb[i]) }
            }
            return out
        }
        let sa = Broadcast.strides(a.shape, in: shape), sb = Broadcast.strides(b.shape, in: shape)
        let r = shape.count
        let inner = shape[r - 1], ia = sa[r - 1], ib = sb[r - 1]
        let rows = out.count / Swift.max(inner, 1)
        Runtime.parallelRanges(rows, minChunk: Swift.max(1, (1 << 15) / Swift.max(inner, 1))) { lo, hi in
            for row in lo..<hi {
                var rem = row, oa = 0, ob = 0
                var d = r - 2
                while d >= 0 {
                    let idx = rem % shape[d]
                    rem /= shape[d]
                    oa += idx * sa[d]
                    ob += idx * sb[d]
                    d -= 1
                }
                let o = po + row * inner
                if ia == 1 && ib == 1 {
                    for j in 0..<inner { o[j] = f(pa[oa + j], pb[ob + j]) }
                } else if ia == 1 && ib == 0 {
                    let v = pb[ob]
                    for j in 0..<inner { o[j] = f(pa[oa + j], v) }
                } else if ia == 0 && ib == 1 {
                    let v = pa[oa]
                    for j in 0..<inner { o[j] = f(v, pb[ob + j]) }
                } else {
                    for j in 0..<inner { o[j] = f(pa[oa + j * ia], pb[ob + j * ib]) }
                }
            }
        }
        return out
    }

    /// Applies a vectorized C kernel to every element, split across the worker threads.
    func cKernel(_ name: String, _ f: (UnsafePointer<Float>?, UnsafeMutablePointer<Float>?, Int) -> Void) -> Tensor {
        Profiler.op(name, bytes: Double(8 * count)) {
            let out = Tensor(uninitialized: shape)
            let pi = pointer, po = out.pointer
            Runtime.parallelRanges(count, minChunk: 1 << 15) { lo, hi in f(pi + lo, po + lo, hi - lo) }
            return out
        }
    }

    /// Applies `f` to every element.
    @inline(__always)
    func unaryKernel(_ f: (Float) -> Float) -> Tensor {
        Profiler.op("elementwise", bytes: Double(8 * count)) {
            let out = Tensor(uninitialized: shape)
            let pi = pointer, po = out.pointer
            Runtime.parallelRanges(count, minChunk: 1 << 14) { lo, hi in
                for i in lo..<hi { po[i] = f(pi[i]) }
            }
            return out
        }
    }
}
