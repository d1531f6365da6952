import Diffusion
import Foundation
import NN
import Tensors
import Text
@testable import Training
import XCTest

final class LDMTrainerTests: XCTestCase {
    override func setUpWithError() throws {
        guard TrainFixture.miniLMAvailable else {
            throw MissingPrerequisite("all-MiniLM-L6-v2 not found at \(FoleyPaths.miniLM.path): run scripts/setup")
        }
    }

    /// The UNet overfits a handful of latents: the denoising loss at fixed timesteps and noise falls by 3x or more.
    func testLDMTrainerOverfitsAHandfulOfLatents() throws {
        let root = try TrainFixture.tempDir("ldm")
        defer { try? FileManager.default.removeItem(at: root) }
        let data = try TrainFixture.dataset(root, count: 4)
        let vae = try TrainFixture.vaeCheckpoint(root)
        let yaml = TrainFixture.ldmYAML(data: data, vae: vae, steps: 25, learningRate: 4e-3, textDropout: 0,
                                        trainExtra: "  validate_every: 25\n  sample_posterior: false\n")
        let cfg = try TrainingConfig.parse(yaml: yaml)
        var messages: [String] = []
        var opts = TrainFixture.quiet(root.appendingPathComponent("runs"))
        opts.log = { messages.append($0) }
        let trainer = try LDMTrainer(config: cfg, options: opts, conditioner: try TrainFixture.conditioner())
        XCTAssertTrue(messages.contains { $0.hasPrefix("measured latent scaling factor") }, "\(messages)")
        XCTAssertNotEqual(trainer.scalingFactor, 1)
        XCTAssertEqual(trainer.loader.frames, 16)
        let probe = try trainer.loader.batch(at: .init(epoch: 0, batch: 0))
        let before = (0..<4).map { try! trainer.evaluate(probe, seed: UInt64($0)) }.reduce(0, +) / 4
        let result = try trainer.run()
        let after = (0..<4).map { try! trainer.evaluate(probe, seed: UInt64($0)) }.reduce(0, +) / 4
        print(String(format: "LDM eps-MSE before %.4f after %.4f (%.1fx) in %d steps, %.3f s/step, %d captions cached",
                     before, after, before / after, result.step, result.secondsPerStep, trainer.cachedCaptions))
        XCTAssertLessThan(after, before / 3, "denoising loss should fall at least 3x")
        // Each distinct caption was encoded once (4 captions; no dropout so no empty prompt).
        XCTAssertEqual(trainer.cachedCaptions, 4)

        // Validation wrote audio and a spectrogram per prompt (the first valid/train captions).
        let samples = result.experiment.appendingPathComponent("samples/step-00000025")
        let files = try FileManager.default.contentsOfDirectory(atPath: samples.path).sorted()
        XCTAssertEqual(files.filter { $0.hasSuffix(".wav") }.count, 2, "\(files)")
        XCTAssertEqual(files.filter { $0.hasSuffix(".png") }.count, 2, "\(files)")
        let log = try String(contentsOf: result.experiment.appendingPathComponent("log.jsonl"), encoding: .utf8)
        XCTAssertTrue(log.contains("\"kind\":\"valid\""))
    }

    /// A run stopped after 3 steps (as Ctrl-C does) and resumed ends bit-identical to an uninterrupted run: weights,
    /// optimizer moments and EMA. The exported folder loads with TextToAudioPipeline and generates finite audio.
    func testStoppedAndResumedRunMatchesUninterruptedRunAndExportLoads() throws {
        let root = try TrainFixture.tempDir("resume")
        defer { try? FileManager.default.removeItem(at: root) }
        let data = try TrainFixture.dataset(root, count: 5)
        let vae = try TrainFixture.vaeCheckpoint(root)
        let yaml = TrainFixture.ldmYAML(data: data, vae: vae, steps: 6, textDropout: 0.5, checkpointEvery: 2,
                                        trainExtra: "  grad_accum_steps: 2\n")
        let cfg = try TrainingConfig.parse(yaml: yaml)
        XCTAssertEqual(cfg.train.gradAccumSteps, 2)
        let runs = root.appendingPathComponent("runs")
        let enc = try TrainFixture.conditioner()

        let full = try LDMTrainer(config: cfg, options: TrainFixture.quiet(runs, name: "full"), conditioner: enc).run()
        XCTAssertEqual(full.step, 6)

        var stopOpts = TrainFixture.quiet(runs, name: "split")
        stopOpts.stopAtStep = 3
        let first = try LDMTrainer(config: cfg, options: stopOpts, conditioner: enc).run()
        XCTAssertTrue(first.interrupted)
        XCTAssertEqual(first.step, 3)
        XCTAssertNil(first.exported)
        // Starting again without --resume is refused; with it, the run continues from step 3.
        XCTAssertThrowsError(try LDMTrainer(config: cfg, options: TrainFixture.quiet(runs, name: "split"), conditioner: enc)) { e in
            XCTAssertTrue("\(e)".contains("pass --resume"), "\(e)")
        }
        var resumeOpts = TrainFixture.quiet(runs, name: "split")
        resumeOpts.resume = true
        let resumed = try LDMTrainer(config: cfg, options: resumeOpts, conditioner: enc)
        XCTAssertEqual(resumed.step, 3)
        let second = try resumed.run()
        XCTAssertEqual(second.step, 6)
        XCTAssertEqual(second.losses.map(\.loss), Array(full.losses.suffix(3).map(\.loss)), "the resumed steps see the same losses")

        let a = try Checkpoint.load(path: try XCTUnwrap(full.checkpoint)), b = try Checkpoint.load(path: try XCTUnwrap(second.checkpoint))
        for prefix in ["model.", "optimizer.", "ema.", "vae."] {
            let ta = try a.tensors(prefix: prefix), tb = try b.tensors(prefix: prefix)
            XCTAssertFalse(ta.isEmpty, prefix)
            XCTAssertEqual(Set(ta.keys), Set(tb.keys), prefix)
            let differing = ta.keys.filter { ta[$0]!.scalars != tb[$0]!.scalars }
            XCTAssertTrue(differing.isEmpty, "\(prefix) differs in \(differing.prefix(5))")
        }
        XCTAssertEqual(a.state.rng, b.state.rng)
        XCTAssertEqual(a.state.loader, b.state.loader)
        XCTAssertEqual(a.state.emaUpdates, 6)
        XCTAssertEqual(a.state.scalingFactor, b.state.scalingFactor)
        // Checkpoints every 2 steps, the last 2 kept: steps 4 and 6.
        let kept = CheckpointStore(directory: second.experiment.appendingPathComponent("checkpoints").path, keep: 2).list().map(\.step)
        XCTAssertEqual(kept, [4, 6])

        // The exported Foley folder loads and generates a finite waveform of the asked length.
        let folder = try XCTUnwrap(full.exported)
        let pipe = try TextToAudioPipeline.load(folder: folder)
        XCTAssertEqual(pipe.conditioning, .both)
        XCTAssertEqual(pipe.vae.scalingFactor, try XCTUnwrap(a.state.scalingFactor))
        XCTAssertEqual(pipe.samplerConfig.className, "DDIMScheduler")
        // The UNet records its training crop, 16 mel frames = 8 latent frames, as sample_size: the default length.
        XCTAssertEqual(pipe.unet.config.sampleSize, .int(8))
        XCTAssertEqual(pipe.defaultSeconds, Double(16 * pipe.hopLength) / Double(pipe.sampleRate), accuracy: 1e-12)
        var o = GenerationOptions(prompt: "a low hum")
        o.steps = 3
        o.seconds = 0.25
        o.guidanceScale = 2
        let r = try pipe.generate(o)
        XCTAssertEqual(r.waveforms[0].count, 4000)
        XCTAssertTrue(r.waveforms[0].allSatisfy(\.isFinite))
        XCTAssertGreaterThan(r.waveforms[0].map { abs($0) }.max()!, 0)
        // The exported UNet is the EMA average, identical in both runs.
        let ua = try SafeTensorsFile(path: folder.appendingPathComponent("unet/diffusion_pytorch_model.safetensors").path)
        let ub = try SafeTensorsFile(path: try XCTUnwrap(second.exported).appendingPathComponent("unet/diffusion_pytorch_model.safetensors").path)
        XCTAssertEqual(try ua.tensor("conv_out.weight").scalars, try ub.tensor("conv_out.weight").scalars)
        XCTAssertEqual(try ua.tensor("conv_out.weight").scalars, try a.tensors(prefix: "ema.")["conv_out.weight"]!.scalars)

        // export(checkpoint:) writes the same folder from the checkpoint alone.
        let again = root.appendingPathComponent("again")
        try ModelExport.export(checkpoint: a.path, to: again)
        let uc = try SafeTensorsFile(path: again.appendingPathComponent("unet/diffusion_pytorch_model.safetensors").path)
        XCTAssertEqual(try uc.tensor("conv_out.weight").scalars, try ua.tensor("conv_out.weight").scalars)
        XCTAssertEqual(try TextToAudioPipeline.load(folder: again).unet.config.sampleSize, .int(8))
    }

    /// model.time_channel: a new UNet gets in_channels = latents + 1 and the seconds of one latent frame; one
    /// initialized from a UNet without it gets a zero conv_in column, so it computes the same output until trained.
    /// Both export folders that the pipeline loads and generates from.
    func testTimeChannelFromScratchAndAddedToAnInitFromUNet() throws {
        let root = try TrainFixture.tempDir("timechannel")
        defer { try? FileManager.default.removeItem(at: root) }
        let data = try TrainFixture.dataset(root, count: 4)
        let vae = try TrainFixture.vaeCheckpoint(root)
        let runs = root.appendingPathComponent("runs")
        let enc = try TrainFixture.conditioner()
        let plainYAML = TrainFixture.ldmYAML(data: data, vae: vae, steps: 2)
        let timedYAML = plainYAML.replacingOccurrences(of: "  conditioning: both\n", with: "  conditioning: both\n  time_channel: true\n")
        XCTAssertNotEqual(plainYAML, timedYAML)
        let timedConfig = try TrainingConfig.parse(yaml: timedYAML)
        XCTAssertEqual(timedConfig.ldm?.timeChannel, true)

        let scratch = try LDMTrainer(config: timedConfig, options: TrainFixture.quiet(runs, name: "scratch"), conditioner: enc)
        XCTAssertEqual(scratch.unet.config.inChannels, scratch.unet.config.outChannels + 1)
        let exported = try XCTUnwrap(try scratch.run().exported)
        let pipe = try TextToAudioPipeline.load(folder: exported)
        let seconds = Float(pipe.vaeScaleFactor * pipe.hopLength) / Float(pipe.sampleRate)
        XCTAssertEqual(seconds, 0.02, accuracy: 1e-7)  // VAE factor 2, hop 160 at 16 kHz
        XCTAssertEqual(scratch.unet.config.timeChannelSecondsPerFrame, seconds)
        XCTAssertEqual(pipe.unet.config.timeChannelSecondsPerFrame, seconds)
        var o = GenerationOptions(prompt: "a low hum")
        o.steps = 2
        o.seconds = 0.25
        let r = try pipe.generate(o)
        XCTAssertEqual(r.waveforms[0].count, 4000)
        XCTAssertTrue(r.waveforms[0].allSatisfy(\.isFinite))

        let plain = try XCTUnwrap(try LDMTrainer(config: try TrainingConfig.parse(yaml: plainYAML), options: TrainFixture.quiet(runs, name: "plain"),
                                                 conditioner: enc).run().exported)
        let before = try UNet2DConditionModel.load(folder: plain.appendingPathComponent("unet"))
        XCTAssertNil(before.config.timeChannelSecondsPerFrame)
        var messages: [String] = []
        var opts = TrainFixture.quiet(runs, name: "added")
        opts.initFrom = plain.path
        opts.log = { messages.append($0) }
        let added = try LDMTrainer(config: timedConfig, options: opts, conditioner: enc)
        XCTAssertTrue(messages.contains { $0.hasPrefix("added model.time_channel") }, "\(messages)")
        XCTAssertEqual(added.unet.config.timeChannelSecondsPerFrame, seconds)
        let w0 = before.stateDict()["conv_in.weight"]!, w1 = added.unet.stateDict()["conv_in.weight"]!
        let (outs, ins, k) = (w0.shape[0], w0.shape[1], w0.shape[2] * w0.shape[3])
        XCTAssertEqual(w1.shape, [outs, ins + 1, w0.shape[2], w0.shape[3]])
        for a in 0..<outs {
            XCTAssertEqual(Array(w1.scalars[(a * (ins + 1) * k)..<((a * (ins + 1) + ins) * k)]), Array(w0.scalars[(a * ins * k)..<((a + 1) * ins * k)]))
            XCTAssertEqual(Array(w1.scalars[((a * (ins + 1) + ins) * k)..<((a + 1) * (ins + 1) * k)]), Array(repeating: 0, count: k))
        }
        let x = Tensor.randn([2, ins, 8, 4], generator: RandomGenerator(seed: 9))
        let states = Tensor.randn([2, 3, 384], generator: RandomGenerator(seed: 10))
        let pooled = Tensor.randn([2, 384], generator: RandomGenerator(seed: 11))
        let y0 = try GradMode.noGrad { try before(x, timesteps: [5, 700], encoderHiddenStates: states, classLabels: pooled) }
        let y1 = try GradMode.noGrad { try added.unet(x, timesteps: [5, 700], encoderHiddenStates: states, classLabels: pooled) }
        let scale = y0.scalars.map { abs($0) }.max()!
        XCTAssertGreaterThan(scale, 0)
        XCTAssertLessThanOrEqual(zip(y1.scalars, y0.scalars).map { abs($0 - $1) }.max()!, 1e-6 * scale)
    }
}
