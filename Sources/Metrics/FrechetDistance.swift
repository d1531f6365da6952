import Tensors

/// The Fréchet distance between two Gaussians, the core of FAD (Kilgour et al. 2019).
///
/// d² = ‖μ₁ − μ₂‖² + tr(Σ₁ + Σ₂ − 2 (Σ₁^½ Σ₂ Σ₁^½)^½). The inner matrix is symmetric positive
/// semidefinite, so both square roots come from symmetric eigendecompositions and are exact even for
/// singular covariances (fewer embeddings than dimensions), where scipy.linalg.sqrtm of the
/// non-symmetric Σ₁Σ₂ (what frechet-audio-distance computes) can return complex noise.
/// tr((Σ₁^½ Σ₂ Σ₁^½)^½) equals tr((Σ₁Σ₂)^½): the two matrices are similar up to a change of basis.
public enum FrechetDistance {
    /// Eigenvalues below this fraction of the largest are rounding noise of a singular matrix.
    static let relativeFloor = 1e-12

    public static func distance(_ a: GaussianStatistics, _ b: GaussianStatistics) throws -> Double {
        guard a.dimension == b.dimension else {
            throw MetricsError.invalidArgument("embeddings", "dimensions differ: \(a.dimension) vs \(b.dimension) (same embedder for both sets?)")
        }
        let n = a.dimension
        var meanTerm = 0.0
        for k in 0..<n { meanTerm += (a.mean[k] - b.mean[k]) * (a.mean[k] - b.mean[k]) }
        let rootA = try SymmetricEigen(a.covariance, n: n).reconstruct { $0.squareRoot(clampedAt: 0) }
        let inner = Dense.symmetrized(Dense.multiply(Dense.multiply(rootA, b.covariance, n: n), rootA, n: n), n: n)
        let eig = try SymmetricEigen(inner, n: n)
        let top = eig.values.last ?? 0
        // Tiny negative eigenvalues are rounding error of a PSD matrix: clamp them to zero.
        let traceRoot = eig.values.reduce(0) { $0 + ($1 > top * relativeFloor ? $1.squareRoot() : 0) }
        let d = meanTerm + Dense.trace(a.covariance, n: n) + Dense.trace(b.covariance, n: n) - 2 * traceRoot
        // d is a squared distance; rounding can leave it a hair below zero for identical sets.
        return max(d, 0)
    }

    /// The distance between the Gaussians fitted to two embedding sets, each [count, dimension].
    public static func distance(_ a: Tensor, _ b: Tensor) throws -> Double {
        try distance(GaussianStatistics(embeddings: a), GaussianStatistics(embeddings: b))
    }
}

extension Double {
    /// √x for x ≥ 0; negative inputs (rounding noise of a PSD matrix) give `floor`'s root.
    func squareRoot(clampedAt floor: Double) -> Double { Swift.max(self, floor).squareRoot() }
}
