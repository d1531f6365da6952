import COpenBLAS
import Tensors

/// Eigenvalues and eigenvectors of a real symmetric matrix (LAPACK dsyev from OpenBLAS).
public struct SymmetricEigen: Sendable {
    /// Ascending eigenvalues.
    public let values: [Double]
    /// Eigenvectors as columns of an n x n row-major matrix: `vectors[i * n + k]` is component i of vector k.
    public let vectors: [Double]
    public let n: Int

    /// Decomposes the n x n row-major symmetric `matrix` (only its values matter, not its layout:
    /// a symmetric matrix is its own transpose, so row- and column-major agree).
    public init(_ matrix: [Double], n: Int) throws {
        guard matrix.count == n * n, n > 0 else {
            throw MetricsError.invalidArgument("matrix", "expected \(n)x\(n) = \(n * n) values, got \(matrix.count)")
        }
        guard matrix.allSatisfy({ $0.isFinite }) else {
            throw MetricsError.invalidArgument("matrix", "has NaN or infinite entries (are the embeddings finite?)")
        }
        _ = Runtime.threadCount  // OpenBLAS's threads and kernels are chosen before its first call
        var a = matrix
        var w = [Double](repeating: 0, count: n)
        var jobz = CChar(UInt8(ascii: "V")), uplo = CChar(UInt8(ascii: "U"))
        var nn = Int32(n), lda = Int32(n), lwork: Int32 = -1, info: Int32 = 0
        var query = 0.0
        dsyev_(&jobz, &uplo, &nn, &a, &lda, &w, &query, &lwork, &info)
        guard info == 0 else { throw MetricsError.lapack("dsyev", "workspace query failed with info \(info)") }
        lwork = Int32(max(query, Double(3 * n)))
        var work = [Double](repeating: 0, count: Int(lwork))
        dsyev_(&jobz, &uplo, &nn, &a, &lda, &w, &work, &lwork, &info)
        guard info == 0 else {
            throw MetricsError.lapack("dsyev", info < 0 ? "argument \(-info) was invalid" : "did not converge (\(info) off-diagonal elements)")
        }
        // LAPACK wrote column-major eigenvectors: a[k * n + i] is component i of vector k.
        var v = [Double](repeating: 0, count: n * n)
        for k in 0..<n { for i in 0..<n { v[i * n + k] = a[k * n + i] } }
        values = w
        vectors = v
        self.n = n
    }

    /// V f(Λ) Vᵀ: a function applied to the spectrum, row-major n x n.
    public func reconstruct(_ f: (Double) -> Double) -> [Double] {
        let fw = values.map(f)
        var scaled = vectors
        for i in 0..<n { for k in 0..<n { scaled[i * n + k] *= fw[k] } }
        var out = [Double](repeating: 0, count: n * n)
        cblas_dgemm(CblasRowMajor, CblasNoTrans, CblasTrans, Int32(n), Int32(n), Int32(n), 1,
                    scaled, Int32(n), vectors, Int32(n), 0, &out, Int32(n))
        return out
    }
}

/// Small dense float64 helpers for the covariance algebra.
enum Dense {
    /// a b for n x n row-major matrices.
    static func multiply(_ a: [Double], _ b: [Double], n: Int) -> [Double] {
        var out = [Double](repeating: 0, count: n * n)
        cblas_dgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, Int32(n), Int32(n), Int32(n), 1,
                    a, Int32(n), b, Int32(n), 0, &out, Int32(n))
        return out
    }

    static func trace(_ a: [Double], n: Int) -> Double { (0..<n).reduce(0) { $0 + a[$1 * n + $1] } }

    /// (a + aᵀ) / 2, removing the rounding asymmetry of a product before an eigensolver.
    static func symmetrized(_ a: [Double], n: Int) -> [Double] {
        var out = a
        for i in 0..<n {
            for j in (i + 1)..<n {
                let m = (a[i * n + j] + a[j * n + i]) / 2
                out[i * n + j] = m
                out[j * n + i] = m
            }
        }
        return out
    }
}
