import Diffusion
import Foundation
import NN
import Tensors

/// The reference workloads W1-W7 of DESIGN.md, with random weights but for W6 (same shapes as
/// scripts/reference/bench_torch.py).
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

    static func vaeConfig(channels: [Int] = [32, 64, 128]) -> AutoencoderKLConfig {
        var c = AutoencoderKLConfig()
        c.inChannels = 1
        c.outChannels = 1
        c.latentChannels = 8
        c.blockOutChannels = channels
        c.downBlockTypes = Array(repeating: "DownEncoderBlock2D", count: 3)
        c.upBlockTypes = Array(repeating: "UpDecoderBlock2D", count: 3)
        c.layersPerBlock = 2
        c.normNumGroups = 32
        return c
    }

    /// One workload: its name, shape label, and how to build the closure that runs it once (nil: skipped).
    typealias Workload = (name: String, shape: String, make: () throws -> (() throws -> Void)?)

    /// Every workload; each is built only when asked for, so timing one does not build the others.
    static func all(generator g: RandomGenerator) -> [Workload] {
        [
            ("W1 unet fwd", "2x8x64x16", {
                let unet = try UNet2DConditionModel(config: unetConfig(big: false))
                let x = Tensor.randn([2, 8, 64, 16], generator: g), cond = Tensor.randn([2, 16, 384], generator: g)
                return { _ = try GradMode.noGrad { try unet(x, timesteps: [500, 500], encoderHiddenStates: cond) } }
            }),
            ("W2 vae dec", "1x8x64x16", {
                let vae = try AutoencoderKL(config: vaeConfig())
                let z = Tensor.randn([1, 8, 64, 16], generator: g)
                return { _ = try GradMode.noGrad { try vae.decode(z) } }
            }),
            ("W3 unet train", "8x8x64x16", {
                let unet = try UNet2DConditionModel(config: unetConfig(big: false))
                let x = Tensor.randn([8, 8, 64, 16], generator: g), cond = Tensor.randn([8, 16, 384], generator: g)
                let opt = AdamW(unet.parameters(), lr: 1e-4)
                return {
                    unet.train()
                    defer { unet.eval() }
                    let y = try unet(x, timesteps: Array(repeating: 500, count: 8), encoderHiddenStates: cond)
                    let loss = try (y * y).mean()
                    opt.zeroGrad()
                    try loss.backward()
                    try opt.step()
                }
            }),
            ("W4 unet fwd", "2x8x128x16", {
                let unet = try UNet2DConditionModel(config: unetConfig(big: true))
                let x = Tensor.randn([2, 8, 128, 16], generator: g), cond = Tensor.randn([2, 16, 384], generator: g)
                return { _ = try GradMode.noGrad { try unet(x, timesteps: [500, 500], encoderHiddenStates: cond) } }
            }),
            ("W5 vae+vocoder", "1x8x256x16", { try audioLDMDecode(generator: g) }),
            ("W6 default 50 steps", "5 s, cfg 2", { try defaultModelGeneration(generator: g) }),
        ] + stableAudioWorkloads
    }

    /// W5: AudioLDM's full-size VAE decoder and SpeechT5HifiGan on 10 s (latent 8 x 256 x 16 -> 160,000 samples).
    static func audioLDMDecode(generator g: RandomGenerator) throws -> () throws -> Void {
        let vae = try AutoencoderKL(config: vaeConfig(channels: [128, 256, 512]))
        var vc = HiFiGANConfig()
        vc.modelInDim = 64
        vc.upsampleInitialChannel = 1024
        vc.upsampleRates = [5, 4, 2, 2, 2]
        vc.upsampleKernelSizes = [16, 16, 8, 4, 4]
        vc.normalizeBefore = false
        let vocoder = try HiFiGAN(config: vc)
        let z = Tensor.randn([1, 8, 256, 16], generator: g)
        return {
            _ = try GradMode.noGrad {
                let mel = try vae.decode(z)  // [1, 1, 1024, 64]
                return try vocoder(mel.squeeze(1))
            }
        }
    }

    /// W6: the shipped model's own loop for 5 s: 50 steps of its scheduler's sampler over the UNet on a guidance batch of 2 (text
    /// tokens and pooled vector as conditioning), then the VAE decode; text encoding and vocoding excluded.
    static func defaultModelGeneration(generator g: RandomGenerator) throws -> (() throws -> Void)? {
        guard let dir = DefaultModel.locate() else {
            FileHandle.standardError.write(Data("bench: W6 skipped: no shipped model (models/default, or FOLEY_MODEL)\n".utf8))
            return nil
        }
        let unet = try UNet2DConditionModel.load(folder: dir.appendingPathComponent("unet"))
        let vae = try AutoencoderKL.load(folder: dir.appendingPathComponent("vae"))
        let samplerConfig = try SamplerConfig.load(path: dir.appendingPathComponent("scheduler/scheduler_config.json").path)
        // The class embedding's width: 384 pooled, plus the prompt-attribute features for a model that reads them.
        let tokens = Tensor.randn([2, 16, 384], generator: g)
        let pooled = Tensor.randn([2, unet.config.projectionClassEmbeddingsInputDim ?? 384], generator: g)
        return {
            try GradMode.noGrad {
                let sampler = try Diffusion.makeSampler(config: samplerConfig)
                try sampler.setTimesteps(50)
                let noise = GeneratorNoise(seed: 0)
                var x = Tensor.randn([1, 8, 128, 16], generator: RandomGenerator(seed: 0))
                for t in sampler.timesteps {
                    let out = try unet(Tensor.concat([x, x], axis: 0), timesteps: [t, t], encoderHiddenStates: tokens,
                                       classLabels: pooled)
                    let parts = try out.chunk(2, axis: 0)
                    let guided = try parts[0] + (parts[1] - parts[0]) * 3
                    x = try sampler.step(modelOutput: guided, timestep: t, sample: x, noise: noise)
                }
                _ = try vae.decode(x / vae.config.scalingFactor)
            }
        }
    }
}
