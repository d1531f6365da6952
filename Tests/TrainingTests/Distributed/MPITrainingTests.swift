import Foundation
import Tensors
@testable import Training
import XCTest

/// `mpirun -np 2 foley train` end to end over Open MPI's TCP transport on loopback: equivalence with one process
/// of twice the batch, a dying rank, Ctrl-C, and resuming on another number of processes.
final class MPITrainingTests: XCTestCase {
    var root: URL!

    override func setUpWithError() throws {
        root = try TrainFixture.tempDir("mpi")
    }

    override func tearDownWithError() throws {
        try? FileManager.default.removeItem(at: root)
    }

    /// Twenty steps of 2 ranks x batch 2 and of 1 process x batch 4 over 8 clips: the same weights up to float32
    /// summation order (measured: at most 9.2e-5 of a tensor's largest weight, 2.0e-5 absolute).
    func testTwoRanksMatchOneProcessOfTwiceTheBatchVAE() throws {
        let data = try TrainFixture.dataset(root, count: 8)
        let yaml = { (batch: Int) in
            TrainFixture.vaeYAML(data: data, steps: 20).replacingOccurrences(of: "batch_size: 4", with: "batch_size: \(batch)")
        }
        let (abs, rel) = try compare(yaml(2), yaml(4), name: "vae")
        XCTAssertLessThan(rel, 2e-4, "max abs \(abs)")
    }

    /// The same for the UNet, with text dropout, posterior sampling, timesteps and noise all drawn per sample, and the
    /// latent scaling factor measured at the start (measured: at most 7.2e-5 relative, 7.5e-6 absolute).
    func testTwoRanksMatchOneProcessOfTwiceTheBatchLDM() throws {
        let data = try TrainFixture.dataset(root, count: 8)
        let vae = try TrainFixture.vaeCheckpoint(root)
        let plain = { (batch: Int) in
            TrainFixture.ldmYAML(data: data, vae: vae, steps: 20, textDropout: 0.3).replacingOccurrences(of: "batch_size: 4", with: "batch_size: \(batch)")
        }
        let (abs, rel) = try compare(plain(2), plain(4), name: "ldm")
        XCTAssertLessThan(rel, 2e-4, "max abs \(abs)")
    }

    /// The same for Stable Audio's DiT over a frozen Oobleck: posterior noise, caption dropout, sigmas and flow noise
    /// drawn per sample (measured: at most 1.3e-5 relative).
    func testTwoRanksMatchOneProcessOfTwiceTheBatchDiT() throws {
        guard TrainFixture.miniLMAvailable else { throw MissingPrerequisite("all-MiniLM-L6-v2 not found: run scripts/setup") }
        let data = try TrainFixture.dataset(root, count: 8)
        let runs = root.appendingPathComponent("runs")
        let configs = TrainFixture.repositoryRoot.appendingPathComponent("configs")
        let oobleck = try String(contentsOf: configs.appendingPathComponent("tiny-oobleck.yaml"), encoding: .utf8)
            .replacingOccurrences(of: "dataset: data/mine", with: "dataset: \(data.path)")
        var o = TrainFixture.quiet(runs)
        o.maxSteps = 2
        _ = try OobleckTrainer(config: try TrainingConfig.parse(yaml: oobleck), options: o).run()
        let dit = { (batch: Int) in
            (try! String(contentsOf: configs.appendingPathComponent("tiny-dit.yaml"), encoding: .utf8))
                .replacingOccurrences(of: "dataset: data/mine", with: "dataset: \(data.path)")
                .replacingOccurrences(of: "pretrained_vae: runs/tiny-oobleck", with: "pretrained_vae: \(runs.path)/tiny-oobleck")
                .replacingOccurrences(of: "batch_size: 4", with: "batch_size: \(batch)")
                .replacingOccurrences(of: "max_steps: 30", with: "max_steps: 20")
                .replacingOccurrences(of: "text_dropout: 0.1", with: "text_dropout: 0.3")
        }
        let (abs, rel) = try compare(dit(2), dit(4), name: "dit")
        XCTAssertLessThan(rel, 2e-4, "max abs \(abs)")
    }

    func compare(_ twoRanks: String, _ oneProcess: String, name: String) throws -> (Float, Float) {
        let a = root.appendingPathComponent("\(name)-2x.yaml"), b = root.appendingPathComponent("\(name)-1x.yaml")
        try twoRanks.write(to: a, atomically: true, encoding: .utf8)
        try oneProcess.write(to: b, atomically: true, encoding: .utf8)
        let dist = try MPILaunch.train(a, ranks: 2, args: ["--exp-name", "\(name)-dist"], cwd: root).wait(timeout: 120)
        XCTAssertEqual(dist.status, 0, dist.output)
        XCTAssertEqual(dist.output.components(separatedBy: "trained 20 steps").count - 1, 1, "only rank 0 reports: \(dist.output)")
        let one = try MPILaunch.train(b, ranks: nil, args: ["--exp-name", "\(name)-one"], cwd: root).wait(timeout: 120)
        XCTAssertEqual(one.status, 0, one.output)
        let d = try MPILaunch.weightDifference(try MPILaunch.lastCheckpoint(root, "\(name)-dist"), try MPILaunch.lastCheckpoint(root, "\(name)-one"))
        print("\(name): 2 ranks x batch B against 1 process x 2B after 20 steps: max abs \(d.abs), max rel \(d.rel) over \(d.tensors) tensors")
        XCTAssertGreaterThan(d.tensors, 10)
        // Rank 0 wrote the log; every record says how many processes and what share went to communication.
        let log = try String(contentsOf: root.appendingPathComponent("runs/\(name)-dist/log.jsonl"), encoding: .utf8)
        XCTAssertTrue(log.contains("\"processes\":2"), log)
        XCTAssertTrue(log.contains("\"comm_share\""), log)
        return (d.abs, d.rel)
    }

    /// A rank that dies ends the job quickly with a non-zero status: it, mpirun and rank 0 each say so, and no
    /// checkpoint is half written.
    func testADyingRankEndsTheJobWithAMessage() throws {
        let data = try TrainFixture.dataset(root, count: 8)
        let cfg = root.appendingPathComponent("vae.yaml")
        try TrainFixture.vaeYAML(data: data, steps: 200).replacingOccurrences(of: "checkpoint_every: 1000", with: "checkpoint_every: 2")
            .write(to: cfg, atomically: true, encoding: .utf8)
        let r = try MPILaunch.train(cfg, ranks: 2, args: ["--exp-name", "fault"], cwd: root, environment: ["FOLEY_DIST_FAIL_AT_STEP": "5"])
            .wait(timeout: 60)
        XCTAssertNotEqual(r.status, 0, r.output)
        XCTAssertLessThan(r.seconds, 60)
        XCTAssertTrue(r.output.contains("foley train: rank 1: injected failure at step 5"), r.output)
        XCTAssertTrue(r.output.contains("non-zero"), "mpirun names the failed process: \(r.output)")
        XCTAssertTrue(r.output.contains("foley train: rank 0 of 2 is being ended by mpirun: another rank failed"), r.output)
        let dir = root.appendingPathComponent("runs/fault/checkpoints")
        let names = try FileManager.default.contentsOfDirectory(atPath: dir.path).sorted()
        XCTAssertEqual(names, ["step-00000002.safetensors", "step-00000004.safetensors"])
        for n in names { XCTAssertNoThrow(try Checkpoint.load(path: dir.appendingPathComponent(n).path)) }
    }

    /// Ctrl-C to mpirun: every rank stops after the same step, rank 0 checkpoints once, and one process resumes it.
    func testCtrlCCheckpointsOnceAndResumesOnOneProcess() throws {
        let data = try TrainFixture.dataset(root, count: 8)
        let cfg = root.appendingPathComponent("vae.yaml")
        try TrainFixture.vaeYAML(data: data, steps: 100_000).replacingOccurrences(of: "log_every: 5", with: "log_every: 1")
            .write(to: cfg, atomically: true, encoding: .utf8)
        let run = try MPILaunch.train(cfg, ranks: 2, args: ["--exp-name", "stop"], cwd: root)
        let log = root.appendingPathComponent("runs/stop/log.jsonl")
        let deadline = Date().addingTimeInterval(60)
        while Date() < deadline, ((try? String(contentsOf: log, encoding: .utf8)) ?? "").split(separator: "\n").count < 5 { usleep(50_000) }
        kill(run.process.processIdentifier, SIGINT)
        let r = run.wait(timeout: 60)
        XCTAssertNotEqual(r.status, 0)
        let stops = r.output.components(separatedBy: "\n").filter { $0.hasPrefix("stopped at step") && $0.contains("checkpoint:") }
        XCTAssertEqual(stops.count, 1, r.output)
        let names = try FileManager.default.contentsOfDirectory(atPath: root.appendingPathComponent("runs/stop/checkpoints").path)
        XCTAssertEqual(names.count, 1, "\(names)")
        let c = try Checkpoint.load(path: try MPILaunch.lastCheckpoint(root, "stop").path)
        XCTAssertGreaterThanOrEqual(c.state.step, 5)
        XCTAssertEqual(c.state.worldSize, 2)
        XCTAssertFalse(c.state.finished)

        let resumed = try MPILaunch.train(cfg, ranks: nil, args: ["--exp-name", "stop", "--resume", "--max-steps", "\(c.state.step + 2)"], cwd: root)
            .wait(timeout: 60)
        XCTAssertEqual(resumed.status, 0, resumed.output)
        XCTAssertTrue(resumed.output.contains("resuming a run of 2 processes on 1"), resumed.output)
        XCTAssertTrue(resumed.output.contains("trained \(c.state.step + 2) steps"), resumed.output)
    }
}
