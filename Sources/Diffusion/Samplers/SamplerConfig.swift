import Foundation

/// A sampler's settings: diffusers' `scheduler_config.json` (diffusers calls samplers schedulers; Foley names both the
/// protocol and its settings Sampler); unset keys take the chosen sampler's own diffusers default.
// Every key is optional because diffusers' defaults differ per class (e.g. `solver_type` is `midpoint`
// for DPM-Solver but `bh2` for UniPC), and an unset key must round-trip as unset.
public struct SamplerConfig: Codable, Equatable {
    public var className: String?
    public var diffusersVersion: String?
    public var numTrainTimesteps: Int?
    public var betaStart: Double?
    public var betaEnd: Double?
    public var betaSchedule: String?
    public var trainedBetas: [Double]?
    public var predictionType: String?
    public var timestepSpacing: String?
    public var stepsOffset: Int?
    public var setAlphaToOne: Bool?
    public var clipSample: Bool?
    public var clipSampleRange: Double?
    public var thresholding: Bool?
    public var varianceType: String?
    public var rescaleBetasZeroSnr: Bool?
    public var useKarrasSigmas: Bool?
    public var useExponentialSigmas: Bool?
    public var useBetaSigmas: Bool?
    public var useLuLambdas: Bool?
    public var sigmaMin: Double?
    public var sigmaMax: Double?
    public var interpolationType: String?
    public var timestepType: String?
    public var skipPrkSteps: Bool?
    public var solverOrder: Int?
    public var algorithmType: String?
    public var solverType: String?
    public var lowerOrderFinal: Bool?
    public var eulerAtFinal: Bool?
    public var finalSigmasType: String?
    public var lambdaMinClipped: Double?
    public var predictX0: Bool?
    public var disableCorrector: [Int]?
    // Flow matching (FlowMatchEuler/HeunDiscreteScheduler).
    public var shift: Double?
    public var useDynamicShifting: Bool?
    public var baseShift: Double?
    public var maxShift: Double?
    public var baseImageSeqLen: Int?
    public var maxImageSeqLen: Int?
    public var invertSigmas: Bool?
    public var shiftTerminal: Double?
    public var timeShiftType: String?
    public var stochasticSampling: Bool?
    // EDM-style (CosineDPMSolverMultistepScheduler).
    public var sigmaData: Double?
    public var sigmaSchedule: String?
    public var rho: Double?

    enum CodingKeys: String, CodingKey, CaseIterable {
        case className = "_class_name"
        case diffusersVersion = "_diffusers_version"
        case numTrainTimesteps = "num_train_timesteps"
        case betaStart = "beta_start"
        case betaEnd = "beta_end"
        case betaSchedule = "beta_schedule"
        case trainedBetas = "trained_betas"
        case predictionType = "prediction_type"
        case timestepSpacing = "timestep_spacing"
        case stepsOffset = "steps_offset"
        case setAlphaToOne = "set_alpha_to_one"
        case clipSample = "clip_sample"
        case clipSampleRange = "clip_sample_range"
        case thresholding
        case varianceType = "variance_type"
        case rescaleBetasZeroSnr = "rescale_betas_zero_snr"
        case useKarrasSigmas = "use_karras_sigmas"
        case useExponentialSigmas = "use_exponential_sigmas"
        case useBetaSigmas = "use_beta_sigmas"
        case useLuLambdas = "use_lu_lambdas"
        case sigmaMin = "sigma_min"
        case sigmaMax = "sigma_max"
        case interpolationType = "interpolation_type"
        case timestepType = "timestep_type"
        case skipPrkSteps = "skip_prk_steps"
        case solverOrder = "solver_order"
        case algorithmType = "algorithm_type"
        case solverType = "solver_type"
        case lowerOrderFinal = "lower_order_final"
        case eulerAtFinal = "euler_at_final"
        case finalSigmasType = "final_sigmas_type"
        case lambdaMinClipped = "lambda_min_clipped"
        case predictX0 = "predict_x0"
        case disableCorrector = "disable_corrector"
        case shift
        case useDynamicShifting = "use_dynamic_shifting"
        case baseShift = "base_shift"
        case maxShift = "max_shift"
        case baseImageSeqLen = "base_image_seq_len"
        case maxImageSeqLen = "max_image_seq_len"
        case invertSigmas = "invert_sigmas"
        case shiftTerminal = "shift_terminal"
        case timeShiftType = "time_shift_type"
        case stochasticSampling = "stochastic_sampling"
        case sigmaData = "sigma_data"
        case sigmaSchedule = "sigma_schedule"
        case rho
    }

    public init(className: String? = nil, numTrainTimesteps: Int? = nil, betaStart: Double? = nil,
                betaEnd: Double? = nil, betaSchedule: String? = nil, predictionType: String? = nil,
                timestepSpacing: String? = nil, stepsOffset: Int? = nil) {
        self.className = className
        self.numTrainTimesteps = numTrainTimesteps
        self.betaStart = betaStart
        self.betaEnd = betaEnd
        self.betaSchedule = betaSchedule
        self.predictionType = predictionType
        self.timestepSpacing = timestepSpacing
        self.stepsOffset = stepsOffset
    }

    /// Reads a diffusers `scheduler_config.json` (Python writes `-Infinity` bare, so JSON5 is allowed).
    public static func load(path: String) throws -> SamplerConfig {
        let data: Data
        do { data = try Data(contentsOf: URL(fileURLWithPath: path)) } catch {
            throw DiffusionError.file(path, "cannot read scheduler config: \(error.localizedDescription)")
        }
        do { return try decode(data) } catch let e as DiffusionError {
            throw DiffusionError.file(path, e.description)
        }
    }

    /// Parses scheduler-config JSON.
    public static func decode(_ data: Data) throws -> SamplerConfig {
        let decoder = JSONDecoder()
        decoder.allowsJSON5 = true
        decoder.nonConformingFloatDecodingStrategy = .convertFromString(
            positiveInfinity: "Infinity", negativeInfinity: "-Infinity", nan: "NaN")
        do { return try decoder.decode(SamplerConfig.self, from: data) } catch {
            throw DiffusionError.invalidArgument("scheduler config", "invalid JSON: \(error)")
        }
    }

    /// This config with `values` (diffusers keys: numbers, booleans, strings, arrays) put over it; a key the schema
    /// does not know is an error naming it and the nearest known key.
    public func overriding(_ values: [String: Any]) throws -> SamplerConfig {
        try GenerationSchema.check(Array(values.keys), known: CodingKeys.allCases.map(\.rawValue), what: "sampler config key")
        var dict = (try JSONSerialization.jsonObject(with: try jsonData()) as? [String: Any]) ?? [:]
        dict.merge(values) { _, new in new }
        return try SamplerConfig.decode(try JSONSerialization.data(withJSONObject: dict))
    }

    /// JSON in diffusers' schema (sorted keys; infinities written bare, as Python's json does).
    public func jsonData() throws -> Data {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
        encoder.nonConformingFloatEncodingStrategy = .convertToString(
            positiveInfinity: "Infinity", negativeInfinity: "-Infinity", nan: "NaN")
        let text = String(decoding: try encoder.encode(self), as: UTF8.self)
            .replacingOccurrences(of: "\"-Infinity\"", with: "-Infinity")
            .replacingOccurrences(of: "\"Infinity\"", with: "Infinity")
        return Data(text.utf8)
    }

    /// Writes `jsonData()` to `path`.
    public func save(path: String) throws {
        do { try jsonData().write(to: URL(fileURLWithPath: path), options: .atomic) } catch {
            throw DiffusionError.file(path, "cannot write scheduler config: \(error.localizedDescription)")
        }
    }
}

/// What the denoiser predicts: the added noise, the velocity v, or the clean sample.
public enum PredictionType: String, CaseIterable {
    case epsilon
    case vPrediction = "v_prediction"
    case sample
}

/// How inference timesteps are spread over the training range (diffusers `timestep_spacing`).
public enum TimestepSpacing: String, CaseIterable {
    case leading, trailing, linspace
}

extension SamplerConfig {
    /// Parses a string option, naming the key and the accepted values on failure.
    static func option<E: RawRepresentable>(_ key: String, _ raw: String?, default def: E,
                                            allowed: [E]) throws -> E where E.RawValue == String {
        guard let raw else { return def }
        if let v = E(rawValue: raw), allowed.contains(where: { $0.rawValue == v.rawValue }) { return v }
        throw DiffusionError.invalidArgument(key, "expected \(SamplerMath.list(allowed.map(\.rawValue))), got '\(raw)'")
    }

    /// Rejects diffusers options Foley's samplers do not implement, rather than silently ignoring them.
    func rejectUnsupported() throws {
        let flags: [(String, Bool?)] = [("thresholding", thresholding), ("use_exponential_sigmas", useExponentialSigmas),
                                        ("use_beta_sigmas", useBetaSigmas), ("use_lu_lambdas", useLuLambdas)]
        for (key, value) in flags where value == true {
            throw DiffusionError.invalidArgument(key, "not supported by Foley's samplers (expected false)")
        }
        if let t = interpolationType, t != "linear" {
            throw DiffusionError.invalidArgument("interpolation_type", "expected linear, got '\(t)'")
        }
        if let t = timestepType, t != "discrete" {
            throw DiffusionError.invalidArgument("timestep_type", "expected discrete, got '\(t)'")
        }
    }

    /// A flow-matching schedule (FlowMatch*Scheduler): its denoiser predicts the velocity noise - x0, not a beta
    /// schedule's epsilon, v or x0.
    public var isFlow: Bool { className?.hasPrefix("FlowMatch") == true }

    /// What the denoiser predicts: `prediction_type` for a beta schedule (default epsilon), "flow_prediction" for a flow.
    public var predicts: String { isFlow ? "flow_prediction" : predictionType ?? "epsilon" }

    /// A copy naming `className` (the diffusers class a saved config must load back as).
    func named(_ name: String) -> SamplerConfig {
        var c = self
        c.className = name
        return c
    }
}
