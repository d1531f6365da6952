import Foundation
import Tensors

extension Sampler {
    /// The clean sample (x0) that a denoiser output implies at `timestep`, `sample` being the latent the output was
    /// predicted from (unscaled, as the loop holds it). Each sampler computes this inside `step` and drops it; an
    /// interrupted generation wants it afterwards as a preview, so it is rebuilt here from the schedule, once for
    /// every sampler family: flows (x = (1 - s) x0 + s noise), EDM's preconditioning (cosine DPM), k-diffusion sigmas
    /// (x = x0 + s eps: Euler, Heun, LMS) and alpha schedules (x = sqrt(a) x0 + sqrt(1 - a) eps: DDPM, DDIM, ...).
    public func predictedOriginal(modelOutput: Tensor, timestep: Float, sample: Tensor) throws -> Tensor {
        let prediction = PredictionType(rawValue: config.predictionType ?? "epsilon") ?? .epsilon
        func sigmaAtTimestep() throws -> Float {
            guard let i = timesteps.firstIndex(of: timestep), i < sigmas.count else {
                throw DiffusionError.invalidArgument("timestep", "\(timestep) is not one of this run's timesteps")
            }
            return sigmas[i]
        }
        if self is FlowMatchEulerSampler || self is FlowMatchHeunSampler {
            // The output is the velocity noise - x0.
            return try sample - modelOutput * (try sigmaAtTimestep())
        }
        if let edm = self as? CosineDPMSolverMultistepSampler {
            let s = try sigmaAtTimestep(), sd2 = edm.sigmaData * edm.sigmaData
            let cOut = (edm.prediction == .epsilon ? s : -s) * edm.sigmaData / (s * s + sd2).squareRoot()
            return try sample * (sd2 / (s * s + sd2)) + modelOutput * cOut
        }
        if !sigmas.isEmpty && initNoiseSigma > 1 {
            let s = try sigmaAtTimestep()
            switch prediction {
            case .epsilon: return try sample - modelOutput * s
            case .vPrediction:
                return try modelOutput * (-s / (s * s + 1).squareRoot()) + SamplerMath.divide(sample, s * s + 1)
            case .sample: return modelOutput
            }
        }
        let t = Int(timestep.rounded())
        guard alphasCumprod.indices.contains(t) else {
            throw DiffusionError.invalidArgument("timestep", "\(timestep) is outside the training schedule (0..<\(alphasCumprod.count))")
        }
        let a = alphasCumprod[t], sa = a.squareRoot(), sb = (1 - a).squareRoot()
        switch prediction {
        case .epsilon: return try SamplerMath.divide(try sample - modelOutput * sb, sa)
        case .vPrediction: return try sample * sa - modelOutput * sb
        case .sample: return modelOutput
        }
    }
}

extension Sampler {
    /// The forward process with one timestep per row of `original` (a training batch's noise levels, as diffusers'
    /// `add_noise` takes a timestep tensor): row r noised to `timesteps[r]`.
    public func addNoise(original: Tensor, noise: Tensor, timesteps: [Float]) throws -> Tensor {
        guard original.rank >= 1, timesteps.count == original.shape[0] else {
            throw DiffusionError.invalidArgument(
                "timesteps", "expected one per row (\(original.rank >= 1 ? original.shape[0] : 0)), got \(timesteps.count)")
        }
        guard noise.shape == original.shape else {
            throw DiffusionError.invalidArgument("noise", "expected shape \(original.shape), got \(noise.shape)")
        }
        let rows = try timesteps.enumerated().map { r, t in
            try addNoise(original: try original.slice(axis: 0, start: r, end: r + 1),
                         noise: try noise.slice(axis: 0, start: r, end: r + 1), timestep: t)
        }
        return try Tensor.concat(rows, axis: 0)
    }
}
