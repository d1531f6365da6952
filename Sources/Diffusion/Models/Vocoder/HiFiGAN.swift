import Audio
import Foundation
import NN
import Tensors

/// SpeechT5HifiGanConfig (transformers schema); absent or null keys take transformers' defaults.
public struct HiFiGANConfig: Codable, Equatable, Sendable {
    public var modelInDim = 80
    public var samplingRate = 16000
    public var upsampleInitialChannel = 512
    public var upsampleRates = [4, 4, 4, 4]
    public var upsampleKernelSizes = [8, 8, 8, 8]
    public var resblockKernelSizes = [3, 7, 11]
    public var resblockDilationSizes = [[1, 3, 5], [1, 3, 5], [1, 3, 5]]
    public var initializerRange: Float = 0.01
    public var leakyReluSlope: Float = 0.1
    public var normalizeBefore = true

    public init() {}

    enum CodingKeys: String, CodingKey {
        case modelInDim = "model_in_dim", samplingRate = "sampling_rate", upsampleInitialChannel = "upsample_initial_channel"
        case upsampleRates = "upsample_rates", upsampleKernelSizes = "upsample_kernel_sizes"
        case resblockKernelSizes = "resblock_kernel_sizes", resblockDilationSizes = "resblock_dilation_sizes"
        case initializerRange = "initializer_range", leakyReluSlope = "leaky_relu_slope", normalizeBefore = "normalize_before"
    }

    public init(from decoder: Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        let d = HiFiGANConfig()
        modelInDim = try c.value(.modelInDim, or: d.modelInDim)
        samplingRate = try c.value(.samplingRate, or: d.samplingRate)
        upsampleInitialChannel = try c.value(.upsampleInitialChannel, or: d.upsampleInitialChannel)
        upsampleRates = try c.value(.upsampleRates, or: d.upsampleRates)
        upsampleKernelSizes = try c.value(.upsampleKernelSizes, or: d.upsampleKernelSizes)
        resblockKernelSizes = try c.value(.resblockKernelSizes, or: d.resblockKernelSizes)
        resblockDilationSizes = try c.value(.resblockDilationSizes, or: d.resblockDilationSizes)
        initializerRange = try c.value(.initializerRange, or: d.initializerRange)
        leakyReluSlope = try c.value(.leakyReluSlope, or: d.leakyReluSlope)
        normalizeBefore = try c.value(.normalizeBefore, or: d.normalizeBefore)
    }
}

/// HiFi-GAN's multi-receptive-field residual block: per dilation, x += conv2(lrelu(conv1(lrelu(x)))).
public final class HiFiGANResidualBlock: Module {
    public let convs1: ModuleList<Conv1d>, convs2: ModuleList<Conv1d>
    public let slope: Float

    public init(channels: Int, kernelSize: Int = 3, dilations: [Int] = [1, 3, 5], leakyReluSlope: Float = 0.1) {
        slope = leakyReluSlope
        convs1 = ModuleList(dilations.map {
            Conv1d(channels, channels, kernelSize: kernelSize, padding: (kernelSize * $0 - $0) / 2, dilation: $0)
        })
        convs2 = ModuleList(dilations.map { _ in
            Conv1d(channels, channels, kernelSize: kernelSize, padding: (kernelSize - 1) / 2)
        })
        super.init()
        child("convs1", convs1)
        child("convs2", convs2)
    }

    public func callAsFunction(_ x: Tensor) throws -> Tensor {
        let layer = beginLayer()
        defer { layer.end() }
        var h = x
        for (c1, c2) in zip(convs1.items, convs2.items) {
            let r = try c2(c1(h.leakyRelu(slope)).leakyRelu(slope))
            h = try r + h
        }
        return h
    }
}

/// The HiFi-GAN vocoder as transformers' SpeechT5HifiGan (the one AudioLDM ships): conv_pre, per upsampling
/// stage leaky-ReLU + ConvTranspose1d + the mean of the residual blocks, then leaky-ReLU (slope 0.01), conv_post
/// and tanh. `mean` / `scale` buffers normalize the input when `normalize_before`. Weights are plain (weight norm
/// folded); checkpoints that still carry weight_g / weight_v are folded on load.
public final class HiFiGAN: Module, Vocoder {
    public let config: HiFiGANConfig
    public let convPre: Conv1d, convPost: Conv1d
    public let upsampler: ModuleList<ConvTranspose1d>
    public let resblocks: ModuleList<HiFiGANResidualBlock>
    public let mean: Tensor, scale: Tensor

    public var sampleRate: Int { config.samplingRate }
    /// Output samples per input frame (the product of the upsample rates).
    public var hopLength: Int { config.upsampleRates.reduce(1, *) }
    /// The front end a diffusers AudioLDM checkpoint's vocoder was trained on: its rate, its hop, its input bins, and
    /// AudioLDM's n_fft 1024 over 0 Hz to Nyquist (the config does not record those two).
    public var frontEnd: AudioFrontEnd {
        AudioFrontEnd(sampleRate: sampleRate, nFFT: 1024, hopLength: hopLength, nMels: config.modelInDim, fMax: Double(sampleRate) / 2)
    }

    public init(config: HiFiGANConfig) throws {
        let c = config
        guard c.upsampleRates.count == c.upsampleKernelSizes.count else {
            throw DiffusionError.invalidArgument("upsample_kernel_sizes", "\(c.upsampleKernelSizes.count) entries, but \(c.upsampleRates.count) upsample_rates")
        }
        guard c.resblockKernelSizes.count == c.resblockDilationSizes.count, !c.resblockKernelSizes.isEmpty else {
            throw DiffusionError.invalidArgument("resblock_dilation_sizes", "\(c.resblockDilationSizes.count) entries, but \(c.resblockKernelSizes.count) resblock_kernel_sizes")
        }
        self.config = config
        convPre = Conv1d(c.modelInDim, c.upsampleInitialChannel, kernelSize: 7, padding: 3)
        var ups: [ConvTranspose1d] = []
        var blocks: [HiFiGANResidualBlock] = []
        for (i, (rate, k)) in zip(c.upsampleRates, c.upsampleKernelSizes).enumerated() {
            let cin = c.upsampleInitialChannel >> i, cout = c.upsampleInitialChannel >> (i + 1)
            ups.append(ConvTranspose1d(cin, cout, kernelSize: k, stride: rate, padding: (k - rate) / 2))
            for (rk, dil) in zip(c.resblockKernelSizes, c.resblockDilationSizes) {
                blocks.append(HiFiGANResidualBlock(channels: cout, kernelSize: rk, dilations: dil, leakyReluSlope: c.leakyReluSlope))
            }
        }
        upsampler = ModuleList(ups)
        resblocks = ModuleList(blocks)
        convPost = Conv1d(c.upsampleInitialChannel >> c.upsampleRates.count, 1, kernelSize: 7, padding: 3)
        mean = Tensor.zeros([c.modelInDim])
        scale = Tensor.ones([c.modelInDim])
        super.init()
        child("conv_pre", convPre)
        child("upsampler", upsampler)
        child("resblocks", resblocks)
        child("conv_post", convPost)
        buffer("mean", mean)
        buffer("scale", scale)
    }

    /// Reads `config.json` and `model.safetensors` from a transformers `vocoder/` folder.
    public static func load(folder: URL, strict: Bool = true) throws -> HiFiGAN {
        try ModelFolder(folder).load(HiFiGANConfig.self, strict: strict, build: { try HiFiGAN(config: $0) }) { names in
            names.contains { $0.hasSuffix(".weight_g") || $0.contains(".parametrizations.weight.") } ? foldWeightNorm : nil
        }
    }

    public static func load(path: String, strict: Bool = true) throws -> HiFiGAN {
        try load(folder: URL(fileURLWithPath: path), strict: strict)
    }

    /// Replaces weight-norm pairs (`weight_g`/`weight_v`, or `parametrizations.weight.original0/1`) by the plain
    /// `weight` = g * v / ||v|| with the norm over every dim but the first (torch's weight_norm with dim 0).
    public static func foldWeightNorm(_ state: [String: Tensor]) throws -> [String: Tensor] {
        var out = state
        let pairs = [(".weight_g", ".weight_v"), (".parametrizations.weight.original0", ".parametrizations.weight.original1")]
        for (gSuffix, vSuffix) in pairs {
            for key in state.keys where key.hasSuffix(gSuffix) {
                let base = String(key.dropLast(gSuffix.count))
                guard let g = state[key], let v = state[base + vSuffix] else { continue }
                let axes = Array(1..<v.rank)
                let norm = try (v * v).sum(axes: axes, keepDim: true).sqrt()
                out[base + ".weight"] = try v * (g.reshape(norm.shape) / norm)
                out[key] = nil
                out[base + vSuffix] = nil
            }
        }
        return out
    }

    /// spectrogram [B, frames, model_in_dim] (or [frames, model_in_dim]) -> waveform [B, frames * hopLength] (or [samples]).
    public func callAsFunction(_ spectrogram: Tensor) throws -> Tensor {
        let layer = beginLayer()
        defer { layer.end() }
        let batched = spectrogram.rank == 3
        guard spectrogram.rank == 2 || batched, spectrogram.shape.last == config.modelInDim else {
            throw DiffusionError.invalidArgument("spectrogram", "expected [B, frames, \(config.modelInDim)] or [frames, \(config.modelInDim)], got \(spectrogram.shape)")
        }
        var x = batched ? spectrogram : try spectrogram.unsqueeze(0)
        if config.normalizeBefore { x = try (x - mean) / scale }
        var h = try convPre(x.transpose(1, 2))
        let kernels = config.resblockKernelSizes.count
        for (i, up) in upsampler.items.enumerated() {
            h = try up(h.leakyRelu(config.leakyReluSlope))
            var acc = try resblocks[i * kernels](h)
            for j in 1..<kernels { acc = try acc + resblocks[i * kernels + j](h) }
            h = acc / Float(kernels)
        }
        h = try convPost(h.leakyRelu(0.01)).tanh()
        let wave = try h.squeeze(1)
        return batched ? wave : try wave.squeeze(0)
    }

    public func waveform(fromLogMel logMel: Tensor) throws -> Tensor { try self(logMel) }
}
