import Foundation
import NN
import Tensors

/// StableAudioProjectionModel's `config.json`. diffusers gives these keys no defaults, so each is required.
public struct StableAudioProjectionConfig: Codable, Equatable, Sendable {
    public var textEncoderDim: Int
    public var conditioningDim: Int
    public var minValue: Float
    public var maxValue: Float

    public init(textEncoderDim: Int, conditioningDim: Int, minValue: Float, maxValue: Float) {
        self.textEncoderDim = textEncoderDim
        self.conditioningDim = conditioningDim
        self.minValue = minValue
        self.maxValue = maxValue
    }

    enum CodingKeys: String, CodingKey {
        case textEncoderDim = "text_encoder_dim", conditioningDim = "conditioning_dim"
        case minValue = "min_value", maxValue = "max_value"
    }

    /// Refuses, by key, values that would build a broken model.
    public func validate() throws {
        guard textEncoderDim > 0 else { throw DiffusionError.invalidArgument("text_encoder_dim", "expected a positive integer, got \(textEncoderDim)") }
        guard conditioningDim > 0 else { throw DiffusionError.invalidArgument("conditioning_dim", "expected a positive integer, got \(conditioningDim)") }
        guard maxValue > minValue else {
            throw DiffusionError.invalidArgument("max_value", "expected more than min_value (\(minValue)), got \(maxValue)")
        }
    }
}

/// Stable Audio's conditioner of one number (seconds_start or seconds_total): clamped to [min, max], scaled to
/// [0, 1], embedded as (t, sin, cos of 2 pi t w) with 128 learned frequencies, then a linear map to the
/// conditioning width (diffusers' StableAudioNumberConditioner; keys time_positional_embedding.0.weights, .1).
public final class StableAudioNumberConditioner: Module {
    public let minValue: Float, maxValue: Float
    public let weights: Tensor
    public let linear: Linear

    public init(conditioningDim: Int, minValue: Float, maxValue: Float, internalDim: Int = 256) {
        self.minValue = minValue
        self.maxValue = maxValue
        weights = Tensor.randn([internalDim / 2], generator: RandomGenerator(seed: 0))
        linear = Linear(internalDim + 1, conditioningDim)
        super.init()
        let fourier = Module()
        fourier.parameter("weights", weights)
        child("time_positional_embedding", ModuleList<Module>([fourier, linear]))
    }

    /// Numbers [B] -> [B, 1, conditioning_dim].
    public func callAsFunction(_ numbers: Tensor) throws -> Tensor {
        let t = try ((numbers.clamp(min: minValue, max: maxValue) - minValue) / Tensor(scalar: maxValue - minValue))
            .reshape([numbers.count, 1])
        // diffusers: times * weights * 2 * pi, left to right in float32.
        let freqs = try t * weights.reshape([1, weights.count]) * 2 * Float.pi
        let embedded = try linear(Tensor.concat([t, freqs.sin(), freqs.cos()], axis: 1))
        return try embedded.reshape([numbers.count, 1, linear.outFeatures])
    }
}

/// Stable Audio's conditioning projections (diffusers' StableAudioProjectionModel): the text encoder's states
/// projected to the conditioning width (identity when the widths agree), and the start and end seconds embedded
/// by their number conditioners.
public final class StableAudioProjectionModel: Module {
    public let config: StableAudioProjectionConfig
    /// nil when text_encoder_dim == conditioning_dim (diffusers uses nn.Identity).
    public let textProjection: Linear?
    public let startNumberConditioner: StableAudioNumberConditioner
    public let endNumberConditioner: StableAudioNumberConditioner

    public init(config: StableAudioProjectionConfig) throws {
        try config.validate()
        self.config = config
        textProjection = config.textEncoderDim == config.conditioningDim ? nil : Linear(config.textEncoderDim, config.conditioningDim)
        startNumberConditioner = StableAudioNumberConditioner(conditioningDim: config.conditioningDim, minValue: config.minValue, maxValue: config.maxValue)
        endNumberConditioner = StableAudioNumberConditioner(conditioningDim: config.conditioningDim, minValue: config.minValue, maxValue: config.maxValue)
        super.init()
        if let textProjection { child("text_projection", textProjection) }
        child("start_number_conditioner", startNumberConditioner)
        child("end_number_conditioner", endNumberConditioner)
    }

    /// Reads `config.json` and the safetensors of a diffusers `projection_model/` folder.
    public static func load(folder: URL, strict: Bool = true) throws -> StableAudioProjectionModel {
        try ModelFolder(folder).load(StableAudioProjectionConfig.self, strict: strict, build: { try StableAudioProjectionModel(config: $0) })
    }

    /// Text states [B, S, text_encoder_dim] -> [B, S, conditioning_dim].
    public func projectText(_ text: Tensor) throws -> Tensor {
        guard text.shape.last == config.textEncoderDim else {
            throw DiffusionError.invalidArgument("text_hidden_states", "expected last dim text_encoder_dim (\(config.textEncoderDim)), got \(text.shape)")
        }
        return try textProjection.map { try $0(text) } ?? text
    }

    /// Start seconds [B] -> [B, 1, conditioning_dim].
    public func secondsStart(_ seconds: Tensor) throws -> Tensor { try startNumberConditioner(seconds) }

    /// End (total) seconds [B] -> [B, 1, conditioning_dim].
    public func secondsEnd(_ seconds: Tensor) throws -> Tensor { try endNumberConditioner(seconds) }
}
