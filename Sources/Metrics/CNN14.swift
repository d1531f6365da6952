import NN
import Tensors

/// Two 3x3 conv + batch-norm + ReLU layers, then average pooling (PANNs `ConvBlock`).
public final class ConvBlock: Module {
    let conv1: Conv2d, conv2: Conv2d, bn1: BatchNorm2d, bn2: BatchNorm2d

    public init(_ inChannels: Int, _ outChannels: Int) {
        conv1 = Conv2d(inChannels, outChannels, kernelSize: 3, padding: 1, bias: false)
        conv2 = Conv2d(outChannels, outChannels, kernelSize: 3, padding: 1, bias: false)
        bn1 = BatchNorm2d(outChannels)
        bn2 = BatchNorm2d(outChannels)
        super.init()
        child("conv1", conv1)
        child("conv2", conv2)
        child("bn1", bn1)
        child("bn2", bn2)
    }

    public func callAsFunction(_ x: Tensor, pool: Int) throws -> Tensor {
        let y = try bn2(conv2(bn1(conv1(x)).relu())).relu()
        return pool == 1 ? y : try y.avgPool2d(kernel: (pool, pool))
    }
}

/// PANNs CNN14 (Kong et al. 2020): AudioSet tagging, 527 sigmoid classes and a 2048-d embedding.
///
/// Keys as the published `Cnn14_mAP=0.431.pth` state dict (`model`): `bn0`, `conv_block1...6`
/// (64-128-256-512-1024-2048 channels), `fc1`, `fc_audioset`. The checkpoint's front-end tensors
/// (`spectrogram_extractor.*`, `logmel_extractor.*`) and `num_batches_tracked` counters are
/// ignored: `CNN14Input` computes the same log-mel directly.
public final class CNN14: Module, AudioClassifier {
    public static let channels = [64, 128, 256, 512, 1024, 2048]

    public let name = "cnn14"
    public let sampleRate = CNN14Input.sampleRate
    public let embeddingSize = 2048
    public let classCount: Int
    public let variant = ClassifierScores.Variant.sigmoid
    let input: CNN14Input
    let bn0: BatchNorm2d
    let blocks: [ConvBlock]
    let fc1: Linear, fcAudioset: Linear

    public init(classes: Int = 527) throws {
        classCount = classes
        input = try CNN14Input()
        bn0 = BatchNorm2d(CNN14Input.melBands)
        blocks = zip([1] + Self.channels.dropLast(), Self.channels).map { ConvBlock($0, $1) }
        fc1 = Linear(2048, 2048)
        fcAudioset = Linear(2048, classes)
        super.init()
        child("bn0", bn0)
        for (i, b) in blocks.enumerated() { child("conv_block\(i + 1)", b) }
        child("fc1", fc1)
        child("fc_audioset", fcAudioset)
        eval()
    }

    /// Loads the PANNs state dict saved as safetensors (the `model` entry of the .pth, keys unchanged).
    public convenience init(weights path: String) throws {
        try self.init()
        try load(safetensors: path, strict: true,
                 ignoring: CNN14.ignoredKeySuffixes, rename: { $0.hasPrefix("module.") ? String($0.dropFirst(7)) : $0 })
    }

    /// Checkpoint entries that are not CNN14's weights (matched as suffixes).
    public static let ignoredKeySuffixes = ["num_batches_tracked", "stft.conv_real.weight", "stft.conv_imag.weight", "logmel_extractor.melW"]

    /// Clip embedding [N, 2048] and probabilities [N, classes] of log-mel [N, 1, frames, 64].
    public func callAsFunction(_ logMel: Tensor) throws -> (embedding: Tensor, probabilities: Tensor) {
        try GradMode.noGrad {
            guard logMel.rank == 4, logMel.shape[1] == 1, logMel.shape[3] == CNN14Input.melBands else {
                throw MetricsError.invalidArgument("logMel", "expected [N, 1, frames, \(CNN14Input.melBands)], got \(logMel.shape)")
            }
            guard logMel.shape[2] >= 32 else {
                throw MetricsError.invalidArgument("logMel", "CNN14 pools time by 32: expected at least 32 frames (0.32 s), got \(logMel.shape[2])")
            }
            // bn0 normalizes each mel band: move mels to the channel axis and back.
            var x = try bn0(logMel.transpose(1, 3)).transpose(1, 3)
            for (i, block) in blocks.enumerated() { x = try block(x, pool: i < blocks.count - 1 ? 2 : 1) }
            let perFrame = try x.mean(axis: 3)  // [N, 2048, frames]
            let pooled = try perFrame.max(axes: [2]) + perFrame.mean(axis: 2)
            let embedding = try fc1(pooled).relu()
            return (embedding, try fcAudioset(embedding).sigmoid())
        }
    }

    public func classify(_ samples: [Float]) throws -> (embedding: Tensor, probabilities: Tensor) {
        let spec = try input.logMel(samples)
        return try self(Tensor(shape: [1, 1, spec.frames, spec.bins], data: spec.values))
    }

    public override var summary: String { "CNN14(\(classCount) classes, 32 kHz, \(parameterCount) parameters)" }
}
