import ArgumentParser
import Foundation
import Diffusion
import Training
import Tensors

/// `foley preprocess`: audio + captions -> log-mel shards and a manifest that `foley train` reads.
struct Preprocess: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Pair audio with captions, resample to mono, compute log-mels and write a training dataset.",
        discussion: """
        Captions come from --text-dir: a folder of .txt files mirroring --audio-dir (A/x.wav <-> T/x.txt, one caption \
        a line), an AudioCaps CSV (audiocap_id, youtube_id, start_time, caption), a Clotho CSV (file_name, \
        caption_1..caption_5) or a JSONL manifest of {"audio": path, "caption": text} (paths relative to --audio-dir, \
        else to the manifest). Unreadable, uncaptioned and too-short files are reported and skipped; re-running skips \
        clips already done.
        """)

    @Option(help: "Folder of audio files (searched recursively; optional with a JSONL manifest).")
    var audioDir: String?

    @Option(help: "Captions: a folder of .txt files, an AudioCaps/Clotho .csv, or a .jsonl manifest.")
    var textDir: String?

    @Flag(help: "Instead: cache the VAE posterior of every clip of the dataset in --output-dir (for data.latents: true).")
    var latents = false

    @Option(help: "With --latents: the model folder (or vae/ folder or stage-1 checkpoint) whose VAE encodes the clips.")
    var model: String?

    @Option(help: "Where to write dataset.json, manifest.jsonl, shards/ and skipped.jsonl.")
    var outputDir: String

    @Option(help: "Sample rate to resample to (Hz).")
    var sampleRate = 16000

    @Option(help: "Keep at most this many seconds of each clip.")
    var seconds = 10.24

    @Option(help: "Skip clips shorter than this (seconds).")
    var minSeconds = 0.5

    @Option(help: "Fraction of clips put in the valid split (by a seeded hash of the clip id).")
    var validFraction = 0.05

    @Option(help: "A file of clip ids (or file names), one a line, forming the valid split instead.")
    var validList: String?

    @Option(help: "Seed of the train/valid split.")
    var splitSeed: UInt64 = 0

    @Option(help: "Clips per safetensors shard.")
    var shardSize = 256

    @Option(help: "STFT size of the log-mel.")
    var nFFT = 1024

    @Option(help: "Hop length of the log-mel (samples).")
    var hopLength = 160

    @Option(help: "Mel bands.")
    var numMels = 64

    @Option(help: "Highest mel frequency (Hz).")
    var fMax = 8000.0

    func run() throws {
        if latents { return try cacheLatents() }
        guard let textDir else { throw ValidationError("--text-dir: where the captions are (a folder of .txt files, a .csv or a .jsonl); or --latents") }
        var o = PreprocessOptions(audioDir: audioDir, textSource: textDir, outputDir: outputDir)
        o.audio.sampleRate = sampleRate
        o.seconds = seconds
        o.minSeconds = minSeconds
        o.validFraction = validFraction
        o.validList = validList
        o.splitSeed = splitSeed
        o.shardSize = shardSize
        o.audio.nFFT = nFFT
        o.audio.hopLength = hopLength
        o.audio.nMels = numMels
        o.audio.fMax = fMax
        do {
            let report = try Preprocessor.run(o) { FileHandle.standardError.write(Data(($0 + "\n").utf8)) }
            print(report.summary)
            if !report.skipped.isEmpty {
                print("skipped files and reasons: \((outputDir as NSString).appendingPathComponent(Preprocessor.skippedName))")
            }
        } catch let e as TrainingError {
            FileHandle.standardError.write(Data("foley preprocess: \(e.description)\n".utf8))
            throw ExitCode(1)
        }
    }
}

extension Preprocess {
    /// `--latents`: encodes the dataset's clips with a model's VAE into `output-dir/latents/`.
    func cacheLatents() throws {
        guard let model = model ?? DefaultModel.locate()?.path else {
            throw ValidationError("--latents needs --model DIR (the model whose VAE the LDM run will freeze)")
        }
        do {
            let info = try LatentCache.build(dataset: outputDir, model: model, shardSize: shardSize) {
                FileHandle.standardError.write(Data(($0 + "\n").utf8))
            }
            print("cached the posteriors of \(info.clips) clips in \(outputDir)/\(LatentCache.folderName) (VAE \(info.vae))")
        } catch let e as TrainingError {
            FileHandle.standardError.write(Data("foley preprocess --latents: \(e.description)\n".utf8))
            throw ExitCode(1)
        }
    }
}

/// `foley train CONFIG`: the stage the config's model.type names (a VAE, a diffusion model, the contrastive model).
struct Train: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Train a model from a YAML config: model.type AutoencoderKL or AudioLDM (AudioLDM's two stages), AutoencoderOobleck or StableAudioDiTModel (Stable Audio's), or ContrastiveAudioText.",
        discussion: """
        Writes runs/<exp-name>/: config.yaml, log.jsonl (every logged step), checkpoints/ (atomic, the last \
        train.keep_checkpoints kept), samples/ (validation), and at the end vae/ (stage 1: a diffusers VAE folder with \
        the measured scaling factor; an Oobleck's vae/ folder) or model/ (a Foley model folder, or for the DiT a \
        StableAudioPipeline folder, for `foley generate`). Ctrl-C writes a \
        checkpoint and exits; --resume continues from it to the bit.
        """)

    @Argument(help: "The YAML config (see configs/), or a recipe of stages with --stage.")
    var config: String

    @Option(help: "The stage of a recipe config (a file with a `stages:` list, e.g. configs/default-model.yaml) to train.")
    var stage: String?

    @Flag(help: "Continue the experiment from its newest checkpoint.")
    var resume = false

    @Option(help: "Experiment name (default: the config's name); the run goes to <runs-dir>/<name>.")
    var expName: String?

    @Option(help: "Folder holding the experiments.")
    var runsDir = "runs"

    @Option(help: "Fine-tune from a Foley checkpoint, a diffusers model folder, or a Foley/AudioLDM folder holding vae/ or unet/.")
    var initFrom: String?

    @Option(help: "Override train.max_steps.")
    var maxSteps: Int?

    @Option(help: "Export a checkpoint as a model folder (vae/ or Foley folder) to this path instead of training; CONFIG is then the checkpoint.")
    var exportTo: String?

    @Flag(help: "Store exported weights as float16 (half the size; loaded back as float32).")
    var half = false

    func run() throws {
        if half { ModelExport.storage = .f16 }
        if let exportTo {
            do { try ModelExport.export(checkpoint: config, to: URL(fileURLWithPath: exportTo)) } catch let e as TrainingError {
                FileHandle.standardError.write(Data("foley train: \(e.description)\n".utf8))
                throw ExitCode(1)
            }
            print("exported \(config) to \(exportTo)")
            return
        }
        // Under mpirun this joins the job (MPI_Init); alone it is a single process and nothing changes.
        let comm: Communicator
        do { comm = try Distributed.world() } catch {
            FileHandle.standardError.write(Data("foley train: cannot join the MPI job: \(error)\n".utf8))
            throw ExitCode(1)
        }
        let status: Int32
        do { status = try train(comm) } catch {
            let message = (error as? TrainingError)?.description ?? "\(error)"
            // One rank's error ends the whole job at once: the others would wait for it in a collective forever.
            let who = comm.isDistributed ? " (rank \(comm.rank) of \(comm.size); ending the job)" : ""
            FileHandle.standardError.write(Data("foley train: \(message)\(who)\n".utf8))
            if comm.isDistributed { comm.abort(code: 1) }
            throw ExitCode(1)
        }
        // Stopped by a signal under mpirun: the launcher is tearing the job down and MPI_Finalize would wait on it.
        if status != 0 && comm.isDistributed {
            fflush(stdout)
            _exit(status)
        }
        comm.finalize()
        if status != 0 { throw ExitCode(status) }
    }

    /// Under mpirun (a script that used foley.dist or trained), leaves the job: cleanly when this rank succeeded,
    /// else ending every rank, which would otherwise wait for this one in a collective.
    static func leaveJob(status: Int32) {
        guard let c = Distributed.existing, c.isDistributed else { return }
        if status == 0 { c.finalize() } else { c.abort(code: status) }
    }

    /// Trains; returns the exit status (non-zero when stopped by a signal).
    func train(_ comm: Communicator) throws -> Int32 {
        let cfg = try TrainingConfig.load(path: config, stage: stage)
        var o = TrainingOptions()
        o.resume = resume
        o.experimentName = expName
        o.runsDirectory = runsDir
        o.initFrom = initFrom
        o.maxSteps = maxSteps
        o.communicator = comm
        // Only rank 0 speaks: the others hold the same weights and would print the same lines.
        if !comm.isRoot {
            o.log = { _ in }
            o.progress = .quiet
        }
        let r = try TrainingRunner.run(config: cfg, options: o)
        guard comm.isRoot else { return r.interrupted && Interrupt.requested ? 128 + SIGINT : 0 }
        if r.interrupted {
            print("stopped at step \(r.step) of \(r.totalSteps); resume with: foley train \(config)" + (stage.map { " --stage \($0)" } ?? "") + " --resume" + (expName.map { " --exp-name \($0)" } ?? ""))
            // Stopped by a signal: the status says so (130 for Ctrl-C, 143 for SIGTERM), as a killed process's would.
            if Interrupt.requested { return Interrupt.flag.pointee == SIGCONT ? 128 + SIGINT : Interrupt.exitStatus }
        } else {
            print("trained \(r.step) steps" + (r.exported.map { "; model: \($0.path)" } ?? ""))
        }
        return 0
    }
}
