import CKernels
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
    /// Applies `f` elementwise to broadcast `a` and `b`; add, sub, mul and div run as vectorized C loops
    /// (`f` reached through a closure inside the parallel region would be an indirect call per element).
    @inline(__always)
    static func binaryKernel(_ a: Tensor, _ b: Tensor, op: String, _ f: (Float, Float) -> Float) throws -> Tensor {
        let scope = Profiler.beginOp(op, bytes: Double(4 * (a.count + b.count + Swift.max(a.count, b.count))))
        defer { scope.end() }
        let code: Int32? = switch op { case "add": 0; case "sub": 1; case "mul": 2; case "div": 3; default: nil }
        // y[0..<n] = f(a[i * sa], b[i * sb]) for strides 0 or 1.
        func apply(_ pa: UnsafePointer<Float>, _ sa: Int, _ pb: UnsafePointer<Float>, _ sb: Int, _ po: UnsafeMutablePointer<Float>, _ n: Int) {
            if let code { foley_binary(code, pa, sa, pb, sb, po, n); return }
            for i in 0..<n { po[i] = f(pa[i * sa], pb[i * sb]) }
        }
        let pa = UnsafePointer(a.pointer), pb = UnsafePointer(b.pointer)
        if a.shape == b.shape || b.count == 1 || a.count == 1 {
            let shape = a.shape == b.shape ? a.shape : try Broadcast.shape(a.shape, b.shape, op: op)
            let out = Tensor(uninitialized: shape)
            let po = out.pointer
            let sa = a.count == 1 && out.count > 1 ? 0 : 1, sb = b.count == 1 && out.count > 1 ? 0 : 1
            Runtime.parallelRanges(out.count, minChunk: 1 << 15) { lo, hi in
                apply(pa + lo * sa, sa, pb + lo * sb, sb, po + lo, hi - lo)
            }
            return out
        }
        let shape = try Broadcast.shape(a.shape, b.shape, op: op)
        let out = Tensor(uninitialized: shape)
        let po = out.pointer
        // Merge neighbouring dims that both operands step through alike ([N, C, H, W] + [N, C, 1, 1] becomes
        // [N*C, H*W] + [N*C, 1]), so the inner loop is as long as it can be.
        var dims = [(size: shape[0], sa: Broadcast.strides(a.shape, in: shape)[0], sb: Broadcast.strides(b.shape, in: shape)[0])]
        let sas = Broadcast.strides(a.shape, in: shape), sbs = Broadcast.strides(b.shape, in: shape)
        for d in 1..<shape.count {
            let last = dims[dims.count - 1]
            if last.sa == sas[d] * shape[d] && last.sb == sbs[d] * shape[d] {
                dims[dims.count - 1] = (last.size * shape[d], sas[d], sbs[d])
            } else {
                dims.append((shape[d], sas[d], sbs[d]))
            }
        }
        let r = dims.count
        let inner = dims[r - 1].size, ia = dims[r - 1].sa, ib = dims[r - 1].sb
        let rows = out.count / Swift.max(inner, 1)
        Runtime.parallelRanges(rows, minChunk: Swift.max(1, (1 << 15) / Swift.max(inner, 1))) { lo, hi in
            for row in lo..<hi {
                var rem = row, oa = 0, ob = 0
                var d = r - 2
                while d >= 0 {
                    let idx = rem % dims[d].size
                    rem /= dims[d].size
                    oa += idx * dims[d].sa
                    ob += idx * dims[d].sb
                    d -= 1
                }
                let o = po + row * inner
                if (ia == 0 || ia == 1) && (ib == 0 || ib == 1) {
                    apply(pa + oa, ia, pb + ob, ib, o, inner)
                } else {
                    for j in 0..<inner { o[j] = f(pa[oa + j * ia], pb[ob + j * ib]) }
                }
            }
        }
        return out
    }

    /// Applies a vectorized C kernel to every element, split across the worker threads.
    func cKernel(_ name: String, _ f: (UnsafePointer<Float>?, UnsafeMutablePointer<Float>?, Int) -> Void) -> Tensor {
        let scope = Profiler.beginOp(name, bytes: Double(8 * count))
        defer { scope.end() }
        let out = Tensor(uninitialized: shape)
        let pi = pointer, po = out.pointer
        Runtime.parallelRanges(count, minChunk: 1 << 15) { lo, hi in f(pi + lo, po + lo, hi - lo) }
        return out
    }

    /// Applies `f` to every element.
    @inline(__always)
    func unaryKernel(_ f: (Float) -> Float) -> Tensor {
        let scope = Profiler.beginOp("elementwise", bytes: Double(8 * count))
        defer { scope.end() }
        let out = Tensor(uninitialized: shape)
        let pi = pointer, po = out.pointer
        // One thread: `f` inlines here, while inside a parallel region it is an indirect call per element
        // (measured 5x slower on two threads than this loop on one). Hot maps have C kernels (`cKernel`).
        for i in 0..<count { po[i] = f(pi[i]) }
        return out
    }
}
