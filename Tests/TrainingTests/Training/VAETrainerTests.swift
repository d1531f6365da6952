import Diffusion
import Foundation
import Tensors
@testable import Training
import XCTest

final class VAETrainerTests: XCTestCase {
    /// train.freeze_encoder: only the decoder (and post_quant_conv) of the --init-from VAE moves, its encoder stays
    /// bit-identical, and the export keeps its scaling factor, so latents a UNet was trained on keep their meaning.
    /// Without a known scaling factor to keep, the config is refused by key.
    func testFreezeEncoderTrainsTheDecoderOnlyAndKeepsTheScale() throws {
        let root = try TrainFixture.tempDir("vae-decoder")
        defer { try? FileManager.default.removeItem(at: root) }
        let data = try TrainFixture.dataset(root, count: 4)
        let checkpoint = try TrainFixture.vaeCheckpoint(root)
        let start = try Checkpoint.load(path: checkpoint.path)
        let weights = try start.tensors(prefix: "model.")
        let folder = root.appendingPathComponent("vae")
        try ModelExport.writeVAE(config: try ModelExport.decodeVAEConfig(start.state.modelConfig, source: "test"), weights: weights,
                                 scalingFactor: 0.37, to: folder)
        let cfg = try TrainingConfig.parse(yaml: TrainFixture.vaeYAML(data: data, steps: 3, extra: "  freeze_encoder: true\n"))
        XCTAssertTrue(cfg.train.freezeEncoder)
        var opts = TrainFixture.quiet(root.appendingPathComponent("runs"))
        opts.initFrom = folder.path
        let trainer = try VAETrainer(config: cfg, options: opts)
        let result = try trainer.run()
        XCTAssertEqual(result.step, 3)
        let exported = try AutoencoderKL.load(folder: try XCTUnwrap(result.exported))
        XCTAssertEqual(exported.scalingFactor, 0.37)
        XCTAssertEqual(try Checkpoint.load(path: try XCTUnwrap(result.checkpoint)).state.scalingFactor, 0.37)
        let after = exported.stateDict()
        var movedDecoder = 0
        for (name, before) in weights {
            let same = after[name]!.scalars == before.scalars
            if name.hasPrefix("encoder.") || name.hasPrefix("quant_conv.") {
                XCTAssertTrue(same, "\(name) moved with the encoder frozen")
            } else if !same {
                movedDecoder += 1
            }
        }
        XCTAssertGreaterThan(movedDecoder, 10, "the decoder trains")

        var bad = TrainFixture.quiet(root.appendingPathComponent("runs"), name: "no-scale")
        bad.initFrom = checkpoint.path  // a stage-1 checkpoint that never measured its scale
        XCTAssertThrowsError(try VAETrainer(config: cfg, options: bad)) { e in
            XCTAssertTrue("\(e)".contains("train.freeze_encoder"), "\(e)")
        }
        XCTAssertThrowsError(try VAETrainer(config: cfg, options: TrainFixture.quiet(root.appendingPathComponent("runs"), name: "none"))) { e in
            XCTAssertTrue("\(e)".contains("train.freeze_encoder"), "\(e)")
        }
    }

    /// A tiny VAE's reconstruction loss on the training clips falls well below its starting value; the run ends
    /// with a checkpoint carrying the measured scaling factor and a loadable vae/ folder.
    func testVAETrainerDrivesReconstructionLossDown() throws {
        let root = try TrainFixture.tempDir("vae")
        defer { try? FileManager.default.removeItem(at: root) }
        let data = try TrainFixture.dataset(root, count: 4)
        let cfg = try TrainingConfig.parse(yaml: TrainFixture.vaeYAML(data: data, steps: 30, extra: "  spectral_loss_weight: 0.05\n  validate_every: 30\n  validation_clips: 2\n"))
        let trainer = try VAETrainer(config: cfg, options: TrainFixture.quiet(root.appendingPathComponent("runs")))
        let probe = try trainer.loader.batch(at: .init(epoch: 0, batch: 0))
        let before = try trainer.evaluate(probe)["rec_loss"]!
        let result = try trainer.run()
        let after = try trainer.evaluate(probe)["rec_loss"]!
        print(String(format: "VAE rec L1 before %.4f after %.4f (%.1fx) in %d steps, %.3f s/step", before, after, before / after,
                     result.step, result.secondsPerStep))
        XCTAssertEqual(result.step, 30)
        XCTAssertFalse(result.interrupted)
        XCTAssertLessThan(after, before / 4, "reconstruction L1 should fall at least 4x")
        XCTAssertLessThan(result.losses.suffix(5).map(\.loss).reduce(0, +), result.losses.prefix(5).map(\.loss).reduce(0, +) / 2)

        // The final checkpoint: finished, step 30, the measured scale; the export loads with it in its config.
        let ck = try Checkpoint.load(path: try XCTUnwrap(result.checkpoint))
        XCTAssertTrue(ck.state.finished)
        XCTAssertEqual(ck.state.step, 30)
        let scale = try XCTUnwrap(ck.state.scalingFactor)
        XCTAssertTrue(scale.isFinite && scale > 0)
        XCTAssertEqual(scale, try trainer.measureScalingFactor(), accuracy: scale * 1e-5)
        let folder = try XCTUnwrap(result.exported)
        let loaded = try AutoencoderKL.load(folder: folder)
        XCTAssertEqual(loaded.scalingFactor, scale)
        XCTAssertEqual(try loaded.stateDict()["decoder.conv_out.weight"]!.scalars, trainer.vae.stateDict()["decoder.conv_out.weight"]!.scalars)

        // The JSONL log has a record every 5 steps with the loss parts.
        let lines = try String(contentsOf: result.experiment.appendingPathComponent("log.jsonl"), encoding: .utf8).split(separator: "\n")
        XCTAssertEqual(lines.count, 7)  // 6 logged steps + 1 validation
        let rec = try JSONSerialization.jsonObject(with: Data(lines[0].utf8)) as! [String: Any]
        XCTAssertEqual(rec["step"] as? Int, 5)
        for k in ["loss", "rec_loss", "kl", "spectral_loss", "lr", "grad_norm", "steps_per_sec"] { XCTAssertNotNil(rec[k], k) }
        let valid = try JSONSerialization.jsonObject(with: Data(lines[6].utf8)) as! [String: Any]
        XCTAssertEqual(valid["kind"] as? String, "valid")
        XCTAssertLessThan(try XCTUnwrap(valid["valid_l1"] as? Double), before / 3)
        let pngs = try FileManager.default.contentsOfDirectory(atPath: result.experiment.appendingPathComponent("samples/step-00000030").path)
        XCTAssertEqual(pngs.sorted(), ["clip00-input.png", "clip00-reconstruction.png", "clip01-input.png", "clip01-reconstruction.png"])
    }
}

final class VAEInterruptTests: XCTestCase {
    override func tearDown() { Interrupt.reset() }

    /// SIGTERM or Ctrl-C inside a step (a long op polls the flag) undoes the step: the checkpoint is the last whole
    /// step's, and the resumed run ends bit-identical to an uninterrupted one.
    func testAStepStoppedInsideIsUndoneAndResumesToTheBit() throws {
        let root = try TrainFixture.tempDir("vae-int")
        defer { try? FileManager.default.removeItem(at: root) }
        let data = try TrainFixture.dataset(root, count: 4, seconds: 1)
        let cfg = try TrainingConfig.parse(yaml: TrainFixture.vaeYAML(data: data, steps: 6).replacingOccurrences(of: "segment_frames: 16", with: "segment_frames: 96"))
        let runs = root.appendingPathComponent("runs")
        Interrupt.reset()
        let full = try VAETrainer(config: cfg, options: TrainFixture.quiet(runs, name: "full")).run()
        XCTAssertEqual(full.step, 6)

        let split = try VAETrainer(config: cfg, options: TrainFixture.quiet(runs, name: "split"))
        let watcher = Thread { while split.step < 2 { usleep(100) }; Interrupt.request() }
        watcher.start()
        let first = try split.run()
        XCTAssertTrue(first.interrupted)
        XCTAssertGreaterThanOrEqual(first.step, 2)
        XCTAssertLessThan(first.step, 6)
        Interrupt.reset()
        var resumeOpts = TrainFixture.quiet(runs, name: "split")
        resumeOpts.resume = true
        let second = try VAETrainer(config: cfg, options: resumeOpts).run()
        XCTAssertEqual(second.step, 6)
        let a = try Checkpoint.load(path: try XCTUnwrap(full.checkpoint)), b = try Checkpoint.load(path: try XCTUnwrap(second.checkpoint))
        for prefix in ["model.", "optimizer."] {
            let ta = try a.tensors(prefix: prefix), tb = try b.tensors(prefix: prefix)
            XCTAssertFalse(ta.isEmpty, prefix)
            let differing = ta.keys.filter { ta[$0]!.scalars != tb[$0]!.scalars }
            XCTAssertTrue(differing.isEmpty, "\(prefix) differs in \(differing.prefix(5))")
        }
        XCTAssertEqual(a.state.rng, b.state.rng)
        XCTAssertEqual(a.state.loader, b.state.loader)
    }
}
