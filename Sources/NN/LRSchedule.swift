import Foundation

/// A learning-rate multiplier as a function of the step (diffusers' get_scheduler family).
public enum LRSchedule: Equatable {
    case constant
    /// Linear ramp from 0 over `warmup` steps, then constant.
    case warmupConstant(warmup: Int)
    /// Linear warm-up, then linear decay to 0 at `total`.
    case linear(warmup: Int, total: Int)
    /// Linear warm-up, then half-cosine decay to `minFactor` at `total`.
    case cosine(warmup: Int, total: Int, minFactor: Float)

    public func factor(step: Int) -> Float {
        switch self {
        case .constant: return 1
        case let .warmupConstant(w): return w > 0 && step < w ? Float(step + 1) / Float(w) : 1
        case let .linear(w, total):
            if w > 0 && step < w { return Float(step + 1) / Float(w) }
            return max(0, Float(total - step) / Float(max(1, total - w)))
        case let .cosine(w, total, minF):
            if w > 0 && step < w { return Float(step + 1) / Float(w) }
            let progress = min(1, Float(step - w) / Float(max(1, total - w)))
            return minF + (1 - minF) * 0.5 * (1 + cos(.pi * progress))
        }
    }
}
