import NN
import Tensors

/// How a ResNet block injects the time embedding (`resnet_time_scale_shift` / `time_embedding_norm`).
public enum TimeEmbeddingNorm: String, Sendable {
    /// h = norm2(h + proj(temb)).
    case `default`
    /// h = norm2(h) * (1 + scale) + shift with (scale, shift) = proj(temb).chunk(2).
    case scaleShift = "scale_shift"

    public init(name: String, key: String) throws {
        guard let n = TimeEmbeddingNorm(rawValue: name) else {
            throw DiffusionError.invalidArgument(key, "unsupported time embedding norm '\(name)' (supported: default, scale_shift)")
        }
        self = n
    }
}

/// diffusers' ResnetBlock2D: GroupNorm-act-conv twice, the time embedding added in between,
/// a 1x1 (or 3x3) shortcut conv when the channel count changes, and (x + h) / output_scale_factor.
public final class ResnetBlock2D: Module {
    public let inChannels: Int, outChannels: Int
    public let outputScaleFactor: Float
    public let timeEmbeddingNorm: TimeEmbeddingNorm
    public let skipTimeAct: Bool
    public let activation: Activation
    public let norm1: GroupNorm, conv1: Conv2d, norm2: GroupNorm, conv2: Conv2d
    public let timeEmbProj: Linear?
    public let convShortcut: Conv2d?
    let dropout: Dropout

    /// - Parameters mirror diffusers' `ResnetBlock2D.__init__` (`temb_channels` nil for the VAE's blocks).
    public init(inChannels: Int, outChannels: Int? = nil, convShortcut useConvShortcut: Bool = false, dropout: Float = 0,
                tembChannels: Int? = 512, groups: Int = 32, groupsOut: Int? = nil, eps: Float = 1e-6,
                activation: Activation = .silu, timeEmbeddingNorm: TimeEmbeddingNorm = .default,
                skipTimeAct: Bool = false, outputScaleFactor: Float = 1, useInShortcut: Bool? = nil,
                convShortcutBias: Bool = true) {
        let out = outChannels ?? inChannels
        self.inChannels = inChannels
        self.outChannels = out
        self.outputScaleFactor = outputScaleFactor
        self.timeEmbeddingNorm = timeEmbeddingNorm
        self.skipTimeAct = skipTimeAct
        self.activation = activation
        norm1 = GroupNorm(groups: groups, channels: inChannels, eps: eps)
        conv1 = Conv2d(inChannels, out, kernelSize: 3, padding: 1)
        if let tembChannels {
            timeEmbProj = Linear(tembChannels, timeEmbeddingNorm == .scaleShift ? 2 * out : out)
        } else {
            timeEmbProj = nil
        }
        norm2 = GroupNorm(groups: groupsOut ?? groups, channels: out, eps: eps)
        self.dropout = Dropout(dropout)
        conv2 = Conv2d(out, out, kernelSize: 3, padding: 1)
        if useInShortcut ?? (inChannels != out) {
            convShortcut = useConvShortcut ? Conv2d(inChannels, out, kernelSize: 3, padding: 1)
                : Conv2d(inChannels, out, kernelSize: 1, bias: convShortcutBias)
        } else {
            convShortcut = nil
        }
        super.init()
        child("norm1", norm1)
        child("conv1", conv1)
        if let timeEmbProj { child("time_emb_proj", timeEmbProj) }
        child("norm2", norm2)
        child("dropout", self.dropout)
        child("conv2", conv2)
        if let convShortcut { child("conv_shortcut", convShortcut) }
    }

    /// x [N, Cin, H, W], temb [N, tembChannels] (ignored when the block has no time projection) -> [N, Cout, H, W].
    public func callAsFunction(_ x: Tensor, temb: Tensor? = nil) throws -> Tensor {
        let layer = beginLayer()
        defer { layer.end() }
        var h = try activation(norm1, x)
        h = try conv1(h)
        var t: Tensor? = nil
        if let timeEmbProj, let temb {
            let a = skipTimeAct ? temb : try activation(temb)
            let p = try timeEmbProj(a)
            t = try p.reshape(p.shape + [1, 1])
        }
        switch timeEmbeddingNorm {
        case .default:
            if let t { h = try h + t }
            h = try activation(norm2, h)
        case .scaleShift:
            h = try norm2(h)
            if let t {
                let parts = try t.chunk(2, axis: 1)
                h = try h * (parts[0] + 1) + parts[1]
            }
            h = try activation(h)
        }
        h = try dropout(h)
        h = try conv2(h)
        let shortcut = try convShortcut.map { try $0(x) } ?? x
        var out = try shortcut + h
        if outputScaleFactor != 1 { out = out / outputScaleFactor }
        return out
    }
}
