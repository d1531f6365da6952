import Audio
import Diffusion
import Foundation
import NN
import Tensors

/// Stage 1: trains an AutoencoderKL on log-mel crops [B, 1, frames, mels] (raw ln-mel, as AudioLDM; no other
/// normalization). Loss = reconstruction (L1 or MSE, mean over elements) + kl_weight * KL per element (AudioLDM's
/// sum/sum weighting expressed per element) + spectral_loss_weight * multi-resolution spectral loss on the decoded mel.
public final class VAETrainer {
    public let config: TrainingConfig
    public let options: TrainingOptions
    public let vae: AutoencoderKL
    public let dataset: MelDataset
    let stage: VAEStage
    let loop: TrainingLoop

    /// The experiment folder (`runs/<exp-name>`).
    public var experiment: URL { loop.start.experiment }
    /// Optimizer steps completed.
    public var step: Int { loop.step }
    public var totalSteps: Int { loop.totalSteps }
    public var loader: DataLoader { loop.loader }

    public init(config: TrainingConfig, options: TrainingOptions = TrainingOptions()) throws {
        guard config.stage == .vae else {
            throw TrainingError.config(key: "model.type", found: "'AudioLDM'", expected: "AutoencoderKL for VAETrainer (use LDMTrainer)")
        }
        self.config = config
        self.options = options
        let start = try RunStart(config: config, options: options)
        dataset = try MelDataset(folder: config.data.dataset, split: config.data.trainSplit)
        NNRandom.manualSeed(config.train.seed)
        var vc = config.vae
        var initWeights: [String: Tensor]?
        var keptScale: Float?
        if let r = start.resume {
            vc = try ModelExport.decodeVAEConfig(r.state.modelConfig, source: r.path)
            keptScale = r.state.scalingFactor
        } else if let from = options.initFrom {
            let src = try VAESource.resolve(from, log: options.log)
            vc = src.config
            initWeights = src.weights
            keptScale = src.scalingFactor
            options.log("initialized the VAE from \(src.description)")
        }
        if config.train.freezeEncoder {
            guard let s = keptScale else {
                throw TrainingError.config(key: "train.freeze_encoder", found: "true without a trained encoder to keep",
                                           expected: "--init-from a VAE whose scaling factor is known (a stage-1 checkpoint or a vae/ folder)")
            }
            options.log(String(format: "training the decoder only; the encoder and the scaling factor %.5f stay as they are", s))
        } else {
            keptScale = nil
        }
        vae = try VAETrainer.build(vc)
        if let w = initWeights {
            do { try vae.load(stateDict: w) } catch { throw TrainingError.file(options.initFrom!, "weights do not fit the VAE: \(error)") }
        }
        let adv = config.train.adversarial
        if adv.enabled && config.train.gradAccumSteps != 1 {
            throw TrainingError.config(key: "train.grad_accum_steps", found: "\(config.train.gradAccumSteps)",
                                       expected: "1 with the adversarial loss (train.disc_weight > 0): the discriminator steps once per batch")
        }
        stage = VAEStage(config: config, vae: vae, dataset: dataset, keptScale: keptScale,
                         adversarial: adv.enabled ? AdversarialLoss(config: adv, learningRate: config.train.learningRate,
                                                                    seed: DataLoader.mix(config.train.seed, 0x4449_5343, 2)) : nil)
        loop = try TrainingLoop(config: config, options: options, stage: stage, start: start, dataset: dataset)
        stage.loader = loop.loader
        if let d = stage.adversarial?.discriminator, min(loop.loader.frames, dataset.melBins) < d.minimumInput {
            throw TrainingError.config(key: "train.disc_num_layers", found: "\(d.numLayers)",
                                       expected: "fewer layers: the PatchGAN needs crops of at least \(d.minimumInput) frames and mels, these are \(loop.loader.frames) x \(dataset.melBins)")
        }
    }

    static func build(_ c: AutoencoderKLConfig) throws -> AutoencoderKL {
        do { return try AutoencoderKL(config: c) } catch let e as DiffusionError {
            throw TrainingError.config(key: "model", found: "an AutoencoderKL it cannot build", expected: "a valid architecture (\(e.description))")
        }
    }

    /// Trains to `train.max_steps` (or until Ctrl-C / `stopAtStep`), checkpointing along the way; at the end measures
    /// the latent scaling factor and exports `experiment/vae/`.
    public func run() throws -> TrainingResult { try loop.run() }

    /// The reconstruction loss terms of one batch without updating anything (posterior mean, no KL sampling).
    public func evaluate(_ batch: DataLoader.Batch) throws -> [String: Double] {
        try GradMode.noGrad { try stage.terms(batch.mel, rng: nil).values }
    }

    /// 1 / std of posterior samples over `batches` training batches (EMA weights when enabled).
    public func measureScalingFactor(batches: Int? = nil) throws -> Float {
        try stage.measuredScale(ema: loop.ema, batches: batches ?? config.train.scalingFactorBatches)
    }

    /// Writes a diffusers `vae/` folder (config.json with the measured scaling factor + weights; EMA when enabled).
    public func export(to folder: URL, scalingFactor: Float? = nil) throws {
        let scale = try scalingFactor ?? stage.exportScale(ema: loop.ema)
        let w = ModelExport.weights(vae, ema: loop.ema, names: stage.emaParameters.map(\.0))
        try ModelExport.writeVAE(config: vae.config, weights: w, scalingFactor: scale, to: folder)
    }
}

final class VAEStage: TrainingStage {
    let config: TrainingConfig
    let vae: AutoencoderKL
    let dataset: MelDataset
    var loader: DataLoader!
    let named: [(String, Tensor)]

    /// With `train.freeze_encoder`: the --init-from VAE's scaling factor, which export keeps instead of measuring.
    let keptScale: Float?

    /// The PatchGAN term, when `train.disc_weight` > 0.
    let adversarial: AdversarialLoss?
    /// The step being taken (disc_start counts in optimizer steps).
    var step = 0

    init(config: TrainingConfig, vae: AutoencoderKL, dataset: MelDataset, keptScale: Float? = nil, adversarial: AdversarialLoss? = nil) {
        self.config = config
        self.adversarial = adversarial
        self.vae = vae
        self.dataset = dataset
        self.keptScale = keptScale
        named = vae.namedParameters()
    }

    var stage: TrainingConfig.Stage { .vae }
    var module: Module { vae }
    var trainableParameters: [Tensor] {
        guard config.train.freezeEncoder else { return named.map(\.1) }
        return named.filter { $0.0.hasPrefix("decoder.") || $0.0.hasPrefix("post_quant_conv.") }.map(\.1)
    }
    var emaParameters: [(String, Tensor)] { named }
    var modelConfigJSON: String { (try? ModelExport.jsonString(vae.config, className: "AutoencoderKL")) ?? "{}" }
    var frameUnit: Int { vae.downsamplingFactor }

    struct Terms {
        var total: Tensor
        var values: [String: Double]
    }

    /// The loss terms of `mel`; `training` adds the adversarial term and steps the discriminator.
    func terms(_ mel: Tensor, rng: RandomGenerator?, training: Bool = false, shard: DataShard = .single) throws -> Terms {
        let t = config.train
        let posterior = config.train.freezeEncoder ? try GradMode.noGrad { try vae.encode(mel) } : try vae.encode(mel)
        // The global batch's noise, this rank's rows (one process: exactly posterior.sample's draw).
        let z = try rng.map { try posterior.mean + posterior.std * shard.randn(posterior.mean.shape, generator: $0) } ?? posterior.mode
        let features = try vae.decodeFeatures(z)
        let rec = try vae.decoder.convOut(features)
        var values: [String: Double] = [:]
        // The reconstruction terms of a decoded mel (the adaptive weight differentiates them again at conv_out).
        func reconstruction(_ y: Tensor, record: Bool) throws -> Tensor {
            let diff = try y - mel
            let recLoss = t.lossType == "l1" ? try diff.abs().mean() : try (diff * diff).mean()
            if record { values["rec_loss"] = Double(recLoss.item) }
            guard t.spectralLossWeight > 0 else { return recLoss }
            let spec = try spectralLoss(y, mel)
            if record { values["spectral_loss"] = Double(spec.item) }
            return try recLoss + spec * Float(t.spectralLossWeight)
        }
        let perSample = Float(mel.count / mel.shape[0])
        let kl = try posterior.kl().mean() / perSample
        values["kl"] = Double(kl.item)
        var total = try reconstruction(rec, record: true) + kl * Float(t.klWeight)
        if training, let adversarial {
            for (k, v) in try adversarial.updateDiscriminator(real: mel, fake: rec, step: step) { values[k] = v }
            let f = adversarial.factor(step: step)
            if f > 0 {
                let weight = try adversarial.adaptiveWeight(features: features, lastLayer: vae.decoder.convOut) { try reconstruction($0, record: false) }
                let g = try adversarial.generatorLoss(rec)
                total = try total + g * (weight * f)
                values["g_loss"] = Double(g.item)
                values["d_weight"] = Double(weight)
            }
        }
        return Terms(total: total, values: values)
    }

    /// Multi-resolution spectral loss on the decoded mel: at each pooling scale, spectral convergence
    /// (||Y - X|| / ||X|| on linear magnitudes) plus the mean |log Y - log X|, averaged over scales.
    func spectralLoss(_ rec: Tensor, _ target: Tensor) throws -> Tensor {
        let scales = config.train.spectralLossScales
        var acc: Tensor?
        let x0 = try GradMode.noGrad { target.exp() }
        let y0 = rec.exp()
        for s in scales {
            guard rec.shape[2] >= s, rec.shape[3] >= s else { continue }
            let x = s > 1 ? try GradMode.noGrad { try x0.avgPool2d(kernel: (s, s)) } : x0
            let y = s > 1 ? try y0.avgPool2d(kernel: (s, s)) : y0
            let d = try y - x
            let sc = try (d * d).sum().sqrt() / max(Float(sqrt(Double(try GradMode.noGrad { try (x * x).sum() }.item))), 1e-7)
            let logMag = try ((y + 1e-7).log() - (x + 1e-7).log()).abs().mean()
            let term = try sc + logMag
            acc = try acc.map { try $0 + term } ?? term
        }
        guard let acc else { return Tensor(scalar: 0) }
        return acc / Float(scales.count)
    }

    func loss(_ batch: DataLoader.Batch, rng: RandomGenerator) throws -> (Tensor, [String: Double]) {
        let r = try terms(batch.mel, rng: config.train.samplePosterior ? rng : nil, training: true, shard: batch.shard)
        return (r.total, r.values)
    }

    func stepStarted(_ step: Int) {
        self.step = step
        adversarial?.commit()
    }

    func stepUndone() throws { try adversarial?.undo() }

    func extraTensors() -> [String: [String: Tensor]] {
        guard let adversarial else { return [:] }
        return ["discriminator.": adversarial.discriminator.stateDict(), "disc_optimizer.": adversarial.optimizer.stateDict()]
    }

    func fill(_ state: inout CheckpointState) { if let keptScale { state.scalingFactor = keptScale } }

    func restoreExtra(from c: Checkpoint) throws {
        guard let adversarial else { return }
        let weights = try c.tensors(prefix: "discriminator."), state = try c.tensors(prefix: "disc_optimizer.")
        guard !weights.isEmpty else {
            throw TrainingError.file(c.path, "holds no discriminator; it was written without the adversarial loss (train.disc_weight 0). Start a new run with --init-from it instead of --resume")
        }
        do {
            try adversarial.discriminator.load(stateDict: weights)
            try adversarial.optimizer.load(stateDict: state)
        } catch { throw TrainingError.file(c.path, "its discriminator does not fit train.disc_*: \(error)") }
    }

    func measureScale(batches: Int) throws -> Float {
        // The global batch under mpirun: the factor is then the one a single process of N x B measures.
        let l = try DataLoader(dataset: dataset, batchSize: loader.batchSize * loader.shard.count, frames: loader.frames,
                               seed: DataLoader.mix(config.train.seed, 0x5343_414C, 3), prefetch: false)
        vae.eval()
        defer { vae.train() }
        return try LatentScale.measure(vae: vae, loader: l, batches: batches, seed: config.train.seed)
    }

    /// Validation: reconstruction losses on the first clips of the valid split (train when it is empty), and
    /// spectrograms of the inputs and reconstructions under `samples/step-N/`.
    func validate(step: Int, experiment: URL, ema: EMA?) throws -> [String: Any] {
        let n = config.train.validationClips
        guard n > 0 else { return [:] }
        let valid = config.validationDataset(orTraining: dataset)
        let count = min(n, valid.count)
        let frames = loader.frames, bins = valid.melBins
        let mel = Tensor.zeros([count, 1, frames, bins])
        for i in 0..<count { try valid.crop(i, start: 0, frames: frames, into: mel.pointer + i * frames * bins) }
        vae.eval()
        let (values, rec) = try withEMAWeights(ema, emaParameters.map(\.1)) {
            try GradMode.noGrad { () -> ([String: Double], Tensor) in
                let rec = try vae.decode(try vae.encode(mel).mode)
                let d = try rec - mel
                return (["valid_l1": Double(try d.abs().mean().item), "valid_mse": Double(try (d * d).mean().item)], rec)
            }
        }
        let dir = try Sample.folder(experiment: experiment, step: step)
        let front = try valid.info.logMel()
        let image = SpectrogramImage(logMel: front, sampleRate: valid.info.sampleRate)
        for i in 0..<min(count, 2) {
            let slug = Sample.slug(valid.entries[i].id)
            let a = Array(mel.scalars[(i * frames * bins)..<((i + 1) * frames * bins)])
            let b = Array(rec.scalars[(i * frames * bins)..<((i + 1) * frames * bins)])
            try image.write(try Spectrogram(frames: frames, bins: bins, values: a), to: dir.appendingPathComponent("\(slug)-input.png").path)
            try image.write(try Spectrogram(frames: frames, bins: bins, values: b), to: dir.appendingPathComponent("\(slug)-reconstruction.png").path)
        }
        var out: [String: Any] = ["samples": dir.path]
        for (k, v) in values { out[k] = v }
        return out
    }

    /// 1 / std of posterior samples over `batches` training batches, with the EMA weights when enabled.
    func measuredScale(ema: EMA?, batches: Int) throws -> Float {
        try withEMAWeights(ema, emaParameters.map(\.1)) { try measureScale(batches: batches) }
    }

    /// The scaling factor an export writes: the kept one under `train.freeze_encoder`, else measured.
    func exportScale(ema: EMA?) throws -> Float {
        try keptScale ?? measuredScale(ema: ema, batches: config.train.scalingFactorBatches)
    }

    func finish(experiment: URL, ema: EMA?, state: inout CheckpointState, export: Bool) throws -> URL? {
        let scale = try exportScale(ema: ema)
        state.scalingFactor = scale
        guard export else { return nil }
        let folder = experiment.appendingPathComponent("vae")
        let w = ModelExport.weights(vae, ema: ema, names: emaParameters.map(\.0))
        try ModelExport.writeVAE(config: vae.config, weights: w, scalingFactor: scale, to: folder)
        return folder
    }
}
