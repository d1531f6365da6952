import Tensors

/// The mean and covariance of a set of embeddings, accumulated in float64 (what FAD compares).
public struct GaussianStatistics: Equatable, Sendable {
    /// How many embeddings were summarized.
    public let count: Int
    /// Embedding width.
    public let dimension: Int
    public let mean: [Double]
    /// dimension x dimension, row-major; unbiased (divides by count - 1) as numpy.cov.
    public let covariance: [Double]

    /// Statistics of the rows of `embeddings` [count, dimension]; needs at least 2 rows.
    public init(embeddings: Tensor) throws {
        guard embeddings.rank == 2 else {
            throw MetricsError.invalidArgument("embeddings", "expected a 2-D tensor [count, dimension], got shape \(embeddings.shape)")
        }
        let n = embeddings.shape[0], d = embeddings.shape[1]
        try self.init(rows: n, dimension: d) { i, out in
            let p = embeddings.pointer + i * d
            for k in 0..<d { out[k] = Double(p[k]) }
        }
    }

    /// Statistics of equally long vectors.
    public init(vectors: [[Float]]) throws {
        let d = vectors.first?.count ?? 0
        for (i, v) in vectors.enumerated() where v.count != d {
            throw MetricsError.invalidArgument("embeddings[\(i)]", "expected \(d) values like embedding 0, got \(v.count)")
        }
        try self.init(rows: vectors.count, dimension: d) { i, out in
            for k in 0..<d { out[k] = Double(vectors[i][k]) }
        }
    }

    /// Two passes (mean, then centred products) so large offsets do not cancel catastrophically.
    init(rows n: Int, dimension d: Int, row: (Int, inout [Double]) -> Void) throws {
        guard n >= 2 else {
            throw MetricsError.invalidArgument("embeddings", "expected at least 2 embeddings for a covariance, got \(n)")
        }
        guard d >= 1 else { throw MetricsError.invalidArgument("embeddings", "expected a dimension of at least 1, got \(d)") }
        var mean = [Double](repeating: 0, count: d)
        var x = [Double](repeating: 0, count: d)
        for i in 0..<n {
            row(i, &x)
            for k in 0..<d { mean[k] += x[k] }
        }
        for k in 0..<d { mean[k] /= Double(n) }
        var cov = [Double](repeating: 0, count: d * d)
        for i in 0..<n {
            row(i, &x)
            for k in 0..<d { x[k] -= mean[k] }
            // Upper triangle only; mirrored below.
            for a in 0..<d {
                let xa = x[a]
                if xa == 0 { continue }
                for b in a..<d { cov[a * d + b] += xa * x[b] }
            }
        }
        let scale = 1 / Double(n - 1)
        for a in 0..<d {
            for b in a..<d {
                cov[a * d + b] *= scale
                cov[b * d + a] = cov[a * d + b]
            }
        }
        count = n
        dimension = d
        self.mean = mean
        covariance = cov
    }

    /// Statistics given directly (e.g. precomputed reference statistics).
    public init(count: Int, mean: [Double], covariance: [Double]) throws {
        guard covariance.count == mean.count * mean.count else {
            throw MetricsError.invalidArgument("covariance", "expected \(mean.count)x\(mean.count) values for a mean of \(mean.count), got \(covariance.count)")
        }
        self.count = count
        dimension = mean.count
        self.mean = mean
        self.covariance = covariance
    }
}
