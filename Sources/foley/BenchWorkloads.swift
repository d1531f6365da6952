import Diffusion
import Foundation
import NN
import Tensors

/// The reference workloads W1-W6 of DESIGN.md, with random weights but for W6 (same shapes as
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
        var rows: [(String, String, () throws -> Void)] = [
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
            ("W5 vae+vocoder", "1x8x256x16", try audioLDMDecode(generator: g)),
        ]
        if let w6 = try defaultModelGeneration(generator: g) { rows.append(("W6 default 50 steps", "5 s, cfg 2", w6)) }
        return rows
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

    /// W6: the shipped model's own loop for 5 s: 50 DDPM steps of the UNet on a guidance batch of 2 (text
    /// tokens and pooled vector as conditioning), then the VAE decode; text encoding and vocoding excluded.
    static func defaultModelGeneration(generator g: RandomGenerator) throws -> (() throws -> Void)? {
        guard let dir = DefaultModel.locate() else {
            FileHandle.standardError.write(Data("bench: W6 skipped: no shipped model (models/default, or FOLEY_MODEL)\n".utf8))
            return nil
        }
        let unetFolder = ModelFolder(dir.appendingPathComponent("unet"))
        let unet = try UNet2DConditionModel(config: try unetFolder.config(UNet2DConditionConfig.self))
        try unetFolder.loadWeights(into: unet)
        let vaeFolder = ModelFolder(dir.appendingPathComponent("vae"))
        let vae = try AutoencoderKL(config: try vaeFolder.config(AutoencoderKLConfig.self))
        try vaeFolder.loadWeights(into: vae)
        let schedulerConfig = try ModelFolder(dir.appendingPathComponent("scheduler"))
            .config(SchedulerConfig.self, file: "scheduler_config.json")
        let tokens = Tensor.randn([2, 16, 384], generator: g), pooled = Tensor.randn([2, 384], generator: g)
        return {
            try GradMode.noGrad {
                let sampler = try DDPMSampler(config: schedulerConfig)
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
