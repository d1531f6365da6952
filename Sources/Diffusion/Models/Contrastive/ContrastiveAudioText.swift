import Foundation
import NN
import Tensors
import Text

/// One conv block of the audio encoder: two 3x3 convs with GroupNorm and SiLU, then 2x2 average pooling (CNN14's
/// block shape, with GroupNorm so small batches train and evaluate alike).
public final class ContrastiveConvBlock: Module {
    let conv1: Conv2d, norm1: GroupNorm, conv2: Conv2d, norm2: GroupNorm

    public init(_ inChannels: Int, _ outChannels: Int, groups: Int) {
        conv1 = Conv2d(inChannels, outChannels, kernelSize: 3, padding: 1)
        norm1 = GroupNorm(groups: groups, channels: outChannels)
        conv2 = Conv2d(outChannels, outChannels, kernelSize: 3, padding: 1)
        norm2 = GroupNorm(groups: groups, channels: outChannels)
        super.init()
        child("conv1", conv1)
        child("norm1", norm1)
        child("conv2", conv2)
        child("norm2", norm2)
    }

    public func callAsFunction(_ x: Tensor) throws -> Tensor {
        let h = try norm1(try conv1(x)).silu()
        return try norm2(try conv2(h)).silu().avgPool2d(kernel: (2, 2))
    }
}

/// A two-layer MLP (Linear, SiLU, Linear) mapping one modality into the shared space.
public final class ContrastiveProjection: Module {
    let linear1: Linear, linear2: Linear

    public init(_ inFeatures: Int, hidden: Int, out: Int) {
        linear1 = Linear(inFeatures, hidden)
        linear2 = Linear(hidden, out)
        super.init()
        child("linear1", linear1)
        child("linear2", linear2)
    }

    public func callAsFunction(_ x: Tensor) throws -> Tensor { try linear2(try linear1(x).silu()) }
}

/// Foley's CLAP-style audio-text model: a small CNN over log-mel and an MLP over MiniLM's pooled text vector, trained
/// contrastively so matching clips and captions meet in one L2-normalized space. It gives the default LDM its pooled
/// conditioning (text at generation, audio for style vectors), scores candidates for reranking, and the metrics'
/// text-alignment score.
public final class ContrastiveAudioText: Module {
    public let config: ContrastiveAudioTextConfig
    let blocks: ModuleList<ContrastiveConvBlock>
    let audioProjection: ContrastiveProjection
    let textProjection: ContrastiveProjection
    /// log(1 / temperature), learned (CLIP's logit_scale).
    public var logitScale: Tensor { param("logit_scale")! }

    public init(config: ContrastiveAudioTextConfig) throws {
        try config.validate()
        self.config = config
        var ch = 1
        var list: [ContrastiveConvBlock] = []
        for c in config.blockOutChannels {
            list.append(ContrastiveConvBlock(ch, c, groups: config.normNumGroups))
            ch = c
        }
        blocks = ModuleList(list)
        // Mean and max over time, concatenated (PANNs pools both: mean for textures, max for short events).
        audioProjection = ContrastiveProjection(2 * ch, hidden: config.projectionHiddenDim, out: config.projectionDim)
        textProjection = ContrastiveProjection(config.textEmbedDim, hidden: config.projectionHiddenDim, out: config.projectionDim)
        super.init()
        let encoder = Module()
        encoder.child("blocks", blocks)
        child("audio_encoder", encoder)
        child("audio_projection", audioProjection)
        child("text_projection", textProjection)
        parameter("logit_scale", Tensor(shape: [1], data: [Foundation.log(1 / config.initialTemperature)]))
    }

    /// Audio features before projection, [B, 2C], from log-mel [B, 1, frames, mels].
    public func audioFeatures(_ logMel: Tensor) throws -> Tensor {
        let s = logMel.shape
        guard s.count == 4, s[1] == 1, s[3] == config.numMels else {
            throw DiffusionError.invalidArgument("logMel", "expected [batch, 1, frames, \(config.numMels)], got \(s)")
        }
        guard s[2] >= config.frameUnit else {
            throw DiffusionError.invalidArgument("logMel", "expected at least \(config.frameUnit) frames, got \(s[2]) (pad short clips with the log floor)")
        }
        var h = config.timePooling > 1 ? try logMel.avgPool2d(kernel: (config.timePooling, 1)) : logMel
        for b in blocks.items { h = try b(h) }
        let overMels = try h.mean(axis: 3)  // [B, C, T']
        return try Tensor.concat([try overMels.mean(axis: 2), try overMels.max(axes: [2])], axis: 1)
    }

    /// Unit-length audio embeddings [B, D] from log-mel [B, 1, frames, mels].
    public func audioEmbeddings(_ logMel: Tensor) throws -> Tensor {
        try TextOps.l2Normalize(try audioProjection(try audioFeatures(logMel)))
    }

    /// Unit-length text embeddings [B, D] from pooled text vectors [B, textEmbedDim] (MiniLM's, L2-normalized).
    public func textEmbeddings(_ pooled: Tensor) throws -> Tensor {
        guard pooled.shape.count == 2, pooled.shape[1] == config.textEmbedDim else {
            throw DiffusionError.invalidArgument("pooled", "expected [batch, \(config.textEmbedDim)] pooled text vectors, got \(pooled.shape)")
        }
        return try TextOps.l2Normalize(try textProjection(pooled))
    }

    /// The temperature-scaled similarity of every audio row to every text row, [A, T].
    public func logits(audio: Tensor, text: Tensor) throws -> Tensor {
        // CLIP clamps the scale at 100 so the logits cannot blow up early in training.
        let scale = try logitScale.clamp(max: Foundation.log(100)).exp()
        return try audio.matmul(try text.transpose(0, 1)) * scale
    }

    /// CLIP's symmetric InfoNCE: row i of `audio` matches row i of `text`; cross-entropy both ways, averaged.
    public func contrastiveLoss(audio: Tensor, text: Tensor) throws -> Tensor {
        let n = audio.shape[0]
        guard text.shape[0] == n, n > 1 else {
            throw DiffusionError.invalidArgument("batch", "expected matching audio and text rows, at least 2 (got \(n) and \(text.shape[0]))")
        }
        let l = try logits(audio: audio, text: text)
        let eye = Tensor(shape: [n, n], data: (0..<(n * n)).map { $0 / n == $0 % n ? 1 : 0 })
        let a2t = try (try l.logSoftmax(axis: 1) * eye).sum()
        let t2a = try (try l.logSoftmax(axis: 0) * eye).sum()
        return try (a2t + t2a) * (-0.5 / Float(n))
    }

    /// Loads `config.json` and `model.safetensors` from a model folder.
    public static func load(folder: URL) throws -> ContrastiveAudioText {
        let model = try ModelFolder(folder).load(ContrastiveAudioTextConfig.self) { try ContrastiveAudioText(config: $0) }
        model.eval()
        return model
    }

    /// Writes the folder `load(folder:)` reads; each file lands whole or not at all.
    public func save(to folder: URL, as type: SafeTensorsFile.StorageType = .f32) throws {
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        let enc = JSONEncoder()
        enc.outputFormatting = [.prettyPrinted, .sortedKeys]
        var json = try enc.encode(config)
        json = Data(String(decoding: json, as: UTF8.self).replacingOccurrences(of: "{\n", with: "{\n  \"_class_name\" : \"ContrastiveAudioText\",\n", options: .anchored).utf8)
        try AtomicFile.write(json, to: folder.appendingPathComponent("config.json").path)
        try SafeTensorsFile.save(stateDict(), to: folder.appendingPathComponent("model.safetensors").path, as: type)
    }

    public override var summary: String {
        "ContrastiveAudioText(mels \(config.numMels), blocks \(config.blockOutChannels), dim \(config.projectionDim))"
    }
}
