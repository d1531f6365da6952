import Foundation
import Tensors

/// The sigma table and step cursor the flow-matching samplers share (diffusers' FlowMatch*DiscreteScheduler).
///
/// A flow sample is x_sigma = (1 - sigma) x0 + sigma noise with sigma in [0, 1] and timestep sigma * N; the
/// denoiser predicts the velocity dx/dsigma = noise - x0, and a step moves x along it from sigma to the next sigma.
struct FlowMatchSchedule: StepCursor {
    let numTrain: Int
    /// The first and last training sigmas, as diffusers computes them in float32 at construction (statically
    /// shifted unless shifting is dynamic); inference schedules are spread between them.
    let sigmaMax: Float
    let sigmaMin: Float
    private(set) var timesteps: [Float] = []
    private(set) var sigmas: [Float] = []
    /// Index into `sigmas` of the current step; set from the first timestep seen, as diffusers does.
    var stepIndex: Int?

    init(_ config: SamplerConfig, shift: Double, shiftAtInit: Bool) throws {
        try config.rejectUnsupported()
        let n = config.numTrainTimesteps ?? 1000
        guard n >= 1 else { throw DiffusionError.invalidArgument("num_train_timesteps", "expected an integer >= 1, got \(n)") }
        guard shift > 0, shift.isFinite else { throw DiffusionError.invalidArgument("shift", "expected a positive number, got \(shift)") }
        numTrain = n
        // torch: linspace(1, N, N) / N in float32, then shift * s / (1 + (shift - 1) * s) in float32.
        func train(_ i: Int) -> Float {
            let s = Float(i) / Float(n)
            guard shiftAtInit else { return s }
            return Float(shift) * s / (1 + Float(shift - 1) * s)
        }
        sigmaMax = train(n)
        sigmaMin = train(1)
    }

    /// numpy's linspace(sigma_max * N, sigma_min * N, steps) / N, in double (before any shift).
    func unshiftedSigmas(steps: Int) throws -> [Double] {
        guard steps > 0 else { throw DiffusionError.invalidArgument("steps", "expected a positive integer, got \(steps)") }
        guard steps <= numTrain else {
            throw DiffusionError.invalidArgument("steps", "expected at most num_train_timesteps (\(numTrain)), got \(steps)")
        }
        let n = Double(numTrain)
        return SamplerMath.linspace(Double(sigmaMax) * n, Double(sigmaMin) * n, steps).map { $0 / n }
    }

    /// The static shift shift * s / (1 + (shift - 1) * s), in double as numpy computes it.
    static func shifted(_ s: Double, shift: Double) -> Double { shift * s / (1 + (shift - 1) * s) }

    /// Installs a schedule and rewinds the cursor.
    mutating func set(timesteps t: [Float], sigmas s: [Float]) {
        timesteps = t
        sigmas = s
        stepIndex = nil
    }

    /// The flow's forward process (diffusers scale_noise): sigma noise + (1 - sigma) x0 at `timestep`.
    func addNoise(original: Tensor, noise: Tensor, timestep: Float) throws -> Tensor {
        guard !timesteps.isEmpty else {
            throw DiffusionError.invalidArgument("timesteps", "call setTimesteps(_:) before addNoise")
        }
        let sigma = sigmas[try index(of: timestep)]
        return try noise * sigma + original * (1 - sigma)
    }
}
