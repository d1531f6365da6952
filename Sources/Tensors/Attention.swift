import CKernels
import Foundation

extension Tensor {
    /// softmax(q kᵀ · scale + mask) v for q [.., L, D], k/v [.., S, D] (torch's scaled_dot_product_attention).
    /// `mask` is additive and broadcasts to [.., L, S]. Inference runs a chunked kernel whose memory
    /// is bounded by `chunk` query rows, so long audio does not need an L x S matrix at once.
    public static func scaledDotProductAttention(_ q: Tensor, _ k: Tensor, _ v: Tensor, mask: Tensor? = nil,
                                                 scale: Float? = nil, chunk: Int = 1024) throws -> Tensor {
        let d = q.shape[q.rank - 1]
        let s = scale ?? 1 / Float(d).squareRoot()
        let needsGraph = GradMode.isEnabled && (q.requiresGrad || k.requiresGrad || v.requiresGrad || (mask?.requiresGrad ?? false))
        if needsGraph || mask != nil || q.rank < 2 || q.shape.dropLast(2) != k.shape.dropLast(2) || k.shape != v.shape.dropLast() + [k.shape.last!] {
            var scores = try batchedMatmul(q, k, transA: false, transB: true) * s
            if let mask { scores = try scores + mask }
            return try scores.softmax(axis: -1).matmul(v)
        }
        return try chunkedAttention(q, k, v, scale: s, chunk: chunk)
    }

    static func chunkedAttention(_ q: Tensor, _ k: Tensor, _ v: Tensor, scale: Float, chunk: Int) throws -> Tensor {
        let l = q.shape[q.rank - 2], dq = q.shape[q.rank - 1]
        let sLen = k.shape[k.rank - 2], dv = v.shape[v.rank - 1]
        guard k.shape[k.rank - 1] == dq, v.shape[v.rank - 2] == sLen else {
            throw TensorError.shapeMismatch(op: "attention", "q \(q.shape), k \(k.shape), v \(v.shape)")
        }
        let heads = q.count / (l * dq)
        if dq <= 32 && dv <= 64 {
            return try fusedSmallHeadAttention(q, k, v, scale: scale, heads: heads, l: l, sLen: sLen, dq: dq, dv: dv)
        }
        let out = Tensor(uninitialized: Array(q.shape.dropLast()) + [dv])
        // Row blocks small enough that each product stays under OpenBLAS's single-thread threshold
        // (2^18 multiply-adds) and the score block stays in cache; blocks of all heads run in parallel.
        let rows = Swift.max(1, Swift.min(l, chunk, (1 << 18) / Swift.max(1, sLen * Swift.max(dq, dv))))
        let blocksPerHead = (l + rows - 1) / rows
        Runtime.parallelFor(heads * blocksPerHead) { task in
            let h = task / blocksPerHead, r0 = (task % blocksPerHead) * rows
            let n = Swift.min(rows, l - r0)
            let sp = UnsafeMutablePointer<Float>.allocate(capacity: n * sLen)
            defer { sp.deallocate() }
            let qp = q.pointer + h * l * dq, kp = k.pointer + h * sLen * dq, vp = v.pointer + h * sLen * dv
            sgemm(qp + r0 * dq, kp, sp, m: n, n: sLen, k: dq, transB: true)
            foley_softmax_rows(sp, sp, n, sLen, scale)
            sgemm(sp, vp, out.pointer + h * l * dv + r0 * dv, m: n, n: dv, k: sLen)
        }
        return out
    }

    static func fusedSmallHeadAttention(_ q: Tensor, _ k: Tensor, _ v: Tensor, scale: Float, heads: Int, l: Int, sLen: Int,
                                        dq: Int, dv: Int) throws -> Tensor {
        let kT = try k.transpose(-1, -2), vT = try v.transpose(-1, -2)
        let out = Tensor(uninitialized: Array(q.shape.dropLast()) + [dv])
        let rows = 64
        let blocksPerHead = (l + rows - 1) / rows
        Runtime.parallelFor(heads * blocksPerHead) { task in
            let h = task / blocksPerHead, r0 = (task % blocksPerHead) * rows
            let n = Swift.min(rows, l - r0)
            let scratch = UnsafeMutablePointer<Float>.allocate(capacity: sLen)
            defer { scratch.deallocate() }
            foley_attention_rows(q.pointer + (h * l + r0) * dq, kT.pointer + h * sLen * dq, vT.pointer + h * sLen * dv,
                                 out.pointer + (h * l + r0) * dv, n, sLen, dq, dv, scale, scratch)
        }
        return out
    }
}
