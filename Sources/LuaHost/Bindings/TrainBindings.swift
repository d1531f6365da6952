import CLua
import CLuaShim
import Foundation
import Tensors
import Training

// Lua bindings of training: `foley.train.vae`/`ldm` (a Trainer from a YAML file or a Lua table),
// `foley.train.preprocess`, and the `Trainer` userdata.
//
// The Training module runs a whole schedule per call (TrainingLoop is internal), stopping after a
// given step with a checkpoint and resuming bit-exactly. A Trainer drives it in segments: `:step()`
// is a segment of one step, `:run{steps = n}` one of n steps (one step at a time when on_step is
// given, so the callback sees every step live and can stop the run). Ctrl-C stops a segment at the
// next step boundary with a checkpoint written, then raises "interrupted!".

/// A training run held by Lua: its config and where it has got to.
public final class TrainerObject: LuaObject {
    public static var luaTypeName: String { "Trainer" }
    let config: TrainingConfig
    var runs: String
    var name: String?
    var initFrom: String?
    var verbose: Bool
    /// A progress line (step, loss, steps/s, ETA) on a terminal's stderr while a segment runs.
    var progress = true
    /// Steps completed, the schedule's length, the last checkpoint, the exported model folder.
    var step = 0
    var totalSteps: Int
    var checkpoint: String?
    var exported: String?
    var experiment: String?
    var losses: [LossPoint] = []
    var started = false

    init(config: TrainingConfig, runs: String, name: String?, initFrom: String?, verbose: Bool) {
        self.config = config
        self.runs = runs
        self.name = name
        self.initFrom = initFrom
        self.verbose = verbose
        totalSteps = config.train.maxSteps
    }

    var finished: Bool { step >= totalSteps }

    func options(stopAfter: Int?, log: @escaping (String) -> Void) -> TrainingOptions {
        var o = TrainingOptions()
        o.runsDirectory = runs
        o.experimentName = name
        o.resume = started
        o.initFrom = started ? nil : initFrom
        o.stopAtStep = stopAfter
        o.progress = progress ? .auto : .quiet
        o.handleSignals = false
        o.log = log
        // Under mpirun only rank 0 draws the progress line (the script's prints are its own affair).
        if let c = Distributed.existing, !c.isRoot { o.progress = .quiet }
        return o
    }

    /// Runs one segment (to step `stopAfter`, or to the end), `onStep` seeing each step; returns the log messages.
    func segment(stopAfter: Int?, onStep: ((Int, Double) throws -> Bool)? = nil) throws -> [String] {
        final class Messages: @unchecked Sendable { var lines: [String] = [] }
        let messages = Messages()
        let verbose = self.verbose
        var o = options(stopAfter: stopAfter) { m in
            messages.lines.append(m)
            if verbose { Output.emitError(m + "\n") }
        }
        o.onStep = onStep
        if let draw = Display.progress {
            // A notebook draws the steps as a bar (a terminal has the trainer's own progress line).
            let total = stopAfter ?? totalSteps
            o.onStep = { s, loss in
                draw("train", s, total)
                return try onStep?(s, loss) ?? true
            }
        }
        // Ctrl-C in the chunk sets the one interrupt flag the training loop polls.
        let result = try TrainingRunner.run(config: config, options: o)
        started = true
        step = result.step
        totalSteps = result.totalSteps
        checkpoint = result.checkpoint ?? checkpoint
        exported = result.exported?.path ?? exported
        experiment = result.experiment.path
        losses += result.losses
        return messages.lines
    }
}

extension Lua {
    public func trainer(_ i: Int32) throws -> TrainerObject { try object(i, as: TrainerObject.self) }
}

public enum TrainBindings {
    /// A config from a YAML path, a YAML string (with a newline) or a Lua table (as JSON, which is YAML).
    static func config(_ lua: Lua, _ i: Int32) throws -> TrainingConfig {
        if lua.isString(i) {
            let s = try lua.string(i)
            return s.contains("\n") ? try TrainingConfig.parse(yaml: s) : try TrainingConfig.load(path: s)
        }
        guard lua.isTable(i) else { throw lua.typeError(i, "config path or table") }
        let json = try JSONSerialization.data(withJSONObject: try lua.value(i), options: [.sortedKeys])
        return try TrainingConfig.parse(yaml: String(decoding: json, as: UTF8.self), defaultName: "lua-run")
    }

    /// A Trainer for a config of one of `stages` (a VAE family's or a diffusion model's).
    static func make(_ lua: Lua, stages: [TrainingConfig.Stage]) throws -> Int32 {
        let c = try config(lua, 1)
        guard stages.contains(c.stage) else {
            throw lua.argError(1, "a \(stages.contains(.vae) ? "VAE (model.type: AutoencoderKL or AutoencoderOobleck)" : "diffusion model (model.type: AudioLDM or StableAudioDiTModel)") config expected, got a \(c.stage.rawValue) config")
        }
        if !lua.isNoneOrNil(2) {
            try lua.checkTable(2)
            try lua.checkOptionKeys(2, ["runs", "name", "init_from", "verbose", "progress"], what: "trainer option")
        }
        let runs = try lua.option(2, "runs") { try lua.string($0) } ?? "runs"
        let name = try lua.option(2, "name") { try lua.string($0) }
        let initFrom = try lua.option(2, "init_from") { try lua.string($0) }
        let verbose = try lua.option(2, "verbose") { try lua.bool($0) } ?? false
        let trainer = TrainerObject(config: c, runs: runs, name: name, initFrom: initFrom, verbose: verbose)
        trainer.progress = try lua.option(2, "progress") { try lua.bool($0) } ?? true
        lua.push(trainer)
        return 1
    }

    /// Raises "interrupted!" if Ctrl-C stopped the segment (its checkpoint is written).
    static func checkInterrupted() throws {
        try Interrupt.check()
    }

    static let trainerHelp = """
    Trainer: a training run (fields steps_done, total_steps, finished, experiment, checkpoint, exported, losses).
    """

    public static func register(_ lua: LuaState) {
        lua.register(library: "train", help: "foley.train: train a VAE or a latent diffusion model from Lua.", [
            LuaFunction("vae", """
            vae(config[, {runs = "runs", name =, init_from =, verbose = false, progress = true}]) -> Trainer
            A VAE (stage 1) run: config is a YAML path, YAML text or a Lua table in the same shape;
            "recipe.yaml#stage" picks one stage of a recipe (e.g. "configs/default-model.yaml#default-vae").
            The run writes runs/<name>/ (checkpoints, log.jsonl, the exported vae/ at the end).
            model.type AutoencoderOobleck trains Stable Audio's waveform VAE instead of the mel one.
            """) { lua in try make(lua, stages: [.vae, .oobleck]) },
            LuaFunction("ldm", """
            ldm(config[, {runs = "runs", name =, init_from =, verbose = false, progress = true}]) -> Trainer
            A latent diffusion (stage 2) run; config as for vae (model.pretrained_vae names the VAE).
            model.type StableAudioDiTModel trains a DiT as a rectified flow over an Oobleck's latents.
            """) { lua in try make(lua, stages: [.ldm, .dit]) },
            LuaFunction("preprocess", """
            preprocess{audio_dir =, text_dir =, output =, seconds = 10.24, min_seconds = 0.5, valid_fraction = 0.05} -> table
            Turns a folder of audio and captions into a training dataset (as `foley preprocess`); returns
            {written =, already_done =, skipped =, summary =}.
            """) { lua in
                try lua.checkTable(1)
                try lua.checkOptionKeys(1, ["audio_dir", "text_dir", "output", "seconds", "min_seconds", "valid_fraction"], what: "preprocess option")
                func s(_ k: String) throws -> String? { try lua.option(1, k) { try lua.string($0) } }
                guard let text = try s("text_dir"), let out = try s("output") else {
                    throw lua.argError(1, "text_dir and output expected")
                }
                var o = PreprocessOptions(audioDir: try s("audio_dir"), textSource: text, outputDir: out)
                if let v = try lua.option(1, "seconds", { try lua.number($0) }) { o.seconds = v }
                if let v = try lua.option(1, "min_seconds", { try lua.number($0) }) { o.minSeconds = v }
                if let v = try lua.option(1, "valid_fraction", { try lua.number($0) }) { o.validFraction = v }
                let r = try Preprocessor.run(o)
                lua_createtable(lua.L, 0, 4)
                lua.setField(-1, "written") { lua.push(r.written) }
                lua.setField(-1, "already_done") { lua.push(r.alreadyDone) }
                lua.setField(-1, "skipped") { lua.push(r.skipped.count) }
                lua.setField(-1, "summary") { lua.push(r.summary) }
                return 1
            },
        ])
        lua.register(type: TrainerObject.self, help: trainerHelp, methods: [
            LuaMethod("step", """
            t:step() -> number
            One optimizer step (a checkpoint written after it); returns its loss.
            """) { lua, t in
                guard !t.finished else { throw LuaRuntimeError("the run already finished (\(t.step) of \(t.totalSteps) steps)") }
                _ = try t.segment(stopAfter: t.step + 1)
                try checkInterrupted()
                lua.push(t.losses.last?.loss ?? .nan)
                return 1
            },
            LuaMethod("run", """
            t:run{steps =, on_step = function(step, loss) end, on_checkpoint = function(path) end,
                  on_validation = function(step, record) end} -> Trainer
            Trains `steps` more steps (default: to train.max_steps), with a progress line on a terminal.
            on_step sees every step as it ends (returning false stops there, with a checkpoint); checkpoints
            are train.checkpoint_every's either way. on_checkpoint gets each checkpoint written, on_validation
            each validation record. Ctrl-C stops cleanly (a checkpoint is written) and raises "interrupted!".
            """) { lua, t in
                if !lua.isNoneOrNil(2) { try lua.checkTable(2) }
                let steps = try lua.option(2, "steps") { try lua.integer($0) }
                if let steps, steps < 1 { throw lua.argError(2, "option 'steps': positive integer expected, got \(steps)") }
                let L = lua.L
                func fn(_ key: String) throws -> Int32? {
                    guard lua.isTable(2) else { return nil }
                    lua.push(key)
                    lua_rawget(L, 2)
                    if lua_type(L, -1) == LUA_TFUNCTION { return lua_gettop(L) }
                    if lua_type(L, -1) != LUA_TNIL { throw lua.argError(2, "option '\(key)': function expected, got \(lua.typeName(-1))") }
                    lua_settop(L, -2)
                    return nil
                }
                let onStep = try fn("on_step"), onCheckpoint = try fn("on_checkpoint"), onValidation = try fn("on_validation")
                let target = min(t.totalSteps, t.step + (steps ?? t.totalSteps))
                func report(_ messages: [String], from first: Int) throws {
                    if let f = onCheckpoint {
                        var seen = Set<String>()
                        for m in messages {
                            guard let r = m.range(of: "checkpoint: ") else { continue }
                            let path = String(m[r.upperBound...].prefix { $0 != " " && $0 != ";" })
                            guard seen.insert(path).inserted else { continue }
                            _ = try lua.callback(f, nargs: 1) { lua.push(path) }
                        }
                    }
                    if let f = onValidation, let exp = t.experiment {
                        let log = (try? String(contentsOfFile: exp + "/log.jsonl", encoding: .utf8)) ?? ""
                        for line in log.split(separator: "\n") {
                            guard let o = try? JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any],
                                  o["kind"] as? String == "valid", let s = o["step"] as? Int, s > first, s <= t.step else { continue }
                            _ = try lua.callback(f, nargs: 2) { lua.push(s); SamplerBindings.pushJSON(lua, o) }
                        }
                    }
                }
                if t.step < target {
                    let before = t.step
                    // on_step watches from inside the one segment: checkpoints stay train.checkpoint_every's.
                    let watch = onStep.map { f in { (step: Int, loss: Double) throws -> Bool in
                        try lua.callback(f, nargs: 2) { lua.push(step); lua.push(loss) }
                    } }
                    let messages = try t.segment(stopAfter: target < t.totalSteps ? target : nil, onStep: watch)
                    try checkInterrupted()
                    try report(messages, from: before)
                }
                lua_pushvalue(L, 1)
                return 1
            },
            LuaMethod("save", "t:save(path)\nCopies the newest checkpoint (weights, optimizer, data position) to path.") { lua, t in
                let path = try lua.string(2)
                guard let c = t.checkpoint else { throw LuaRuntimeError("no checkpoint yet: run a step first") }
                let fm = FileManager.default
                if fm.fileExists(atPath: path) { try fm.removeItem(atPath: path) }
                try fm.copyItem(atPath: c, toPath: path)
                return 0
            },
            LuaMethod("export", """
            t:export(dir)
            Writes the trained model from the newest checkpoint: a diffusers vae/ folder (VAE runs, with the
            measured scaling factor) or the model folder generate loads (LDM runs).
            """) { lua, t in
                let dir = URL(fileURLWithPath: try lua.string(2))
                guard t.started else { throw LuaRuntimeError("nothing trained yet: run a step first") }
                var o = t.options(stopAfter: nil) { _ in }
                o.resume = true
                try TrainingRunner.export(config: t.config, options: o, to: dir)
                return 0
            },
        ], metamethods: [
            fieldIndex(TrainerObject.self, [
                "steps_done": { lua, t in lua.push(t.step) },
                "total_steps": { lua, t in lua.push(t.totalSteps) },
                "finished": { lua, t in lua.push(t.finished) },
                "stage": { lua, t in lua.push(t.config.stage.rawValue) },
                "experiment": { lua, t in if let e = t.experiment { lua.push(e) } else { lua.pushNil() } },
                "checkpoint": { lua, t in if let c = t.checkpoint { lua.push(c) } else { lua.pushNil() } },
                "exported": { lua, t in if let e = t.exported { lua.push(e) } else { lua.pushNil() } },
                "losses": { lua, t in lua.push(numbers: t.losses.map(\.loss)) },
            ]),
            LuaFunction("__tostring") { lua in
                let t = try lua.trainer(1)
                lua.push("Trainer(\(t.config.stage.rawValue) \(t.config.name), step \(t.step) of \(t.totalSteps))")
                return 1
            },
            LuaFunction("__short") { lua in lua.push("Trainer(\(try lua.trainer(1).config.name))"); return 1 },
        ])
    }
}
