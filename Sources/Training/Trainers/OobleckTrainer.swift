import Audio
import Diffusion
import Foundation
import NN
import Tensors

/// The Stable Audio family's first stage: trains an AutoencoderOobleck on the dataset's waveforms (mono, at the
/// rate it was preprocessed at). Loss = multi-resolution STFT loss of the decoded posterior sample
/// + waveform_l1_weight x L1 + kl_weight x the KL per element, as Stable Audio's autoencoder recipe without its
/// discriminator. Exports a diffusers `vae/` folder with weight-normalised convolutions, as AutoencoderOobleck loads.
public final class OobleckTrainer {
    public let config: TrainingConfig
    public let options: TrainingOptions
    public let vae: AutoencoderOobleck
    public let dataset: MelDataset
    let stage: OobleckStage
    let loop: TrainingLoop

    public var experiment: URL { loop.start.experiment }
    public var step: Int { loop.step }
    public var totalSteps: Int { loop.totalSteps }
    public var loader: DataLoader { loop.loader }

    public init(config: TrainingConfig, options: TrainingOptions = TrainingOptions()) throws {
        guard config.stage == .oobleck, var vc = config.oobleck else {
            throw TrainingError.config(key: "model.type", found: "a \(config.stage.rawValue) config", expected: "AutoencoderOobleck for OobleckTrainer")
        }
        self.config = config
        self.options = options
        let start = try RunStart(config: config, options: options)
        dataset = try MelDataset(folder: config.data.dataset, split: config.data.trainSplit)
        NNRandom.manualSeed(config.train.seed)
        var initWeights: [String: Tensor]?
        if let r = start.resume {
            vc = try ModelConfig.decode(AutoencoderOobleckConfig.self, from: Data(r.state.modelConfig.utf8), path: r.path)
        } else if let from = options.initFrom {
            let src = try OobleckSource.resolve(from, log: options.log)
            vc = src.vae.config
            initWeights = src.vae.stateDict()
            options.log("initialized the Oobleck from \(src.description)")
        }
        vc.samplingRate = dataset.info.sampleRate
        guard vc.audioChannels == 1 else {
            throw TrainingError.config(key: "model", found: "an Oobleck of \(vc.audioChannels) audio channels", expected: "1: datasets hold mono audio")
        }
        do { vae = try AutoencoderOobleck(config: vc) } catch let e as DiffusionError {
            throw TrainingError.config(key: "model", found: "an AutoencoderOobleck it cannot build", expected: e.description)
        }
        if let w = initWeights {
            do { try vae.load(stateDict: w) } catch { throw TrainingError.file(options.initFrom!, "weights do not fit the Oobleck: \(error)") }
        }
        let clips = try WaveformClips(dataset: dataset)
        stage = OobleckStage(config: config, vae: vae, clips: clips)
        loop = try TrainingLoop(config: config, options: options, stage: stage, start: start, dataset: dataset)
    }

    /// Trains to `train.max_steps` (or until Ctrl-C / `stopAtStep`); at the end exports `experiment/vae/`.
    public func run() throws -> TrainingResult { try loop.run() }

    /// The loss terms of one batch from the posterior mean, without updating anything.
    public func evaluate(_ batch: DataLoader.Batch) throws -> [String: Double] {
        try GradMode.noGrad { try stage.terms(try stage.waveforms(batch), rng: nil).values }
    }

    /// Writes a diffusers `vae/` folder (EMA weights when enabled).
    public func export(to folder: URL) throws { try stage.export(to: folder, ema: loop.ema) }
}

final class OobleckStage: TrainingStage {
    let config: TrainingConfig
    let vae: AutoencoderOobleck
    let clips: WaveformClips
    let named: [(String, Tensor)]
    let stft: MultiResolutionSTFTLoss

    init(config: TrainingConfig, vae: AutoencoderOobleck, clips: WaveformClips) {
        self.config = config
        self.vae = vae
        self.clips = clips
        named = vae.namedParameters()
        stft = MultiResolutionSTFTLoss(ffts: config.train.stftResolutions)
    }

    var stage: TrainingConfig.Stage { .oobleck }
    var module: Module { vae }
    var trainableParameters: [Tensor] { named.map(\.1) }
    var emaParameters: [(String, Tensor)] { named }
    var modelConfigJSON: String { (try? ModelExport.jsonString(vae.config, className: "AutoencoderOobleck")) ?? "{}" }
    /// Crops must hold whole latent frames: frames x mel hop divisible by the Oobleck's hop.
    var frameUnit: Int { vae.hopLength / gcd(vae.hopLength, clips.hopLength) }

    func waveforms(_ batch: DataLoader.Batch) throws -> Tensor {
        try clips.crops(ids: batch.ids, starts: batch.starts, frames: batch.mel.shape[2])
    }

    struct Terms {
        var total: Tensor
        var values: [String: Double]
    }

    /// The loss terms of `audio` [B, 1, L]; `rng` samples the posterior (nil: its mean).
    func terms(_ audio: Tensor, rng: RandomGenerator?, shard: DataShard = .single) throws -> Terms {
        let t = config.train
        let posterior = try vae.encode(audio)
        let z = try rng.map { try posterior.mean + posterior.std * shard.randn(posterior.mean.shape, generator: $0) } ?? posterior.mean
        let rec = try vae.decode(z)
        let s = try stft(rec, audio)
        var values = ["stft_loss": Double(s.loss.item), "spectral_convergence": s.convergence, "log_magnitude": s.logMagnitude]
        var total = s.loss
        if t.waveformL1Weight > 0 {
            let l1 = try (rec - audio).abs().mean()
            values["waveform_l1"] = Double(l1.item)
            total = try total + l1 * Float(t.waveformL1Weight)
        }
        // KL(N(mean, std) || N(0, 1)) per element, as stable-audio-tools' VAE bottleneck (mean over elements).
        let variance = try posterior.std * posterior.std
        let kl = try ((posterior.mean * posterior.mean + variance - variance.log() - 1) * 0.5).mean()
        values["kl"] = Double(kl.item)
        total = try total + kl * Float(t.klWeight)
        return Terms(total: total, values: values)
    }

    func loss(_ batch: DataLoader.Batch, rng: RandomGenerator) throws -> (Tensor, [String: Double]) {
        let r = try terms(try waveforms(batch), rng: config.train.samplePosterior ? rng : nil, shard: batch.shard)
        return (r.total, r.values)
    }

    func extraTensors() -> [String: [String: Tensor]] { [:] }
    func fill(_ state: inout CheckpointState) {}
    func restoreExtra(from c: Checkpoint) throws {}

    /// Validation: the loss terms of the first clips of the valid split (from the start, posterior mean), and the
    /// reconstructions of two of them as WAV files under `samples/step-N/`.
    func validate(step: Int, experiment: URL, ema: EMA?) throws -> [String: Any] {
        let n = config.train.validationClips
        guard n > 0 else { return [:] }
        let valid = config.validationDataset(orTraining: clips.dataset)
        let source = valid === clips.dataset ? clips : try WaveformClips(dataset: valid)
        let picked = Array(valid.entries.prefix(n))
        let frames = max(frameUnit, (picked.map(\.frames).min() ?? frameUnit) / frameUnit * frameUnit)
        let audio = try source.crops(ids: picked.map(\.id), starts: picked.map { _ in 0 }, frames: frames)
        vae.eval()
        defer { vae.train() }
        let (loss, rec) = try withEMAWeights(ema, emaParameters.map(\.1)) {
            try GradMode.noGrad { () -> (Tensor, Tensor) in
                let rec = try vae.decode(try vae.encode(audio).mean)
                return (try stft(rec, audio).loss, rec)
            }
        }
        let values = ["valid_stft_loss": Double(loss.item)]
        let dir = try Sample.folder(experiment: experiment, step: step)
        let length = rec.shape[2]
        for i in 0..<min(picked.count, 2) {
            let row = Array(rec.scalars[(i * length)..<((i + 1) * length)]).map { $0.isFinite ? $0 : 0 }
            try AudioFile.write(try AudioBuffer(mono: row, sampleRate: clips.sampleRate),
                                to: dir.appendingPathComponent("\(Sample.slug(picked[i].id))-reconstruction.wav").path)
        }
        var out: [String: Any] = ["samples": dir.path]
        for (k, v) in values { out[k] = v }
        return out
    }

    func export(to folder: URL, ema: EMA?) throws {
        try StableAudioExport.writeOobleck(config: vae.config, weights: ModelExport.weights(vae, ema: ema, names: named.map(\.0)), to: folder)
    }

    func finish(experiment: URL, ema: EMA?, state: inout CheckpointState, export: Bool) throws -> URL? {
        guard export else { return nil }
        let folder = experiment.appendingPathComponent("vae")
        try self.export(to: folder, ema: ema)
        return folder
    }
}

func gcd(_ a: Int, _ b: Int) -> Int { b == 0 ? a : gcd(b, a % b) }
