import Foundation
import Tensors

/// Scores computed from a classifier's class probabilities: KL divergence on paired clips and the Inception Score.
public enum ClassifierScores {
    /// How a classifier's outputs are read as distributions.
    public enum Variant: String, CaseIterable, Sendable {
        /// Each row is one categorical distribution over classes (softmax outputs).
        case softmax
        /// Each class is an independent yes/no event (sigmoid outputs, AudioSet tagging).
        case sigmoid
    }

    /// Added to the generated clip's probabilities inside the log, as audioldm_eval does, so a
    /// class the generator gives probability 0 costs a large but finite penalty.
    public static let epsilon = 1e-6

    /// KL(p_ref || p_gen) summed over classes, averaged over paired rows of [clips, classes].
    ///
    /// `.softmax`: Σ_c p log(p / (q + ε)) per row (audioldm_eval's `kl_softmax`, so values compare
    /// with published ones; identical outputs score about −ε per class, not exactly 0).
    /// `.sigmoid`: the per-class Bernoulli KL, Σ_c p log(p / q̂) + (1 − p) log((1 − p) / (1 − q̂)),
    /// q̂ = q clamped to [ε, 1 − ε]. audioldm_eval's `kl_sigmoid` keeps only the first term (with
    /// q + ε), which is not a divergence and can be negative; this form is never negative for
    /// outputs inside [ε, 1 − ε] and exactly 0 when they agree.
    public static func klDivergence(reference: Tensor, generated: Tensor, variant: Variant = .softmax) throws -> Double {
        let (n, c) = try pairedShape(reference, generated)
        let p = reference.pointer, q = generated.pointer
        var total = 0.0
        for i in 0..<(n * c) {
            let pr = Double(p[i]), qg = Double(q[i])
            switch variant {
            case .softmax:
                total += xlogy(pr, pr) - pr * log(qg + epsilon)
            case .sigmoid:
                let qc = min(max(qg, epsilon), 1 - epsilon)
                total += xlogy(pr, pr) - xlogy(pr, qc) + xlogy(1 - pr, 1 - pr) - xlogy(1 - pr, 1 - qc)
            }
        }
        return total / Double(n)
    }

    /// exp(E_x[KL(p(y|x) || p(y))]) of softmax rows [clips, classes], in `splits` consecutive parts
    /// (as torch-fidelity and audioldm_eval, which use 10): the mean over parts and their standard
    /// deviation (ddof 1; 0 for one part). 1 when every clip gets the same distribution; at most
    /// the number of classes.
    public static func inceptionScore(_ probabilities: Tensor, splits: Int = 1) throws -> (mean: Double, std: Double) {
        guard probabilities.rank == 2, probabilities.shape[0] > 0, probabilities.shape[1] > 0 else {
            throw MetricsError.invalidArgument("probabilities", "expected a 2-D tensor [clips, classes], got shape \(probabilities.shape)")
        }
        let n = probabilities.shape[0], c = probabilities.shape[1]
        guard splits >= 1, splits <= n else {
            throw MetricsError.invalidArgument("splits", "expected 1...\(n) (the number of clips), got \(splits)")
        }
        try checkProbabilities(probabilities, "probabilities")
        let p = probabilities.pointer
        var scores: [Double] = []
        // numpy.array_split: the first n % splits parts get one extra row.
        var start = 0
        for s in 0..<splits {
            let size = n / splits + (s < n % splits ? 1 : 0)
            var marginal = [Double](repeating: 0, count: c)
            for i in start..<(start + size) { for k in 0..<c { marginal[k] += Double(p[i * c + k]) } }
            for k in 0..<c { marginal[k] /= Double(size) }
            var kl = 0.0
            for i in start..<(start + size) {
                for k in 0..<c {
                    let v = Double(p[i * c + k])
                    if v > 0 { kl += v * (log(v) - log(marginal[k])) }
                }
            }
            scores.append(exp(kl / Double(size)))
            start += size
        }
        let mean = scores.reduce(0, +) / Double(splits)
        guard splits > 1 else { return (mean, 0) }
        let variance = scores.reduce(0) { $0 + ($1 - mean) * ($1 - mean) } / Double(splits - 1)
        return (mean, variance.squareRoot())
    }

    /// x log y with 0 log 0 = 0.
    static func xlogy(_ x: Double, _ y: Double) -> Double { x > 0 ? x * log(y) : 0 }

    static func pairedShape(_ reference: Tensor, _ generated: Tensor) throws -> (Int, Int) {
        guard reference.rank == 2, reference.shape[0] > 0, reference.shape[1] > 0 else {
            throw MetricsError.invalidArgument("reference", "expected a 2-D tensor [clips, classes], got shape \(reference.shape)")
        }
        guard generated.shape == reference.shape else {
            throw MetricsError.invalidArgument("generated", "expected the reference's shape \(reference.shape) (one row per paired clip), got \(generated.shape)")
        }
        try checkProbabilities(reference, "reference")
        try checkProbabilities(generated, "generated")
        return (reference.shape[0], reference.shape[1])
    }

    static func checkProbabilities(_ t: Tensor, _ name: String) throws {
        for i in 0..<t.count where !(t.pointer[i] >= 0 && t.pointer[i] <= 1) {
            throw MetricsError.invalidArgument(name, "expected probabilities in [0, 1], got \(t.pointer[i]) at index \(i) (pass softmax/sigmoid outputs, not logits)")
        }
    }
}
