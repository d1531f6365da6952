import Diffusion
import Foundation
import NN
import Tensors

/// How a training run is started (the `foley train` flags) and reported.
public struct TrainingOptions {
    /// Experiments go to `runsDirectory/experimentName`.
    public var runsDirectory = "runs"
    /// Defaults to the config's `name`.
    public var experimentName: String?
    /// Continue from the experiment's newest checkpoint.
    public var resume = false
    /// Initial weights: a Foley checkpoint of the same stage, a diffusers folder of the model (config.json + weights),
    /// or a model folder holding it (`vae/` or `unet/`: a Foley folder or a diffusers AudioLDM folder).
    public var initFrom: String?
    /// Behave as if Ctrl-C came right after this step (checkpoint, stop): for tests and schedulers.
    public var stopAtStep: Int?
    /// Overrides `train.max_steps` (the schedule's length) when set.
    public var maxSteps: Int?
    public var progress: ProgressMode = .auto
    /// Install the SIGINT/SIGTERM handler for the run.
    public var handleSignals = true
    /// Export the model folder when training finishes.
    public var exportAtEnd = true
    /// Called after every step with its number and loss, once its checkpoint and validation are done; returning
    /// false stops the run there as Ctrl-C would (a checkpoint is written). Watching does not change what is saved.
    public var onStep: ((Int, Double) throws -> Bool)?
    /// Messages (resume, checkpoints, validation, export); stderr by default.
    public var log: (String) -> Void = { FileHandle.standardError.write(Data(($0 + "\n").utf8)) }
    /// The job's processes; nil: `Distributed.world()` (Open MPI under mpirun, else this process alone).
    public var communicator: Communicator?

    public init() {}
}

/// The loss of one step.
public struct LossPoint: Equatable, Sendable {
    public var step: Int
    public var loss: Double
}

/// What a run did.
public struct TrainingResult {
    public var experiment: URL
    /// Steps completed (across resumes).
    public var step: Int
    public var totalSteps: Int
    /// Stopped by Ctrl-C / `stopAtStep` before the end (a checkpoint was written).
    public var interrupted: Bool
    /// The last checkpoint written or resumed from.
    public var checkpoint: String?
    /// The exported model folder (at the end of training).
    public var exported: URL?
    /// Every step's loss in this process.
    public var losses: [LossPoint]
    /// Mean wall time of this process's steps.
    public var secondsPerStep: Double
    /// Wall time of each of this process's steps.
    public var stepSeconds: [Double]
}

/// A stage's model and loss, driven by `TrainingLoop`.
protocol TrainingStage: AnyObject {
    var stage: TrainingConfig.Stage { get }
    /// Saved under `model.`.
    var module: Module { get }
    /// What the optimizer updates.
    var trainableParameters: [Tensor] { get }
    /// The parameters EMA tracks, named as in `module`.
    var emaParameters: [(String, Tensor)] { get }
    /// The trained model's diffusers config JSON.
    var modelConfigJSON: String { get }
    /// Crop lengths must divide by this (the VAE's and UNet's down-sampling).
    var frameUnit: Int { get }
    func loss(_ batch: DataLoader.Batch, rng: RandomGenerator) throws -> (Tensor, [String: Double])
    /// Extra tensor groups by prefix (`vae.`, `text_encoder.`).
    func extraTensors() -> [String: [String: Tensor]]
    func fill(_ state: inout CheckpointState)
    func restoreExtra(from c: Checkpoint) throws
    /// Periodic validation; returns values for the log.
    func validate(step: Int, experiment: URL, ema: EMA?) throws -> [String: Any]
    /// End of training: measurements and export; may update the final state.
    func finish(experiment: URL, ema: EMA?, state: inout CheckpointState, export: Bool) throws -> URL?
    /// Step `step` (0-based) begins: for stages whose loss depends on the step (the VAE's disc_start).
    func stepStarted(_ step: Int)
    /// The step that began was interrupted and is being undone: restore what `loss` changed outside the optimizer.
    func stepUndone() throws
}

extension TrainingStage {
    func stepStarted(_ step: Int) {}
    func stepUndone() throws {}
}

/// The experiment folder and the checkpoint a run starts from.
struct RunStart {
    let experiment: URL
    let checkpoints: CheckpointStore
    let resume: Checkpoint?

    init(config: TrainingConfig, options: TrainingOptions) throws {
        let name = options.experimentName ?? config.name
        guard !name.isEmpty, !name.contains("/") else { throw TrainingError.invalidArgument("--exp-name", "expected a plain name, got '\(name)'") }
        experiment = URL(fileURLWithPath: options.runsDirectory).appendingPathComponent(name)
        let fm = FileManager.default
        do { try fm.createDirectory(at: experiment, withIntermediateDirectories: true) } catch {
            throw TrainingError.file(experiment.path, "cannot create the experiment folder: \(error.localizedDescription)")
        }
        checkpoints = CheckpointStore(directory: experiment.appendingPathComponent("checkpoints").path, keep: config.train.keepCheckpoints)
        if options.resume {
            resume = checkpoints.latest(warn: options.log)
            if let r = resume {
                guard r.state.stage == config.stage.rawValue else {
                    throw TrainingError.file(r.path, "is a \(r.state.stage) checkpoint; this config trains the \(config.stage.rawValue) stage")
                }
                if options.initFrom != nil { options.log("--init-from is ignored when resuming (weights come from \(r.path))") }
            } else {
                options.log("no checkpoint in \(checkpoints.directory): starting from step 0")
            }
        } else {
            resume = nil
            if let last = checkpoints.list().last {
                throw TrainingError.file(experiment.path, "already holds checkpoints (newest: step \(last.step)); pass --resume to continue it or --exp-name for a new run")
            }
        }
    }
}

/// The shared training loop: gradient accumulation, clipping, AdamW with the LR schedule, EMA, logging, progress,
/// periodic checkpoints and validation, Ctrl-C, and the final export.
final class TrainingLoop {
    let config: TrainingConfig
    let options: TrainingOptions
    let stage: TrainingStage
    let start: RunStart
    let loader: DataLoader
    let optimizer: AdamW
    let ema: EMA?
    let master: RandomGenerator
    let totalSteps: Int
    let schedule: LRSchedule
    let baseLR: Float
    var step = 0
    var elapsed = 0.0
    var lastCheckpoint: String?
    let parallel: DataParallel
    var isRoot: Bool { parallel.communicator.isRoot }

    init(config: TrainingConfig, options: TrainingOptions, stage: TrainingStage, start: RunStart, dataset: MelDataset) throws {
        self.config = config
        self.options = options
        self.stage = stage
        self.start = start
        let t = config.train
        let comm = try options.communicator ?? Distributed.world()
        parallel = DataParallel(communicator: comm, parameters: stage.trainableParameters, bucketMB: t.bucketMB)
        if comm.isDistributed && config.stage == .clap {
            throw TrainingError.invalidArgument("mpirun", "the contrastive stage trains in one process (its in-batch negatives would shrink to each rank's batch)")
        }
        if comm.isDistributed && config.train.adversarial.enabled {
            throw TrainingError.invalidArgument("mpirun", "train.disc_weight > 0 trains in one process: the discriminator steps inside the loss, on each rank's batch alone")
        }
        var position = start.resume?.state.loader ?? .init()
        if let r = start.resume, (r.state.worldSize ?? 1) != comm.size {
            position = DataShard.position(position, from: r.state.worldSize ?? 1, to: comm.size)
            options.log("resuming a run of \(r.state.worldSize ?? 1) processes on \(comm.size): data continues at epoch \(position.epoch), batch \(position.batch)")
        }
        let frames = try TrainingLoop.cropFrames(config, info: dataset.info, unit: stage.frameUnit)
        for w in TrainingLoop.dataWarnings(config, dataset: dataset, frames: frames) { options.log("warning: " + w) }
        let loaderSeed = start.resume.flatMap { UInt64($0.state.loaderSeed) } ?? DataLoader.mix(t.seed, 0x4C4F_4144, 1)
        loader = try DataLoader(dataset: dataset, batchSize: config.data.batchSize, frames: frames, seed: loaderSeed,
                                shuffle: config.data.shuffle, prefetch: config.data.prefetch,
                                position: position, dropLast: config.data.dropLast,
                                shard: DataShard(rank: comm.rank, count: comm.size, dropRemainder: config.data.shardRemainder == "drop"))
        var total = options.maxSteps ?? t.maxSteps
        if let epochs = t.maxEpochs { total = min(total, max(1, epochs * loader.batchesPerEpoch / t.gradAccumSteps)) }
        totalSteps = total
        schedule = t.schedule.schedule(totalSteps: total)
        baseLR = Float(t.learningRate)
        optimizer = AdamW(stage.trainableParameters, lr: baseLR, betas: (Float(t.adamBetas[0]), Float(t.adamBetas[1])),
                          eps: Float(t.adamEps), weightDecay: Float(t.weightDecay))
        ema = t.ema ? EMA(stage.emaParameters.map(\.1), decay: Float(t.emaDecay)) : nil
        master = RandomGenerator(seed: DataLoader.mix(t.seed, 0x5354_4550, 2))
        if let c = start.resume { try restore(c) }
    }

    /// What the data section asks that is allowed but probably not meant: crops longer than every clip (each padded
    /// with silence), and a valid split that matches no clip (validation then uses the training clips, or is skipped).
    static func dataWarnings(_ config: TrainingConfig, dataset: MelDataset, frames: Int) -> [String] {
        var out: [String] = []
        let d = config.data
        if let longest = dataset.entries.map(\.frames).max(), frames > longest {
            let fps = Double(dataset.info.sampleRate) / Double(dataset.info.audio.hopLength)
            out.append(String(format: "data.%@ asks for crops of %d frames (%.2f s), longer than every clip (the longest has %d frames, %.2f s): "
                              + "each crop is mostly padding", d.segmentFrames != nil ? "segment_frames" : "segment_seconds",
                              frames, Double(frames) / fps, longest, Double(longest) / fps))
        }
        let valid = (try? MelDataset(folder: d.dataset, split: d.validSplit))?.count ?? 0
        if valid == 0 {
            let fallback = config.stage == .clap ? "validation and recall are skipped" : "validation uses the training split"
            out.append("data.valid_split '\(d.validSplit)' matches no clip of \(d.dataset): \(fallback)")
        }
        return out
    }

    /// The crop length in mel frames: the configured length rounded up to the model's down-sampling unit.
    static func cropFrames(_ config: TrainingConfig, info: DatasetInfo, unit: Int) throws -> Int {
        let d = config.data
        let checks: [(String, Int?, Int)] = [("sample_rate", d.sampleRate, info.sampleRate), ("n_mels", d.numMels, info.audio.nMels),
                                            ("n_fft", d.nFFT, info.audio.nFFT), ("hop_length", d.hopLength, info.audio.hopLength)]
        for (k, want, have) in checks {
            if let want, want != have {
                throw TrainingError.config(key: "data.\(k)", found: "\(want)", expected: "\(have), the value the dataset \(d.dataset) was preprocessed with")
            }
        }
        guard info.audio.nMels % unit == 0 else {
            throw TrainingError.config(key: "data.n_mels", found: "\(info.audio.nMels)",
                                       expected: "a multiple of \(unit) (the model's down-sampling of the mel axis); use fewer down blocks")
        }
        let raw = d.segmentFrames ?? Int((d.segmentSeconds! * Double(info.sampleRate) / Double(info.audio.hopLength)).rounded())
        return max(unit, (raw + unit - 1) / unit * unit)
    }

    func restore(_ c: Checkpoint) throws {
        let s = c.state
        do { try stage.module.load(stateDict: try c.tensors(prefix: "model.")) } catch let e as NNError {
            throw TrainingError.file(c.path, "model weights do not fit: \(e.description)")
        }
        try optimizer.load(stateDict: try c.tensors(prefix: "optimizer."))
        if let ema {
            let saved = try c.tensors(prefix: "ema.")
            let values = try stage.emaParameters.map { name, _ -> Tensor in
                guard let t = saved[name] else { throw TrainingError.file(c.path, "no EMA weight 'ema.\(name)' (train.ema was off in that run?)") }
                return t
            }
            try ema.load(shadow: values, updates: s.emaUpdates ?? 0)
        }
        try stage.restoreExtra(from: c)
        master.state = try CheckpointState.decodeState(s.rng["trainer"], name: "trainer")
        if s.rng["init"] != nil { NNRandom.generator.state = try CheckpointState.decodeState(s.rng["init"], name: "init") }
        step = s.step
        elapsed = s.elapsed
        lastCheckpoint = c.path
        loader.seek(DataShard.position(s.loader, from: s.worldSize ?? 1, to: parallel.communicator.size))
        options.log("resumed \(start.experiment.lastPathComponent) from step \(s.step) (\(c.path))")
    }

    func state(finished: Bool) -> CheckpointState {
        var s = CheckpointState(stage: config.stage.rawValue, step: step, config: config.yaml, modelConfig: stage.modelConfigJSON,
                                rng: ["trainer": CheckpointState.encodeState(master), "init": CheckpointState.encodeState(NNRandom.generator)],
                                lrStep: step, totalSteps: totalSteps, loader: loader.position, loaderSeed: String(loader.seed),
                                emaUpdates: ema?.updates, finished: finished, elapsed: elapsed)
        if parallel.isDistributed { s.worldSize = parallel.communicator.size }
        stage.fill(&s)
        return s
    }

    func groups() -> [String: [String: Tensor]] {
        var g = stage.extraTensors()
        g["model."] = stage.module.stateDict()
        g["optimizer."] = optimizer.stateDict()
        if let ema { g["ema."] = Dictionary(uniqueKeysWithValues: zip(stage.emaParameters.map(\.0), ema.shadow)) }
        return g
    }

    @discardableResult
    func checkpoint(finished: Bool = false, state: CheckpointState? = nil) throws -> String {
        // Every rank holds the same weights; one writer keeps the file whole.
        guard isRoot else { return lastCheckpoint ?? "" }
        let p = try start.checkpoints.save(groups(), state: state ?? self.state(finished: finished))
        lastCheckpoint = p
        return p
    }

    func run() throws -> TrainingResult {
        let t = config.train
        let params = stage.trainableParameters
        let log = isRoot ? try RunLog(path: start.experiment.appendingPathComponent("log.jsonl").path, truncateAfter: start.resume?.state.step) : nil
        if isRoot { try AtomicFile.write(Data(config.yaml.utf8), to: start.experiment.appendingPathComponent("config.yaml").path) }
        if parallel.isDistributed { try startTogether() }
        let bar = ProgressBar(total: totalSteps, mode: options.progress)
        // Ctrl-C and SIGTERM only set the flag; the loop checkpoints and stops at the next step. Driven from
        // Lua, the chunk runner routes Ctrl-C to the same flag, and a press before this point still counts.
        if options.handleSignals {
            Interrupt.reset()
            // mpirun answers Ctrl-C with SIGCONT to every rank, then SIGTERM and SIGKILL a second apart
            // (odls_base_sigkill_timeout): SIGCONT is the early warning that leaves time to checkpoint.
            Interrupt.install(signals: parallel.isDistributed ? [SIGINT, SIGTERM, SIGCONT] : [SIGINT, SIGTERM])
            if parallel.isDistributed { LauncherSignals.install(rank: parallel.communicator.rank, size: parallel.communicator.size) }
        }
        defer { if options.handleSignals { Interrupt.uninstall() } }
        stage.module.train()

        var losses: [LossPoint] = []
        var window: [String: Double] = [:], windowSteps = 0
        var rate = 0.0, processSeconds = 0.0, processSteps = 0
        var stepSeconds: [Double] = []
        var lastLoss = Double.nan
        var interrupted = false
        let startStep = step
        if step >= totalSteps { options.log("the run already reached step \(step) of \(totalSteps)") }

        // Under mpirun a rank's Ctrl-C is agreed at the end of a step, so every rank stops after the same one.
        var stopAgreed = false
        var windowComm = 0.0, windowSeconds = 0.0
        while step < totalSteps {
            if stopAgreed || !parallel.isDistributed && Interrupt.requested || (options.stopAtStep.map { step >= $0 } ?? false) && step > startStep {
                interrupted = true
                break
            }
            parallel.injectFault(step: step + 1)
            parallel.startStep()
            var stoppedInside = false
            let t0 = DispatchTime.now().uptimeNanoseconds
            let positionBefore = loader.position, masterBefore = master.state
            var parts: [String: Double] = [:]
            var norm: Float = 0, lr: Float = 0
            stage.stepStarted(step)
            do {
                let rng = RandomGenerator(seed: master.nextUInt64())
                optimizer.zeroGrad()
                for i in 0..<t.gradAccumSteps {
                    let batch = try loader.next()
                    if i == t.gradAccumSteps - 1 { parallel.arm() }
                    let (loss, named) = try stage.loss(batch, rng: rng)
                    let value = Double(loss.item)
                    guard value.isFinite else {
                        throw TrainingError.invalidArgument("loss", "became \(value) at step \(step + 1); the last checkpoint is \(lastCheckpoint ?? "none"); try a lower train.learning_rate or train.grad_clip")
                    }
                    try (t.gradAccumSteps > 1 ? loss * (1 / Float(t.gradAccumSteps)) : loss).backward()
                    parts["loss", default: 0] += value / Double(t.gradAccumSteps)
                    for (k, v) in named { parts[k, default: 0] += v / Double(t.gradAccumSteps) }
                }
                try Interrupt.check()
            } catch is Interrupt.Interrupted {
                stoppedInside = true
            }
            // Every rank ends the step with the same collectives (gradients averaged, flags and losses agreed).
            let agreed = try parallel.finishStep(stoppedInside: stoppedInside, stopRequested: Interrupt.requested, parts: parts)
            if agreed.undo {
                // A long op inside the step saw Ctrl-C or SIGTERM: the step is undone (data position, generator,
                // gradients), so the checkpoint is the last whole step's and --resume repeats this one exactly.
                loader.seek(positionBefore)
                master.state = masterBefore
                optimizer.zeroGrad()
                try stage.stepUndone()
                interrupted = true
                break
            }
            parts = agreed.parts
            stopAgreed = parallel.isDistributed && agreed.stop
            norm = clipGradNorm(params, maxNorm: t.gradClip > 0 ? Float(t.gradClip) : .greatestFiniteMagnitude)
            lr = baseLR * schedule.factor(step: step)
            optimizer.learningRate = lr
            try optimizer.step()
            optimizer.zeroGrad()
            ema?.update(stage.emaParameters.map(\.1))
            step += 1

            let seconds = Double(DispatchTime.now().uptimeNanoseconds - t0) / 1e9
            elapsed += seconds
            processSeconds += seconds
            processSteps += 1
            stepSeconds.append(seconds)
            windowComm += parallel.stepCommSeconds
            windowSeconds += seconds
            rate = rate == 0 ? 1 / seconds : 0.9 * rate + 0.1 / seconds
            lastLoss = parts["loss"]!
            losses.append(LossPoint(step: step, loss: lastLoss))
            for (k, v) in parts { window[k, default: 0] += v }
            windowSteps += 1
            bar.update(step: step, loss: lastLoss, stepsPerSecond: rate)

            if step % t.logEvery == 0 || step == totalSteps {
                var record: [String: Any] = ["step": step, "epoch": loader.position.epoch, "lr": Double(lr), "grad_norm": Double(norm),
                                             "steps_per_sec": rate, "elapsed": elapsed]
                for (k, v) in window { record[k] = v / Double(windowSteps) }
                if parallel.isDistributed {
                    record["processes"] = parallel.communicator.size
                    record["comm_share"] = windowSeconds > 0 ? windowComm / windowSeconds : 0
                }
                windowComm = 0
                windowSeconds = 0
                log?.append(record)
                window = [:]
                windowSteps = 0
            }
            if step % t.checkpointEvery == 0 && step < totalSteps {
                let p = try checkpoint()
                bar.clearLine()
                options.log("checkpoint: \(p)")
            }
            if t.validateEvery > 0 && step % t.validateEvery == 0 {
                bar.clearLine()
                var record: [String: Any]?
                do { record = isRoot ? try stage.validate(step: step, experiment: start.experiment, ema: ema) : nil } catch is Interrupt.Interrupted {
                    stage.module.train()
                    // Under mpirun the other ranks are already in the next step: the flag stays set, so that step's
                    // agreement stops every rank.
                    guard parallel.isDistributed else { interrupted = true; break }
                }
                stage.module.train()
                if var record {
                    record["step"] = step
                    record["kind"] = "valid"
                    log?.append(record)
                }
            }
            if let onStep = options.onStep, try parallel.anyRank(!onStep(step, lastLoss)), step < totalSteps {
                interrupted = true
                break
            }
        }
        bar.update(step: step, loss: lastLoss, stepsPerSecond: rate, force: true)
        bar.clearLine()

        var exported: URL?
        if interrupted {
            let p = try checkpoint()
            options.log("stopped at step \(step) of \(totalSteps); checkpoint: \(p) (continue with --resume)")
        } else {
            var final = state(finished: true)
            exported = isRoot ? try stage.finish(experiment: start.experiment, ema: ema, state: &final, export: options.exportAtEnd) : nil
            let p = try checkpoint(state: final)
            options.log("finished \(step) steps; checkpoint: \(p)" + (exported.map { "; model: \($0.path)" } ?? ""))
        }
        // The next run (a Lua segment, a resume) reads what rank 0 just wrote.
        if parallel.isDistributed { try parallel.communicator.barrier() }
        return TrainingResult(experiment: start.experiment, step: step, totalSteps: totalSteps, interrupted: interrupted,
                              checkpoint: lastCheckpoint, exported: exported, losses: losses,
                              secondsPerStep: processSteps > 0 ? processSeconds / Double(processSteps) : 0, stepSeconds: stepSeconds)
    }
}
