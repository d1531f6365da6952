import Foundation

/// AutoencoderOobleck's `config.json` (diffusers schema); absent or null keys take diffusers' defaults, which are
/// Stable Audio Open's VAE (128 hidden, strides 2-4-4-8-8 = hop 2048, 64 latent channels, stereo 44.1 kHz).
public struct AutoencoderOobleckConfig: Codable, Equatable, Sendable {
    public var encoderHiddenSize = 128
    public var downsamplingRatios = [2, 4, 4, 8, 8]
    public var channelMultiples = [1, 2, 4, 8, 16]
    public var decoderChannels = 128
    public var decoderInputChannels = 64
    public var audioChannels = 2
    public var samplingRate = 44100

    public init() {}

    enum CodingKeys: String, CodingKey {
        case encoderHiddenSize = "encoder_hidden_size", downsamplingRatios = "downsampling_ratios"
        case channelMultiples = "channel_multiples", decoderChannels = "decoder_channels"
        case decoderInputChannels = "decoder_input_channels", audioChannels = "audio_channels"
        case samplingRate = "sampling_rate"
    }

    public init(from decoder: Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        let d = AutoencoderOobleckConfig()
        encoderHiddenSize = try c.value(.encoderHiddenSize, or: d.encoderHiddenSize)
        downsamplingRatios = try c.value(.downsamplingRatios, or: d.downsamplingRatios)
        channelMultiples = try c.value(.channelMultiples, or: d.channelMultiples)
        decoderChannels = try c.value(.decoderChannels, or: d.decoderChannels)
        decoderInputChannels = try c.value(.decoderInputChannels, or: d.decoderInputChannels)
        audioChannels = try c.value(.audioChannels, or: d.audioChannels)
        samplingRate = try c.value(.samplingRate, or: d.samplingRate)
    }

    /// Audio samples per latent frame: the product of the strides.
    public var hopLength: Int { downsamplingRatios.reduce(1, *) }

    /// Refuses, by key, values that would build a broken model instead of letting a layer crash on them.
    public func validate() throws {
        let sizes: [(String, Int)] = [("encoder_hidden_size", encoderHiddenSize), ("decoder_channels", decoderChannels),
                                      ("decoder_input_channels", decoderInputChannels), ("audio_channels", audioChannels),
                                      ("sampling_rate", samplingRate)]
        for (key, v) in sizes where v <= 0 { throw DiffusionError.invalidArgument(key, "expected a positive integer, got \(v)") }
        guard !downsamplingRatios.isEmpty, downsamplingRatios.allSatisfy({ $0 > 0 }) else {
            throw DiffusionError.invalidArgument("downsampling_ratios", "expected one or more positive strides, got \(downsamplingRatios)")
        }
        guard channelMultiples.count == downsamplingRatios.count, channelMultiples.allSatisfy({ $0 > 0 }) else {
            throw DiffusionError.invalidArgument(
                "channel_multiples", "expected \(downsamplingRatios.count) positive entries (one per downsampling ratio), got \(channelMultiples)")
        }
        // The encoder's output is split into the posterior's mean and scale, and the mean is what the decoder reads.
        guard encoderHiddenSize == 2 * decoderInputChannels else {
            throw DiffusionError.invalidArgument(
                "encoder_hidden_size", "expected twice decoder_input_channels (\(2 * decoderInputChannels): mean and scale halves), got \(encoderHiddenSize)")
        }
    }
}
