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
        let out = Tensor(uninitialized: Array(q.shape.dropLast()) + [dv])
        let rows = Swift.max(1, Swift.min(l, chunk))
        Runtime.parallelFor(heads) { h in
            let scores = UnsafeMutablePointer<Float>.allocate(capacity: rows * sLen)
            defer { scores.deallocate() }
            let qp = q.pointer + h * l * dq, kp = k.pointer + h * sLen * dq, vp = v.pointer + h * sLen * dv
            let op = out.pointer + h * l * dv
            var r0 = 0
            while r0 < l {
                let n = Swift.min(rows, l - r0)
                sgemm(qp + r0 * dq, kp, scores, m: n, n: sLen, k: dq, transB: true)
                for r in 0..<n {
                    let row = scores + r * sLen
                    for j in 0..<sLen { row[j] *= scale }
                    softmaxRow(row, row, sLen)
                }
                sgemm(scores, vp, op + r0 * dv, m: n, n: dv, k: sLen)
                r0 += n
            }
        }
        return out
    }
}
