import COpenBLAS
import Foundation

// Matrix products through cblas_sgemm; batch dims broadcast as torch.matmul.
extension Tensor {
    /// C[m,n] = op(A) op(B) on raw pointers (row-major), accumulating when beta is 1.
    ///
    /// OpenBLAS runs on one thread; a large product is split here into one slab of columns (or rows) per
    /// worker. OpenBLAS's own pool spins in sched_yield after every call, taking a core from the engine's
    /// next kernel; the engine's workers park instead.
    static func sgemm(_ a: UnsafePointer<Float>, _ b: UnsafePointer<Float>, _ c: UnsafeMutablePointer<Float>,
                      m: Int, n: Int, k: Int, transA: Bool = false, transB: Bool = false, beta: Float = 0,
                      lda: Int? = nil, ldb: Int? = nil, ldc: Int? = nil) {
        let workers = Runtime.threadCount
        let lda = lda ?? (transA ? m : k), ldb = ldb ?? (transB ? k : n), ldc = ldc ?? n
        let tile = 16  // whole register tiles per slab
        guard workers > 1, !Runtime.isParallel, m * n * k >= 1 << 18, Swift.max(m, n) >= 2 * tile else {
            sgemmSerial(a, b, c, m: m, n: n, k: k, transA: transA, transB: transB, beta: beta, lda: lda, ldb: ldb, ldc: ldc)
            return
        }
        let alongN = n >= m
        let extent = alongN ? n : m
        let parts = Swift.min(workers, extent / tile)
        let step = ((extent + parts - 1) / parts + tile - 1) / tile * tile
        Runtime.parallelFor(parts) { w in
            let lo = w * step, hi = Swift.min(extent, lo + step)
            guard hi > lo else { return }
            if alongN {
                sgemmSerial(a, transB ? b + lo * ldb : b + lo, c + lo, m: m, n: hi - lo, k: k, transA: transA, transB: transB,
                            beta: beta, lda: lda, ldb: ldb, ldc: ldc)
            } else {
                sgemmSerial(transA ? a + lo : a + lo * lda, b, c + lo * ldc, m: hi - lo, n: n, k: k, transA: transA,
                            transB: transB, beta: beta, lda: lda, ldb: ldb, ldc: ldc)
            }
        }
    }

    @inline(__always)
    static func sgemmSerial(_ a: UnsafePointer<Float>, _ b: UnsafePointer<Float>, _ c: UnsafeMutablePointer<Float>,
                            m: Int, n: Int, k: Int, transA: Bool, transB: Bool, beta: Float, lda: Int, ldb: Int, ldc: Int) {
        _ = Runtime.threadCount  // the first BLAS call waits for the thread count and kernel choice
        cblas_sgemm(CblasRowMajor, transA ? CblasTrans : CblasNoTrans, transB ? CblasTrans : CblasNoTrans,
                    Int32(m), Int32(n), Int32(k), 1, a, Int32(lda), b, Int32(ldb), beta, c, Int32(ldc))
    }

    /// Matrix product of the last two dims, broadcasting leading batch dims; 1-D operands as in torch.matmul.
    public func matmul(_ other: Tensor) throws -> Tensor {
        if rank == 1 && other.rank == 1 { return try (self * other).sum() }
        if rank == 1 { return try unsqueeze(0).matmul(other).squeeze(-2) }
        if other.rank == 1 { return try matmul(other.unsqueeze(-1)).squeeze(-1) }
        return try Tensor.batchedMatmul(self, other, transA: false, transB: false)
    }

    /// op(a) @ op(b) over the last two dims, with broadcasting batch dims.
    public static func batchedMatmul(_ a: Tensor, _ b: Tensor, transA: Bool, transB: Bool) throws -> Tensor {
        try Interrupt.check()
        return try Profiler.op("matmul", flops: matmulFlops(a, b, transA: transA, transB: transB)) {
            try batchedMatmulBody(a, b, transA: transA, transB: transB)
        }
    }

    static func matmulFlops(_ a: Tensor, _ b: Tensor, transA: Bool, transB: Bool) -> Double {
        guard a.rank >= 2, b.rank >= 2 else { return 0 }
        let m = transA ? a.shape[a.rank - 1] : a.shape[a.rank - 2], bn = transB ? b.shape[b.rank - 2] : b.shape[b.rank - 1]
        let k = transA ? a.shape[a.rank - 2] : a.shape[a.rank - 1]
        let batch = Swift.max(a.count / Swift.max(1, m * k), b.count / Swift.max(1, k * bn))
        return 2 * Double(batch) * Double(m) * Double(bn) * Double(k)
    }

    private static func batchedMatmulBody(_ a: Tensor, _ b: Tensor, transA: Bool, transB: Bool) throws -> Tensor {
        let (am, ak) = transA ? (a.shape[a.rank - 1], a.shape[a.rank - 2]) : (a.shape[a.rank - 2], a.shape[a.rank - 1])
        let (bk, bn) = transB ? (b.shape[b.rank - 1], b.shape[b.rank - 2]) : (b.shape[b.rank - 2], b.shape[b.rank - 1])
        guard ak == bk else {
            throw TensorError.shapeMismatch(op: "matmul", "\(a.shape)\(transA ? "ᵀ" : "") @ \(b.shape)\(transB ? "ᵀ" : ""): inner dims \(ak) != \(bk)")
        }
        let batchA = Array(a.shape.dropLast(2)), batchB = Array(b.shape.dropLast(2))
        let batch = try Broadcast.shape(batchA, batchB, op: "matmul")
        let nb = Tensor.count(of: batch)
        let out = Tensor(uninitialized: batch + [am, bn])
        let sa = Broadcast.strides(batchA, in: batch), sb = Broadcast.strides(batchB, in: batch)
        let bstr = Tensor.strides(of: batch)
        let matA = a.shape[a.rank - 2] * a.shape[a.rank - 1], matB = b.shape[b.rank - 2] * b.shape[b.rank - 1]
        let pa = a.pointer, pb = b.pointer, po = out.pointer
        let fn = { (i: Int) in
            var oa = 0, ob = 0, rem = i
            for d in 0..<batch.count {
                let c = rem / bstr[d]
                rem %= bstr[d]
                oa += c * sa[d]
                ob += c * sb[d]
            }
            sgemm(pa + oa * matA, pb + ob * matB, po + i * am * bn, m: am, n: bn, k: ak, transA: transA, transB: transB)
        }
        // Products under 2^18 multiply-adds go one per worker; bigger ones run in turn, each split across
        // the workers by `sgemm`.
        if nb > 1 && am * bn * ak < 1 << 18 { Runtime.parallelFor(nb) { fn($0) } } else { for i in 0..<nb { fn(i) } }
        return out.recording([a, b]) { g in
            // d(op(A)) = g @ op(B)ᵀ ; d(op(B)) = op(A)ᵀ @ g, then undo the op and the broadcast.
            var ga: Tensor? = nil, gb: Tensor? = nil
            if a.requiresGrad {
                ga = transA ? try batchedMatmul(b, g, transA: transB, transB: true)
                            : try batchedMatmul(g, b, transA: false, transB: !transB)
                ga = try ga!.reduceGrad(to: a.shape)
            }
            if b.requiresGrad {
                gb = transB ? try batchedMatmul(g, a, transA: true, transB: transA)
                            : try batchedMatmul(a, g, transA: !transA, transB: false)
                gb = try gb!.reduceGrad(to: b.shape)
            }
            return [ga, gb]
        }
    }

    /// x @ wᵀ + b, the Linear layer's map over the last dim.
    public static func linear(_ x: Tensor, weight: Tensor, bias: Tensor?) throws -> Tensor {
        try Profiler.op("linear", flops: 2 * Double(x.count) * Double(weight.shape.first ?? 0)) {
            try linearBody(x, weight: weight, bias: bias)
        }
    }

    private static func linearBody(_ x: Tensor, weight: Tensor, bias: Tensor?) throws -> Tensor {
        let inF = weight.shape[1], outF = weight.shape[0]
        guard x.shape.last == inF else {
            throw TensorError.shapeMismatch(op: "linear", "input \(x.shape) last dim != weight in_features \(inF)")
        }
        let rows = x.count / inF
        let out = Tensor(uninitialized: Array(x.shape.dropLast()) + [outF])
        if let bias {
            for r in 0..<rows { (out.pointer + r * outF).update(from: bias.pointer, count: outF) }
        }
        sgemm(x.pointer, weight.pointer, out.pointer, m: rows, n: outF, k: inF, transB: true, beta: bias == nil ? 0 : 1)
        return out.recording(bias.map { [x, weight, $0] } ?? [x, weight]) { g in
            let g2 = try g.reshape([rows, outF])
            var res: [Tensor?] = []
            if x.requiresGrad {
                let gx = Tensor(uninitialized: x.shape)
                sgemm(g2.pointer, weight.pointer, gx.pointer, m: rows, n: inF, k: outF)
                res.append(gx)
            } else { res.append(nil) }
            if weight.requiresGrad {
                let gw = Tensor(uninitialized: weight.shape)
                sgemm(g2.pointer, x.pointer, gw.pointer, m: outF, n: inF, k: rows, transA: true)
                res.append(gw)
            } else { res.append(nil) }
            if let bias { res.append(bias.requiresGrad ? try g2.sum(axes: [0]) : nil) }
            return res
        }
    }
}
