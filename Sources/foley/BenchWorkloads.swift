import Diffusion
import Foundation
import NN
import Tensors

/// The reference workloads W1-W4 of DESIGN.md, with random weights (same shapes as scripts/reference/bench_torch.py).
enum BenchWorkloads {
    static func unetConfig(big: Bool) -> UNet2DConditionConfig {
        var c = UNet2DConditionConfig()
        let chans = big ? [128, 256, 384, 640] : [64, 128, 256]
        c.inChannels = 8
        c.outChannels = 8
        c.blockOutChannels = chans
        c.layersPerBlock = .int(2)
        c.downBlockTypes = Array(repeating: "CrossAttnDownBlock2D", count: chans.count - 1) + ["DownBlock2D"]
        c.upBlockTypes = ["UpBlock2D"] + Array(repeating: "CrossAttnUpBlock2D", count: chans.count - 1)
        c.crossAttentionDim = .int(384)
        c.attentionHeadDim = .int(8)
        c.normNumGroups = 32
        return c
    }

    static func vaeConfig() -> AutoencoderKLConfig {
        var c = AutoencoderKLConfig()
        c.inChannels = 1
        c.outChannels = 1
        c.latentChannels = 8
        c.blockOutChannels = [32, 64, 128]
        c.downBlockTypes = Array(repeating: "DownEncoderBlock2D", count: 3)
        c.upBlockTypes = Array(repeating: "UpDecoderBlock2D", count: 3)
        c.layersPerBlock = 2
        c.normNumGroups = 32
        return c
    }

    /// Each workload's name, shape label and a closure that runs it once.
    static func all(generator g: RandomGenerator) throws -> [(String, String, () throws -> Void)] {
        let w1 = try UNet2DConditionModel(config: unetConfig(big: false))
        let x1 = Tensor.randn([2, 8, 64, 16], generator: g), cond = Tensor.randn([2, 16, 384], generator: g)
        let vae = try AutoencoderKL(config: vaeConfig())
        let z = Tensor.randn([1, 8, 64, 16], generator: g)
        let w4 = try UNet2DConditionModel(config: unetConfig(big: true))
        let x4 = Tensor.randn([2, 8, 128, 16], generator: g)
        let x3 = Tensor.randn([8, 8, 64, 16], generator: g), cond3 = Tensor.randn([8, 16, 384], generator: g)
        let opt = AdamW(w1.parameters(), lr: 1e-4)
        return [
            ("W1 unet fwd", "2x8x64x16", { _ = try GradMode.noGrad { try w1(x1, timesteps: [500, 500], encoderHiddenStates: cond) } }),
            ("W2 vae dec", "1x8x64x16", { _ = try GradMode.noGrad { try vae.decode(z) } }),
            ("W3 unet train", "8x8x64x16", {
                w1.train()
                defer { w1.eval() }
                let y = try w1(x3, timesteps: Array(repeating: 500, count: 8), encoderHiddenStates: cond3)
                let loss = try (y * y).mean()
                opt.zeroGrad()
                try loss.backward()
                try opt.step()
            }),
            ("W4 unet fwd", "2x8x128x16", { _ = try GradMode.noGrad { try w4(x4, timesteps: [500, 500], encoderHiddenStates: cond) } }),
        ]
    }
}
