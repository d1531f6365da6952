import Foundation
import NN
import Tensors

/// The Oobleck waveform VAE of Stable Audio (diffusers' AutoencoderOobleck): a Snake/Conv1d encoder that strides
/// stereo audio down by `hopLength` into a Gaussian posterior of `latentChannels` channels, and a mirrored decoder
/// of transposed convolutions back to audio. Checkpoints carry weight-normalised convolutions (`weight_g` /
/// `weight_v`), folded into plain weights at load.
public final class AutoencoderOobleck: Module {
    public let config: AutoencoderOobleckConfig
    public let encoder: OobleckEncoder
    public let decoder: OobleckDecoder

    public var sampleRate: Int { config.samplingRate }
    public var audioChannels: Int { config.audioChannels }
    public var latentChannels: Int { config.decoderInputChannels }
    /// Audio samples per latent frame.
    public var hopLength: Int { config.hopLength }

    public init(config: AutoencoderOobleckConfig = AutoencoderOobleckConfig()) throws {
        try config.validate()
        self.config = config
        encoder = OobleckEncoder(config)
        decoder = OobleckDecoder(config)
        super.init()
        child("encoder", encoder)
        child("decoder", decoder)
    }

    /// Reads `config.json` and the (weight-normalised) safetensors of a diffusers `vae/` folder.
    public static func load(folder: URL, strict: Bool = true) throws -> AutoencoderOobleck {
        try ModelFolder(folder).load(AutoencoderOobleckConfig.self, strict: strict, build: { try AutoencoderOobleck(config: $0) }) { names in
            names.contains { $0.hasSuffix(".weight_g") || $0.contains(".parametrizations.weight.") } ? HiFiGAN.foldWeightNorm : nil
        }
    }

    public static func load(path: String, strict: Bool = true) throws -> AutoencoderOobleck {
        try load(folder: URL(fileURLWithPath: path), strict: strict)
    }

    /// Audio [B, audio_channels, L] -> the posterior over latents [B, latent_channels, L / hop].
    public func encode(_ audio: Tensor) throws -> OobleckPosterior {
        let layer = beginLayer()
        defer { layer.end() }
        guard audio.rank == 3, audio.shape[1] == audioChannels else {
            throw DiffusionError.invalidArgument("audio", "expected [batch, \(audioChannels), samples], got \(audio.shape)")
        }
        guard audio.shape[2] >= hopLength else {
            throw DiffusionError.invalidArgument("audio", "expected at least \(hopLength) samples (one latent frame), got \(audio.shape[2])")
        }
        let halves = try encoder(audio).chunk(2, axis: 1)
        return try OobleckPosterior(mean: halves[0], scale: halves[1])
    }

    /// Latents [B, latent_channels, T] -> audio [B, audio_channels, T * hop].
    public func decode(_ latents: Tensor) throws -> Tensor {
        let layer = beginLayer()
        defer { layer.end() }
        guard latents.rank == 3, latents.shape[1] == latentChannels else {
            throw DiffusionError.invalidArgument("latents", "expected [batch, \(latentChannels), frames], got \(latents.shape)")
        }
        // One row at a time: the activations at audio rate are the memory peak, and each row's are freed before the
        // next (the convolutions run one image at a time anyway, so the samples are the same).
        guard latents.shape[0] > 1 else { return try decoder(latents) }
        return try Tensor.concat(try (0..<latents.shape[0]).map { r in try decoder(try latents.slice(axis: 0, start: r, end: r + 1)) }, axis: 0)
    }
}

/// Oobleck's diagonal Gaussian: the encoder's second half is a softplus-parameterised standard deviation.
public struct OobleckPosterior {
    public let mean: Tensor
    /// softplus(scale) + 1e-4, as diffusers' OobleckDiagonalGaussianDistribution.
    public let std: Tensor

    public init(mean: Tensor, scale: Tensor) throws {
        self.mean = mean
        // softplus(x) = max(x, 0) + log(1 + exp(-|x|)), stable for either sign.
        std = try scale.relu() + ((scale.abs() * -1).exp() + 1).log() + 1e-4
    }

    /// mean + std * noise (diffusers' sample()).
    public func sample(_ noise: Tensor) throws -> Tensor { try mean + std * noise }
}
