import CKernels
import Foundation

extension Tensor {
    /// softmax(q kᵀ · scale + mask) v for q [.., L, D], k/v [.., S, D] (torch's scaled_dot_product_attention).
    /// `mask` is additive and broadcasts to [.., L, S]. Without a mask, heads up to 64 wide run a fused
    /// row kernel (training too: its backward recomputes probabilities from a saved log-sum-exp, so no
    /// L x S matrix is ever stored); wider heads in inference use blocked products bounded by `chunk` rows.
    public static func scaledDotProductAttention(_ q: Tensor, _ k: Tensor, _ v: Tensor, mask: Tensor? = nil,
                                                 scale: Float? = nil, chunk: Int = 1024) throws -> Tensor {
        try Profiler.op("attention", flops: attentionFlops(q, k, v)) {
            try attentionBody(q, k, v, mask: mask, scale: scale, chunk: chunk)
        }
    }

    /// 2 x multiply-adds of q kᵀ and p v: rows x S x (D + Dv).
    static func attentionFlops(_ q: Tensor, _ k: Tensor, _ v: Tensor) -> Double {
        guard q.rank >= 2, k.rank >= 2, v.rank >= 1, let d = q.shape.last, d > 0 else { return 0 }
        return 2 * Double(q.count / d) * Double(k.shape[k.rank - 2]) * Double(d + v.shape[v.rank - 1])
    }

    private static func attentionBody(_ q: Tensor, _ k: Tensor, _ v: Tensor, mask: Tensor?, scale: Float?, chunk: Int) throws -> Tensor {
        // Long ops poll the interrupt flag (Ctrl-C, SIGTERM) so a stop does not wait for a step of minutes.
        try Interrupt.check()
        let d = q.shape[q.rank - 1]
        let s = scale ?? 1 / Float(d).squareRoot()
        let standard = q.rank >= 2 && q.shape.dropLast(2) == k.shape.dropLast(2) && k.shape.dropLast() == v.shape.dropLast()
            && k.shape.last == d && v.shape[v.rank - 2] == k.shape[k.rank - 2]
        let needsGraph = GradMode.isEnabled && (q.requiresGrad || k.requiresGrad || v.requiresGrad || (mask?.requiresGrad ?? false))
        if mask == nil && standard && d <= 64 && v.shape.last! <= 64 {
            return try fusedAttention(q, k, v, scale: s, recordGraph: needsGraph)
        }
        if needsGraph || mask != nil || !standard {
            var scores = try batchedMatmul(q, k, transA: false, transB: true) * s
            if let mask { scores = try scores + mask }
            return try scores.softmax(axis: -1).matmul(v)
        }
        return try blockedAttention(q, k, v, scale: s, chunk: chunk)
    }

    /// Wide heads: blocks of query rows as two products each (OpenBLAS threads them), the softmax of the
    /// score block between them on the worker threads; a block's scores stay within a few MB.
    static func blockedAttention(_ q: Tensor, _ k: Tensor, _ v: Tensor, scale: Float, chunk: Int) throws -> Tensor {
        let l = q.shape[q.rank - 2], dq = q.shape[q.rank - 1]
        let sLen = k.shape[k.rank - 2], dv = v.shape[v.rank - 1]
        let heads = q.count / (l * dq)
        let out = Tensor(uninitialized: Array(q.shape.dropLast()) + [dv])
        let rows = Swift.max(1, Swift.min(l, chunk, (1 << 20) / Swift.max(1, sLen)))
        let scores = Tensor(uninitialized: [rows * sLen])
        let sp = scores.pointer
        for h in 0..<heads {
            let qp = q.pointer + h * l * dq, kp = k.pointer + h * sLen * dq, vp = v.pointer + h * sLen * dv
            for r0 in stride(from: 0, to: l, by: rows) {
                try Interrupt.check()
                let n = Swift.min(rows, l - r0)
                sgemm(qp + r0 * dq, kp, sp, m: n, n: sLen, k: dq, transB: true)
                Runtime.parallelRanges(n, minChunk: Swift.max(1, 4096 / Swift.max(1, sLen))) { lo, hi in
                    foley_softmax_rows(sp + lo * sLen, sp + lo * sLen, hi - lo, sLen, scale)
                }
                sgemm(sp, vp, out.pointer + h * l * dv + r0 * dv, m: n, n: dv, k: sLen)
            }
        }
        return out
    }

    /// Small heads: one fused pass per query row (scores, softmax, weighted sum) with the row in L1.
    static func fusedAttention(_ q: Tensor, _ k: Tensor, _ v: Tensor, scale: Float, recordGraph: Bool) throws -> Tensor {
        let l = q.shape[q.rank - 2], dq = q.shape[q.rank - 1]
        let sLen = k.shape[k.rank - 2], dv = v.shape[v.rank - 1]
        let heads = q.count / (l * dq)
        let panels = (sLen + 7) / 8
        let kp = Tensor(uninitialized: [heads, panels * 8 * dq])
        Runtime.parallelFor(heads) { h in foley_pack_keys(k.pointer + h * sLen * dq, sLen, dq, kp.pointer + h * panels * 8 * dq) }
        let out = Tensor(uninitialized: Array(q.shape.dropLast()) + [dv])
        let lse = recordGraph ? Tensor(uninitialized: [heads * l]) : nil
        let rows = 32, blocksPerHead = (l + rows - 1) / rows
        Runtime.parallelFor(heads * blocksPerHead) { task in
            if Interrupt.requested { return }   // the blocks left are skipped; the check below throws
            let h = task / blocksPerHead, r0 = (task % blocksPerHead) * rows
            let n = Swift.min(rows, l - r0)
            let scratch = UnsafeMutablePointer<Float>.allocate(capacity: 4 * panels * 8)
            defer { scratch.deallocate() }
            foley_attention_rows_v(q.pointer + (h * l + r0) * dq, kp.pointer + h * panels * 8 * dq, v.pointer + h * sLen * dv,
                                   out.pointer + (h * l + r0) * dv, n, sLen, dq, dv, scale, scratch,
                                   lse.map { $0.pointer + h * l + r0 })
        }
        try Interrupt.check()
        guard recordGraph, let lse else { return out }
        let (kT, vT) = try GradMode.noGrad { (try k.detach().transpose(-1, -2), try v.detach().transpose(-1, -2)) }
        return out.recording([q, k, v]) { g in
            let dQ = Tensor(uninitialized: q.shape)
            let dKT = Tensor.zeros([heads, dq, sLen]), dVT = Tensor.zeros([heads, dv, sLen])
            // One task per head: each owns its dK/dV accumulators, so no two threads write the same memory.
            Runtime.parallelFor(heads) { h in
                let scratch = UnsafeMutablePointer<Float>.allocate(capacity: 2 * sLen)
                defer { scratch.deallocate() }
                foley_attention_backward_rows(q.pointer + h * l * dq, kT.pointer + h * sLen * dq, vT.pointer + h * sLen * dv,
                                              out.pointer + h * l * dv, g.pointer + h * l * dv, lse.pointer + h * l,
                                              dQ.pointer + h * l * dq, dKT.pointer + h * dq * sLen, dVT.pointer + h * dv * sLen,
                                              l, sLen, dq, dv, scale, scratch)
            }
            return [dQ, try dKT.transpose(-1, -2).reshape(k.shape), try dVT.transpose(-1, -2).reshape(v.shape)]
        }
    }
}
