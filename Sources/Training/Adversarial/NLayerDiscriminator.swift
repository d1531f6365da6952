import NN
import Tensors

/// pix2pix's PatchGAN as taming-transformers builds it (`NLayerDiscriminator`, keys `main.N.*`): strided 4x4 convs
/// with BatchNorm and LeakyReLU(0.2), one logit per patch of the input log-mel [B, 1, frames, mels].
public final class NLayerDiscriminator: Module {
    let layers: Sequential
    public let numLayers: Int

    /// - Parameters: `channels` is ndf (the first width, doubled per layer up to 8x); `generator` draws taming's
    ///   init (conv weights N(0, 0.02), BatchNorm weights N(1, 0.02), biases 0).
    public init(inputChannels: Int = 1, channels: Int = 64, numLayers: Int = 3, generator: RandomGenerator) {
        let numLayers = max(1, numLayers)
        self.numLayers = numLayers
        var items: [(Module, (Tensor) throws -> Tensor)] = []
        func conv(_ i: Int, _ o: Int, stride: Int, bias: Bool) {
            let c = Conv2d(i, o, kernelSize: 4, stride: stride, padding: 1, bias: bias)
            items.append((c, { try c($0) }))
        }
        func norm(_ ch: Int) { let b = BatchNorm2d(ch); items.append((b, { try b($0) })) }
        func act() { items.append((LeakyReLU(), { $0.leakyRelu(0.2) })) }
        conv(inputChannels, channels, stride: 2, bias: true)
        act()
        var mult = 1
        for n in 1..<numLayers + 1 {
            let prev = mult
            mult = min(1 << n, 8)
            conv(channels * prev, channels * mult, stride: n < numLayers ? 2 : 1, bias: false)
            norm(channels * mult)
            act()
        }
        conv(channels * mult, 1, stride: 1, bias: true)
        layers = Sequential(items)
        super.init()
        child("main", layers)
        for (name, p) in namedParameters() {
            let isNorm = name.hasSuffix(".weight") && p.rank == 1
            if name.hasSuffix(".bias") { p.withUnsafeMutableBufferPointer { $0.update(repeating: 0) } } else {
                let v = Tensor.randn(p.shape, generator: generator) * 0.02 + (isNorm ? 1 : 0)
                try? p.assign(v)
            }
        }
    }

    /// Patch logits [B, 1, h, w].
    public func callAsFunction(_ x: Tensor) throws -> Tensor { try layers(x) }

    /// The smallest input side that leaves at least one patch: each stride-2 layer halves, each 4x4 stride-1 conv
    /// with padding 1 removes one.
    public var minimumInput: Int { (2 + 1) << numLayers }
}

/// LeakyReLU as a module, so the discriminator's Sequential indexes its layers as torch's does.
final class LeakyReLU: Module {}
