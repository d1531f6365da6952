import Audio
import Diffusion
import NN
import Foundation
import Tensors
import Text
@testable import Training
import XCTest

/// Synthetic clips and tiny configs shared by the training tests.
enum TrainFixture {
    /// The repository's root (configs/, models/default), found from this file's place in Tests/TrainingTests.
    static let repositoryRoot = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent().deletingLastPathComponent()

    static func tempDir(_ name: String) throws -> URL {
        let u = FileManager.default.temporaryDirectory.appendingPathComponent("foley-train-\(name)-\(getpid())-\(UInt32.random(in: 0...UInt32.max))")
        try FileManager.default.createDirectory(at: u, withIntermediateDirectories: true)
        return u
    }

    /// A tone (with a little seeded noise) at `hz`, `seconds` long.
    static func tone(hz: Double, seconds: Double, rate: Int = 16000, amplitude: Float = 0.4, seed: UInt64 = 1) -> [Float] {
        let g = RandomGenerator(seed: seed)
        return (0..<Int(seconds * Double(rate))).map { i in
            amplitude * Float(sin(2 * Double.pi * hz * Double(i) / Double(rate))) + 0.02 * (g.nextUniform() - 0.5)
        }
    }

    static let captions = ["a low hum", "a high whistle", "a mid beep", "a bright chirp", "a soft drone", "a sharp tone"]
    static let freqs: [Double] = [220, 1760, 660, 3000, 110, 1200]

    /// `count` captioned clips in `root/audio` + `root/text`, preprocessed into `root/data`; returns the data folder.
    static func dataset(_ root: URL, count: Int = 4, seconds: Double = 0.6) throws -> URL {
        let audio = root.appendingPathComponent("audio"), text = root.appendingPathComponent("text")
        try FileManager.default.createDirectory(at: audio, withIntermediateDirectories: true)
        try FileManager.default.createDirectory(at: text, withIntermediateDirectories: true)
        for i in 0..<count {
            let id = String(format: "clip%02d", i)
            try AudioFile.write(try AudioBuffer(mono: tone(hz: freqs[i % freqs.count], seconds: seconds, seed: UInt64(i)), sampleRate: 16000),
                                to: audio.appendingPathComponent(id + ".wav").path)
            try Data((captions[i % captions.count] + "\n").utf8).write(to: text.appendingPathComponent(id + ".txt"))
        }
        let data = root.appendingPathComponent("data")
        var o = PreprocessOptions(audioDir: audio.path, textSource: text.path, outputDir: data.path)
        o.validFraction = 0
        o.minSeconds = 0.1
        try Preprocessor.run(o)
        return data
    }

    static func vaeYAML(data: URL, steps: Int = 30, extra: String = "") -> String {
        """
        name: tiny-vae-test
        model:
          type: AutoencoderKL
          latent_channels: 4
          block_out_channels: [8, 16]
          layers_per_block: 1
          norm_num_groups: 4
        data:
          dataset: \(data.path)
          batch_size: 4
          segment_frames: 16
        train:
          seed: 7
          max_steps: \(steps)
          learning_rate: 5.0e-3
          warmup_steps: 2
          lr_scheduler: cosine
          min_lr_factor: 0.1
          loss_type: l1
          kl_weight: 1.0e-6
          log_every: 5
          checkpoint_every: 1000
          keep_checkpoints: 2
          scaling_factor_batches: 1
        \(extra)
        """
    }

    static func ldmYAML(data: URL, vae: URL, steps: Int = 30, learningRate: Double = 4e-3, textDropout: Double = 0.1,
                        checkpointEvery: Int = 1000, trainExtra: String = "", extra: String = "") -> String {
        """
        name: tiny-ldm-test
        model:
          type: AudioLDM
          pretrained_vae: \(vae.path)
          conditioning: both
          block_out_channels: [16, 32]
          layers_per_block: 1
          attention_heads: 2
          norm_num_groups: 8
        data:
          dataset: \(data.path)
          batch_size: 4
          segment_frames: 16
        train:
          seed: 3
          max_steps: \(steps)
          learning_rate: \(learningRate)
          warmup_steps: 2
          lr_scheduler: constant
          text_dropout: \(textDropout)
          ema: true
          ema_decay: 0.99
          log_every: 5
          checkpoint_every: \(checkpointEvery)
          keep_checkpoints: 2
        \(trainExtra)
        diffusion:
          num_train_timesteps: 1000
          beta_schedule: scaled_linear
          prediction_type: epsilon
        inference:
          sampler: ddim
          num_steps: 3
          guidance_scale: 2.0
          seconds: 0.3
          griffin_lim_iterations: 4
        \(extra)
        """
    }

    static var miniLMAvailable: Bool {
        FileManager.default.fileExists(atPath: FoleyPaths.miniLM.appendingPathComponent("model.safetensors").path)
    }

    static func quiet(_ runs: URL, name: String? = nil) -> TrainingOptions {
        var o = TrainingOptions()
        o.runsDirectory = runs.path
        o.experimentName = name
        o.progress = .quiet
        o.handleSignals = false
        o.log = { _ in }
        return o
    }

    nonisolated(unsafe) static var sharedConditioner: TextConditioner?

    static func conditioner() throws -> TextConditioner {
        if let c = Self.sharedConditioner { return c }
        let c = try TextConditioner.load(encoderFolder: FoleyPaths.miniLM)
        Self.sharedConditioner = c
        return c
    }

    /// A random tiny VAE saved as a stage-1 checkpoint without a measured scale (so the LDM trainer measures it).
    static func vaeCheckpoint(_ root: URL) throws -> URL {
        NNRandom.manualSeed(11)
        var c = AutoencoderKLConfig()
        c.inChannels = 1; c.outChannels = 1; c.latentChannels = 4; c.blockOutChannels = [8, 16]
        c.downBlockTypes = ["DownEncoderBlock2D", "DownEncoderBlock2D"]; c.upBlockTypes = ["UpDecoderBlock2D", "UpDecoderBlock2D"]
        c.layersPerBlock = 1; c.normNumGroups = 4
        let vae = try AutoencoderKL(config: c)
        let state = CheckpointState(stage: "vae", step: 0, config: "", modelConfig: try ModelExport.jsonString(c, className: "AutoencoderKL"),
                                    rng: [:], lrStep: 0, totalSteps: 0, loader: .init(), loaderSeed: "0", finished: true, elapsed: 0)
        let url = root.appendingPathComponent("vae.safetensors")
        try Checkpoint.write(["model.": vae.stateDict()], state: state, to: url.path)
        return url
    }

}
