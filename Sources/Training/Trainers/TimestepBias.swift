import Foundation
import Tensors

/// Which training timesteps stage 2 draws more often: diffusers' `--timestep_bias_strategy` (train_text_to_image_sdxl.py's
/// `generate_timestep_weights`), so the UNet can spend its steps where a sample's layout (late, noisy steps) or its
/// detail (early steps) is decided.
public struct TimestepBias: Equatable {
    /// "none", "earlier" (the first `portion` of timesteps), "later" (the last `portion`) or "range" (`begin..<end`).
    public var strategy = "none"
    /// How many times more often a biased timestep is drawn.
    public var multiplier: Double = 1
    /// The fraction of timesteps "earlier" and "later" bias.
    public var portion: Double = 0.25
    public var begin = 0
    public var end = 1000

    public static let strategies = ["none", "earlier", "later", "range"]
    /// The `train` keys that set it (stage 2 only).
    public static let configKeys = ["timestep_bias_strategy", "timestep_bias_multiplier", "timestep_bias_portion",
                                    "timestep_bias_begin", "timestep_bias_end"]

    public init(strategy: String = "none", multiplier: Double = 1, portion: Double = 0.25, begin: Int = 0, end: Int = 1000) {
        self.strategy = strategy
        self.multiplier = multiplier
        self.portion = portion
        self.begin = begin
        self.end = end
    }

    /// The biased timesteps among `n`, as diffusers slices them.
    public func biased(_ n: Int) throws -> Range<Int>? {
        let count = Int(portion * Double(n))
        switch strategy {
        case "later": return (n - count)..<n
        case "earlier": return 0..<count
        case "range":
            guard begin >= 0, end <= n, begin < end else {
                throw TrainingError.config(key: end > n ? "train.timestep_bias_end" : "train.timestep_bias_begin", found: "\(begin)..<\(end)",
                                           expected: "a range inside 0..<\(n) (num_train_timesteps)")
            }
            return begin..<end
        default: return nil
        }
    }

    /// Normalized sampling weights of the `n` training timesteps (uniform without a bias).
    public func weights(_ n: Int) throws -> [Double] {
        var w = [Double](repeating: 1, count: n)
        if let r = try biased(n) { for i in r { w[i] *= multiplier } }
        let total = w.reduce(0, +)
        return w.map { $0 / total }
    }
}

/// Draws timesteps from fixed weights by inverse CDF (torch.multinomial with replacement).
struct TimestepSampler {
    let cdf: [Double]
    let uniform: Bool

    init(_ bias: TimestepBias, count n: Int) throws {
        let w = try bias.weights(n)
        var acc = 0.0
        cdf = w.map { acc += $0; return acc }
        uniform = bias.strategy == "none" || bias.multiplier == 1
    }

    /// Uniform draws use `nextInt` exactly as before the option existed, so unbiased runs replay bit for bit.
    func draw(_ rng: RandomGenerator) -> Int {
        if uniform { return rng.nextInt(cdf.count) }
        let u = Double(rng.nextUInt64() >> 11) * (1.0 / 9_007_199_254_740_992.0) * cdf[cdf.count - 1]
        var lo = 0, hi = cdf.count - 1
        while lo < hi {
            let mid = (lo + hi) / 2
            if cdf[mid] > u { hi = mid } else { lo = mid + 1 }
        }
        return lo
    }
}
