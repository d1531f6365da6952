import Foundation

/// The shape of a `ContrastiveAudioText` model, stored as its folder's `config.json`.
public struct ContrastiveAudioTextConfig: Codable, Equatable, Sendable {
    /// Mel bins of the log-mel input (the dataset's / the VAE's front end).
    public var numMels = 64
    /// Output channels of the audio encoder's conv blocks; each block halves time and mel resolution.
    public var blockOutChannels = [16, 32, 64, 128]
    public var normNumGroups = 8
    /// Frames averaged before the first block: 2 turns 10-ms hops into 20-ms steps, enough for beeps and onsets.
    public var timePooling = 2
    /// Width of the pooled text vector the text projection takes (MiniLM's 384).
    public var textEmbedDim = 384
    /// Hidden width of both projection MLPs.
    public var projectionHiddenDim = 512
    /// Width of the shared audio-text space; the default LDM's class embedding takes vectors of this width.
    public var projectionDim = 384
    /// Initial temperature of the contrastive logits (CLIP's 0.07).
    public var initialTemperature: Float = 0.07

    public init() {}

    enum CodingKeys: String, CodingKey {
        case numMels = "num_mels", blockOutChannels = "block_out_channels", normNumGroups = "norm_num_groups"
        case timePooling = "time_pooling", textEmbedDim = "text_embed_dim", projectionHiddenDim = "projection_hidden_dim"
        case projectionDim = "projection_dim", initialTemperature = "initial_temperature"
    }

    public init(from decoder: Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        let d = ContrastiveAudioTextConfig()
        numMels = try c.decodeIfPresent(Int.self, forKey: .numMels) ?? d.numMels
        blockOutChannels = try c.decodeIfPresent([Int].self, forKey: .blockOutChannels) ?? d.blockOutChannels
        normNumGroups = try c.decodeIfPresent(Int.self, forKey: .normNumGroups) ?? d.normNumGroups
        timePooling = try c.decodeIfPresent(Int.self, forKey: .timePooling) ?? d.timePooling
        textEmbedDim = try c.decodeIfPresent(Int.self, forKey: .textEmbedDim) ?? d.textEmbedDim
        projectionHiddenDim = try c.decodeIfPresent(Int.self, forKey: .projectionHiddenDim) ?? d.projectionHiddenDim
        projectionDim = try c.decodeIfPresent(Int.self, forKey: .projectionDim) ?? d.projectionDim
        initialTemperature = try c.decodeIfPresent(Float.self, forKey: .initialTemperature) ?? d.initialTemperature
    }

    /// Mel frames of an input must divide by this (the time pooling and every block's halving).
    public var frameUnit: Int { timePooling << blockOutChannels.count }

    /// Checks the sizes fit together; names the key that does not.
    public func validate() throws {
        guard !blockOutChannels.isEmpty, blockOutChannels.allSatisfy({ $0 > 0 }) else {
            throw DiffusionError.invalidArgument("block_out_channels", "expected one or more positive channel counts, got \(blockOutChannels)")
        }
        if let bad = blockOutChannels.first(where: { $0 % normNumGroups != 0 }) {
            throw DiffusionError.invalidArgument("norm_num_groups", "\(normNumGroups) does not divide block_out_channels entry \(bad)")
        }
        guard numMels >= 1 << blockOutChannels.count else {
            throw DiffusionError.invalidArgument("num_mels", "\(numMels) mel bins cannot be halved \(blockOutChannels.count) times")
        }
        for (k, v) in [("time_pooling", timePooling), ("text_embed_dim", textEmbedDim),
                       ("projection_hidden_dim", projectionHiddenDim), ("projection_dim", projectionDim)] where v < 1 {
            throw DiffusionError.invalidArgument(k, "expected a positive number, got \(v)")
        }
        guard initialTemperature > 0 else {
            throw DiffusionError.invalidArgument("initial_temperature", "expected a positive temperature, got \(initialTemperature)")
        }
    }
}
