import Foundation
import Tensors

/// A noise scheduler: walks a latent from pure noise to a clean sample, one denoiser call per timestep.
// Usage mirrors diffusers: `setTimesteps(n)`, start from noise times `initNoiseSigma`, then for each `t` in
// `timesteps` feed `scaleModelInput(x, t)` to the denoiser and `x = step(output, t, x)`. Timesteps are
// Floats for every sampler because Karras-spaced Euler samplers use fractional ones; discrete samplers
// reject non-integral values.
public protocol Sampler: AnyObject {
    /// The configuration this sampler was built from, `className` naming its diffusers class.
    var config: SamplerConfig { get }
    /// Cumulative products of (1 - beta) over the training timesteps.
    var alphasCumprod: [Float] { get }
    /// Denoiser timesteps in call order (empty before `setTimesteps`).
    var timesteps: [Float] { get }
    /// Noise level per step plus the final one, for sigma-parameterised samplers; empty otherwise.
    var sigmas: [Float] { get }
    /// The standard deviation to scale initial unit noise by.
    var initNoiseSigma: Float { get }
    /// Denoiser calls per solver step (2 for Heun), as diffusers' `order`.
    var order: Int { get }

    /// Chooses `steps` inference timesteps and resets all per-run state.
    func setTimesteps(_ steps: Int) throws
    /// Scales the latent as the denoiser expects at `timestep` (identity for alpha-parameterised samplers).
    func scaleModelInput(_ sample: Tensor, timestep: Float) throws -> Tensor
    /// One reverse step: the latent at the next timestep. Stochastic samplers draw from `noise`.
    func step(modelOutput: Tensor, timestep: Float, sample: Tensor, noise: NoiseSource?) throws -> Tensor
    /// The forward process: `original` noised to the level of `timestep` (for img2img and training).
    func addNoise(original: Tensor, noise: Tensor, timestep: Float) throws -> Tensor
}

extension Sampler {
    /// A deterministic step (stochastic samplers throw, naming the missing noise).
    public func step(modelOutput: Tensor, timestep: Float, sample: Tensor) throws -> Tensor {
        try step(modelOutput: modelOutput, timestep: timestep, sample: sample, noise: nil)
    }
}

// MARK: Noise

/// Where stochastic samplers get their Gaussian noise, one tensor per draw.
public protocol NoiseSource: AnyObject {
    func nextNoise(shape: [Int]) throws -> Tensor
}

/// Standard normal noise from a seeded generator, scaled by `temperature` (1 = exact Gaussian).
public final class GeneratorNoise: NoiseSource {
    public let generator: RandomGenerator
    public var temperature: Float

    public init(generator: RandomGenerator, temperature: Float = 1) {
        self.generator = generator
        self.temperature = temperature
    }

    public convenience init(seed: UInt64, temperature: Float = 1) {
        self.init(generator: RandomGenerator(seed: seed), temperature: temperature)
    }

    public func nextNoise(shape: [Int]) throws -> Tensor {
        let z = Tensor.randn(shape, generator: generator)
        return temperature == 1 ? z : z * temperature
    }
}

/// Replays recorded noise tensors in order, to reproduce a reference run draw for draw.
public final class RecordedNoise: NoiseSource {
    public let tensors: [Tensor]
    /// How many tensors have been handed out.
    public private(set) var consumed = 0

    public init(_ tensors: [Tensor]) { self.tensors = tensors }

    public func nextNoise(shape: [Int]) throws -> Tensor {
        guard consumed < tensors.count else {
            throw DiffusionError.invalidArgument("noise", "recorded noise exhausted after \(tensors.count) draws")
        }
        let t = tensors[consumed]
        guard t.shape == shape else {
            throw DiffusionError.invalidArgument("noise", "recorded draw \(consumed) has shape \(t.shape), expected \(shape)")
        }
        consumed += 1
        return t
    }
}

/// A bare generator is a noise source at temperature 1.
extension RandomGenerator: NoiseSource {
    public func nextNoise(shape: [Int]) throws -> Tensor { Tensor.randn(shape, generator: self) }
}

// MARK: Factory

/// The short sampler names `makeSampler` accepts (aliases and diffusers class names work too).
public let samplerNames = ["ddpm", "ddim", "pndm", "plms", "euler", "euler_ancestral", "heun", "lms", "dpmpp_2m", "unipc",
                           "flow_euler", "flow_heun", "cosine_dpm"]

/// diffusers class names, in `samplerNames` order of their families.
public let samplerClassNames = [
    "DDPMScheduler", "DDIMScheduler", "PNDMScheduler", "EulerDiscreteScheduler", "EulerAncestralDiscreteScheduler",
    "HeunDiscreteScheduler", "LMSDiscreteScheduler", "DPMSolverMultistepScheduler", "UniPCMultistepScheduler",
    "FlowMatchEulerDiscreteScheduler", "FlowMatchHeunDiscreteScheduler", "CosineDPMSolverMultistepScheduler",
]

/// The short name of a diffusers scheduler class (`DDPMScheduler` -> `ddpm`), or the class name when it has none.
public func samplerShortName(className: String) -> String {
    let short = ["DDPMScheduler": "ddpm", "DDIMScheduler": "ddim", "PNDMScheduler": "pndm", "EulerDiscreteScheduler": "euler",
                 "EulerAncestralDiscreteScheduler": "euler_ancestral", "HeunDiscreteScheduler": "heun",
                 "LMSDiscreteScheduler": "lms", "DPMSolverMultistepScheduler": "dpmpp_2m", "UniPCMultistepScheduler": "unipc",
                 "FlowMatchEulerDiscreteScheduler": "flow_euler", "FlowMatchHeunDiscreteScheduler": "flow_heun",
                 "CosineDPMSolverMultistepScheduler": "cosine_dpm"]
    return short[className] ?? className
}

/// The short name of a sampler as built (`samplerNames`' spelling): its class's, and plms for a PNDM sampler that
/// skips its Runge-Kutta warm-up, as `makeSampler(name: "plms")` builds it.
public func samplerShortName(of sampler: any Sampler) -> String {
    let cls = sampler.config.className ?? "?"
    if cls == "PNDMScheduler", sampler.config.skipPrkSteps == true { return "plms" }
    return samplerShortName(className: cls)
}

/// Sets per-run sampler options by name on `sampler`: `eta` (DDIM's stochasticity) and `mu` (flow_euler's dynamic
/// shift); a sampler that has no such option refuses it rather than ignoring it, so the command line, the pipeline
/// and Lua's samplers agree.
public func applySamplerOptions(_ options: [String: Float], to sampler: any Sampler) throws {
    for (key, value) in options.sorted(by: { $0.key < $1.key }) {
        if key == "mu" {
            guard let flow = sampler as? FlowMatchEulerSampler else {
                let name = sampler.config.className ?? "\(type(of: sampler))"
                throw DiffusionError.invalidArgument("mu", "only the flow_euler sampler takes mu; this run's sampler is \(name)")
            }
            flow.mu = Double(value)
            continue
        }
        guard key == "eta" else {
            throw DiffusionError.invalidArgument(key, "unknown sampler option (the only ones are eta, for ddim, and mu, for flow_euler)")
        }
        guard let ddim = sampler as? DDIMSampler else {
            let name = sampler.config.className ?? "\(type(of: sampler))"
            throw DiffusionError.invalidArgument("eta", "only the ddim sampler takes eta; this run's sampler is \(name) (choose ddim, or drop eta)")
        }
        ddim.eta = value
    }
}

/// Builds a sampler by short name (`euler_a`, `dpm++2m`, ...) or diffusers class name, sharing `config`'s keys
/// as diffusers' `from_config` does. Short names that imply options (plms, dpmpp_2m) set them.
public func makeSampler(name: String, config: SamplerConfig = SamplerConfig()) throws -> any Sampler {
    var c = config
    switch name.trimmingCharacters(in: .whitespaces).lowercased() {
    case "ddpm", "ddpmscheduler": return try DDPMSampler(config: c)
    case "ddim", "ddimscheduler": return try DDIMSampler(config: c)
    case "pndm", "pndmscheduler": return try PNDMSampler(config: c)
    case "plms":
        c.skipPrkSteps = true
        return try PNDMSampler(config: c)
    case "euler", "eulerdiscretescheduler": return try EulerSampler(config: c)
    case "euler_ancestral", "euler_a", "eulera", "eulerancestraldiscretescheduler":
        return try EulerAncestralSampler(config: c)
    case "heun", "heundiscretescheduler": return try HeunSampler(config: c)
    case "lms", "lmsdiscretescheduler": return try LMSSampler(config: c)
    case "dpmpp_2m", "dpm++2m", "dpmpp2m", "dpm++_2m", "dpmsolver++":
        c.algorithmType = "dpmsolver++"
        c.solverOrder = 2
        return try DPMSolverMultistepSampler(config: c)
    case "dpmsolvermultistepscheduler": return try DPMSolverMultistepSampler(config: c)
    case "unipc", "unipcmultistepscheduler": return try UniPCSampler(config: c)
    case "flow_euler", "flowmatch_euler", "flowmatcheulerdiscretescheduler": return try FlowMatchEulerSampler(config: c)
    case "flow_heun", "flowmatch_heun", "flowmatchheundiscretescheduler": return try FlowMatchHeunSampler(config: c)
    case "cosine_dpm", "cosine_dpmpp_2m_sde", "cosinedpmsolvermultistepscheduler": return try CosineDPMSolverMultistepSampler(config: c)
    default:
        throw DiffusionError.invalidArgument(
            "sampler", "expected one of \(samplerNames.joined(separator: ", ")) (aliases euler_a, dpm++2m, dpmsolver++) "
                + "or a diffusers class name (\(samplerClassNames.joined(separator: ", "))), got '\(name)'")
    }
}

/// Builds the sampler a loaded diffusers config names in `_class_name`.
public func makeSampler(config: SamplerConfig) throws -> any Sampler {
    guard let name = config.className else {
        throw DiffusionError.invalidArgument(
            "_class_name", "the scheduler config names no class: expected one of \(samplerClassNames.joined(separator: ", "))")
    }
    return try makeSampler(name: name, config: config)
}
