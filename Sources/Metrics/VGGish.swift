import NN
import Tensors

/// VGGish (Hershey et al. 2017) in torchvggish's layout: 128-d embeddings of 0.96 s log-mel patches.
///
/// Keys as harritaylor/torchvggish's `vggish-10086976.pth`: `features.{0,3,6,8,11,13}` (3x3 convs
/// 64-128-256-256-512-512, max pools after 64, 128, the 256 pair and the 512 pair) and
/// `embeddings.{0,2,4}` (12288 -> 4096 -> 4096 -> 128). The PCA post-processor is not applied.
public final class VGGish: Module, AudioEmbedder {
    /// Conv layers by their index in torchvggish's `features` Sequential, and whether a pool follows.
    static let convs: [(index: Int, inChannels: Int, outChannels: Int, poolAfter: Bool)] = [
        (0, 1, 64, true), (3, 64, 128, true), (6, 128, 256, false), (8, 256, 256, true), (11, 256, 512, false), (13, 512, 512, true),
    ]
    static let linears: [(index: Int, inFeatures: Int, outFeatures: Int)] = [(0, 512 * 4 * 6, 4096), (2, 4096, 4096), (4, 4096, 128)]

    public let name = "vggish"
    public let sampleRate = VGGishInput.sampleRate
    public let embeddingSize = 128
    /// torchvggish ends with a ReLU; frechet-audio-distance removes it (FAD compares pre-ReLU embeddings).
    public var finalReLU: Bool
    let input: VGGishInput
    let conv: [Conv2d]
    let linear: [Linear]

    public init(finalReLU: Bool = false) throws {
        self.finalReLU = finalReLU
        input = try VGGishInput()
        let features = Module(), embeddings = Module()
        conv = Self.convs.map { c in features.child("\(c.index)", Conv2d(c.inChannels, c.outChannels, kernelSize: 3, padding: 1)) }
        linear = Self.linears.map { l in embeddings.child("\(l.index)", Linear(l.inFeatures, l.outFeatures)) }
        super.init()
        child("features", features)
        child("embeddings", embeddings)
        eval()
    }

    /// Loads a torchvggish state dict saved as safetensors (keys `features.*`, `embeddings.*`;
    /// the post-processor's `pproc.*`, if present, is ignored).
    public convenience init(weights path: String, finalReLU: Bool = false) throws {
        try self.init(finalReLU: finalReLU)
        try load(safetensors: path, strict: true, ignoring: ["_pca_matrix", "_pca_means"])
    }

    /// Embeddings [patches, 128] of log-mel patches [patches, 1, 96, 64].
    public func callAsFunction(_ patches: Tensor) throws -> Tensor {
        try GradMode.noGrad {
            var x = patches
            for (layer, spec) in zip(conv, Self.convs) {
                x = try layer(x).relu()
                if spec.poolAfter { x = try x.maxPool2d(kernel: (2, 2)) }
            }
            // torchvggish transposes to [N, H, W, C] before flattening (TensorFlow's order).
            x = try x.permute([0, 2, 3, 1]).reshape([x.shape[0], -1])
            for (i, layer) in linear.enumerated() {
                x = try layer(x)
                if i < linear.count - 1 || finalReLU { x = x.relu() }
            }
            return x
        }
    }

    public func embed(_ samples: [Float]) throws -> Tensor {
        let (n, values) = try input.patches(samples)
        guard n > 0 else {
            throw MetricsError.invalidArgument("samples", "VGGish needs at least 0.96 s (15,760 samples at 16 kHz), got \(samples.count) samples")
        }
        return try self(Tensor(shape: [n, 1, VGGishInput.patchFrames, VGGishInput.melBands], data: values))
    }

    public override var summary: String { "VGGish(128-d, 16 kHz, \(parameterCount) parameters)" }
}
