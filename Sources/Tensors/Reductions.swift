import CKernels
import Foundation

// Reductions move the reduced axes last (copying if needed), then reduce contiguous rows.
extension Tensor {
    /// (kept-axes tensor view as rows x reduced) plus the output shapes with and without keepDim.
    func reductionLayout(_ axes: [Int]?, op: String) throws -> (rows: Tensor, n: Int, keep: [Int], drop: [Int]) {
        let ax = Set((axes ?? Array(0..<rank)).map { normalize(axis: $0) })
        if let bad = ax.first(where: { $0 < 0 || $0 >= rank }) {
            throw TensorError.invalidArgument(op: op, "axis \(bad) out of range for shape \(shape)")
        }
        let kept = (0..<rank).filter { !ax.contains($0) }
        let red = (0..<rank).filter { ax.contains($0) }
        let moved = try GradMode.noGrad { try detach().permute(kept + red) }
        let n = red.map { shape[$0] }.reduce(1, *)
        let keep = (0..<rank).map { ax.contains($0) ? 1 : shape[$0] }
        return (moved, n, keep, kept.map { shape[$0] })
    }

    func reduceRows(_ axes: [Int]?, keepDim: Bool, op: String, _ f: (UnsafeMutablePointer<Float>, Int) -> Float) throws -> Tensor {
        try Profiler.op(op, bytes: Double(4 * count)) {
            let (rows, n, keep, drop) = try reductionLayout(axes, op: op)
            let out = Tensor(uninitialized: keepDim ? keep : drop)
            let m = out.count
            let src = rows.pointer, dst = out.pointer
            Runtime.parallelRanges(m, minChunk: Swift.max(1, 8192 / Swift.max(n, 1))) { lo, hi in
                for i in lo..<hi { dst[i] = f(src + i * n, n) }
            }
            return out
        }
    }

    public func sum(axes: [Int]? = nil, keepDim: Bool = false) throws -> Tensor {
        let out = try reduceRows(axes, keepDim: keepDim, op: "sum") { p, n in
            var acc = 0.0
            for j in 0..<n { acc += Double(p[j]) }
            return Float(acc)
        }
        let (inShape, keep) = (shape, try reductionLayout(axes, op: "sum").keep)
        return out.recording([self]) { g in [try g.reshape(keep).expand(inShape)] }
    }

    public func sum(axis: Int, keepDim: Bool = false) throws -> Tensor { try sum(axes: [axis], keepDim: keepDim) }

    public func mean(axes: [Int]? = nil, keepDim: Bool = false) throws -> Tensor {
        let n = (axes ?? Array(0..<rank)).map { shape[normalize(axis: $0)] }.reduce(1, *)
        return try sum(axes: axes, keepDim: keepDim) / Float(n)
    }

    public func mean(axis: Int, keepDim: Bool = false) throws -> Tensor { try mean(axes: [axis], keepDim: keepDim) }

    /// Variance over `axes`; `unbiased` divides by n-1 as torch.var's default.
    public func variance(axes: [Int]? = nil, keepDim: Bool = false, unbiased: Bool = true) throws -> Tensor {
        let n = (axes ?? Array(0..<rank)).map { shape[normalize(axis: $0)] }.reduce(1, *)
        let centered = try self - (try mean(axes: axes, keepDim: true))
        return try (centered * centered).sum(axes: axes, keepDim: keepDim) / Float(unbiased ? Swift.max(n - 1, 1) : n)
    }

    func extremum(_ axes: [Int]?, keepDim: Bool, isMax: Bool) throws -> Tensor {
        let out = try reduceRows(axes, keepDim: true, op: isMax ? "max" : "min") { p, n in
            var best = p[0]
            for j in 1..<Swift.max(n, 1) where isMax ? p[j] > best : p[j] < best { best = p[j] }
            return best
        }
        let (keep, drop) = try { let l = try reductionLayout(axes, op: "max"); return (l.keep, l.drop) }()
        let result = keepDim ? out : try GradMode.noGrad { try out.reshape(drop) }
        let inShape = shape
        return Tensor(shape: result.shape, storage: result.storage).recording([self]) { g in
            // Gradient goes to every position equal to the extremum (ties share it, as torch.amax).
            let hit = try Tensor.binaryKernel(self, out.expand(inShape), op: "max") { $0 == $1 ? 1 : 0 }
            let cnt = try hit.sum(axes: axes, keepDim: true)
            return [try hit * (try g.reshape(keep) / cnt)]
        }
    }

    public func max(axes: [Int]? = nil, keepDim: Bool = false) throws -> Tensor { try extremum(axes, keepDim: keepDim, isMax: true) }
    public func min(axes: [Int]? = nil, keepDim: Bool = false) throws -> Tensor { try extremum(axes, keepDim: keepDim, isMax: false) }

    /// Index of the largest value along `axis` (first on ties).
    public func argmax(axis: Int) throws -> [Int] {
        let (rows, n, _, _) = try reductionLayout([axis], op: "argmax")
        return (0..<(rows.count / Swift.max(n, 1))).map { i in
            let p = rows.pointer + i * n
            var best = 0
            for j in 1..<Swift.max(n, 1) where p[j] > p[best] { best = j }
            return best
        }
    }

    public func logsumexp(axes: [Int], keepDim: Bool = false) throws -> Tensor {
        let m = try GradMode.noGrad { try self.max(axes: axes, keepDim: true) }
        var r = try (try (self - m).exp().sum(axes: axes, keepDim: true)).log() + m
        if !keepDim { r = try r.reshape(try reductionLayout(axes, op: "logsumexp").drop) }
        return r
    }

    /// Softmax along `axis`, computed stably with the row maximum subtracted.
    public func softmax(axis: Int = -1) throws -> Tensor {
        let a = normalize(axis: axis)
        if a != rank - 1 { return try transpose(a, -1).softmax(axis: -1).transpose(a, -1) }
        let n = shape[rank - 1], rows = count / Swift.max(n, 1)
        let out = Profiler.op("softmax", bytes: Double(8 * count)) {
            let out = Tensor(uninitialized: shape)
            let src = pointer, dst = out.pointer
            Runtime.parallelRanges(rows, minChunk: Swift.max(1, 4096 / Swift.max(n, 1))) { lo, hi in
                foley_softmax_rows(src + lo * n, dst + lo * n, hi - lo, n, 1)
            }
            return out
        }
        return out.recording([self]) { g in
            // dx = y * (g - sum(g * y))
            let gy = try g * out
            return [try gy - out * (try gy.sum(axes: [-1], keepDim: true))]
        }
    }

    public func logSoftmax(axis: Int = -1) throws -> Tensor {
        try self - (try logsumexp(axes: [axis], keepDim: true))
    }
}
