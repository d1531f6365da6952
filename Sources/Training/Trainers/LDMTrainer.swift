import Audio
import Diffusion
import Foundation
import NN
import Tensors
import Text

/// Stage 2: trains a UNet2DConditionModel to denoise VAE latents of log-mel crops, conditioned on text.
///
/// Latents are posterior samples of the frozen stage-1 VAE times the measured scaling factor. Text goes through a
/// `TextConditioner` (MiniLM by default): frozen encoders are run once per distinct caption and cached; captions are
/// replaced by the empty prompt with probability `train.text_dropout` (the unconditional branch of classifier-free
/// guidance, as the pipeline encodes it). Token states + mask feed cross-attention, the L2-normalized pooled vector the
/// `simple_projection` class embedding, per `model.conditioning` — exactly as `TextToAudioPipeline` feeds them.
public final class LDMTrainer {
    public let config: TrainingConfig
    public let options: TrainingOptions
    public let unet: UNet2DConditionModel
    /// The frozen VAE, its config carrying the scaling factor in use.
    public let vae: AutoencoderKL
    public let conditioner: TextConditioner
    /// The frozen contrastive model whose text projection feeds the class embedding (`model.contrastive`).
    public let contrastive: ContrastiveAudioText?
    public let dataset: MelDataset
    /// The adapter being trained when the config has `train.lora` (the UNet is then frozen).
    public let adapter: LoRAAdapter?
    public var scalingFactor: Float { vae.scalingFactor }
    let stage: LDMStage
    let loop: TrainingLoop

    public var experiment: URL { loop.start.experiment }
    public var step: Int { loop.step }
    public var totalSteps: Int { loop.totalSteps }
    public var loader: DataLoader { loop.loader }
    /// Distinct captions encoded so far (frozen encoder).
    public var cachedCaptions: Int { stage.prompts.cachedCount }

    /// - Parameter conditioner: a text conditioner to use instead of loading `text_encoder` from the config.
    public init(config: TrainingConfig, options: TrainingOptions = TrainingOptions(), conditioner: TextConditioner? = nil) throws {
        guard config.stage == .ldm, let m = config.ldm else {
            throw TrainingError.config(key: "model.type", found: "'AutoencoderKL'", expected: "AudioLDM for LDMTrainer (use VAETrainer)")
        }
        self.config = config
        self.options = options
        let start = try RunStart(config: config, options: options)
        dataset = try MelDataset(folder: config.data.dataset, split: config.data.trainSplit)
        let vocoder = config.inference.vocoder
        if vocoder != "griffin-lim" && !FileManager.default.fileExists(atPath: URL(fileURLWithPath: vocoder).appendingPathComponent("config.json").path) {
            throw TrainingError.config(key: "inference.vocoder", found: "'\(vocoder)'", expected: "griffin-lim or a HiFi-GAN folder holding config.json")
        }
        self.conditioner = try conditioner ?? LDMTrainer.loadConditioner(config.textEncoder)
        let enc = self.conditioner.encoder
        contrastive = try m.contrastive.map { try LDMTrainer.loadContrastive($0) }
        if let c = contrastive, c.config.textEmbedDim != enc.pooledSize || c.config.numMels != dataset.melBins {
            throw TrainingError.config(key: "model.contrastive", found: "a model taking \(c.config.textEmbedDim)-d text and \(c.config.numMels) mels",
                                       expected: "\(enc.pooledSize)-d pooled text (the text encoder's) and \(dataset.melBins) mels (the dataset's)")
        }
        if config.train.pooledFromAudio > 0 && (contrastive == nil || m.conditioning == .tokens) {
            throw TrainingError.config(key: "train.pooled_from_audio", found: "\(config.train.pooledFromAudio)",
                                       expected: "0 unless the UNet has a class embedding fed by a contrastive model (model.contrastive and conditioning: pooled or both)")
        }
        let pooledSize = PromptConditioning.classLabelWidth(pooledSize: enc.pooledSize, contrastive: contrastive, promptAttributes: m.promptAttributes)

        // The frozen VAE: the resumed checkpoint's copy, else model.pretrained_vae, else --init-from's vae/.
        var source: VAESource
        if let r = start.resume {
            source = try VAESource.resolve(r.path, log: options.log)
        } else if let p = m.pretrainedVAE {
            source = try VAESource.resolve(p, log: options.log)
        } else if let from = options.initFrom, FileManager.default.fileExists(atPath: URL(fileURLWithPath: from).appendingPathComponent("vae/config.json").path) {
            source = try VAESource.resolve(URL(fileURLWithPath: from).appendingPathComponent("vae").path, log: options.log)
        } else {
            throw TrainingError.config(key: "model.pretrained_vae", found: "nothing (the key is missing)",
                                       expected: "a stage-1 checkpoint, experiment folder or vae/ folder (or --init-from a model folder with vae/)")
        }
        if start.resume == nil { options.log("frozen VAE: \(source.description)") }

        // The UNet: the checkpoint's architecture, else --init-from's, else the config's.
        let secondsPerLatentFrame = Float(source.config.downsamplingFactor * dataset.info.audio.hopLength) / Float(dataset.info.sampleRate)
        NNRandom.manualSeed(config.train.seed)
        var unetConfig: UNet2DConditionConfig
        var initWeights: [String: Tensor]?
        if let r = start.resume {
            unetConfig = try ModelExport.decodeUNetConfig(r.state.modelConfig, source: r.path)
        } else if let from = options.initFrom {
            (unetConfig, initWeights) = try LDMTrainer.unetSource(from)
            options.log("initialized the UNet from \(from) (its architecture replaces model.block_out_channels etc.)")
            try LDMTrainer.checkBase(from, against: config, log: options.log)
            if m.timeChannel && unetConfig.timeChannelSecondsPerFrame == nil {
                (unetConfig, initWeights) = try LDMTrainer.addingTimeChannel(unetConfig, initWeights!, secondsPerFrame: secondsPerLatentFrame)
                options.log("added model.time_channel to the UNet: conv_in's new input starts at zero, so training starts from the same function")
            }
        } else {
            unetConfig = m.unetConfig(latentChannels: source.config.latentChannels, hiddenSize: enc.hiddenSize, pooledSize: pooledSize,
                                      secondsPerLatentFrame: secondsPerLatentFrame)
        }
        try LDMTrainer.check(unetConfig, vae: source.config, encoder: enc, conditioning: m.conditioning, pooledSize: pooledSize)
        do { unet = try UNet2DConditionModel(config: unetConfig) } catch let e as DiffusionError {
            throw TrainingError.config(key: "model", found: "a UNet it cannot build", expected: "a valid architecture (\(e.description))")
        }
        if let w = initWeights {
            do { try unet.load(stateDict: w) } catch { throw TrainingError.file(options.initFrom!, "weights do not fit the UNet: \(error)") }
        }

        // The scaling factor: the config's, else the one this run already used, else the VAE's measured one, else measure now.
        var vc = source.config
        let scale = config.diffusion.scalingFactor ?? start.resume?.state.scalingFactor ?? source.scalingFactor
        vc.scalingFactor = scale ?? 1
        var frozen = try AutoencoderKL(config: vc)
        do { try frozen.load(stateDict: source.weights) } catch { throw TrainingError.file(source.description, "VAE weights do not fit: \(error)") }
        if scale == nil {
            let unit = frozen.downsamplingFactor * (1 << (unetConfig.blockOutChannels.count - 1))
            let frames = try TrainingLoop.cropFrames(config, info: dataset.info, unit: unit)
            // Batches of the global size under mpirun, so every rank (and one process of N x B) measures the same.
            let ranks = try (options.communicator ?? Distributed.world()).size
            let l = try DataLoader(dataset: dataset, batchSize: config.data.batchSize * ranks, frames: frames,
                                   seed: DataLoader.mix(config.train.seed, 0x5343_414C, 3), prefetch: false)
            frozen.eval()
            vc.scalingFactor = try LatentScale.measure(vae: frozen, loader: l, batches: config.train.scalingFactorBatches, seed: config.train.seed)
            options.log(String(format: "measured latent scaling factor %.5f (1 / std of the VAE's latents)", vc.scalingFactor))
            let weights = frozen.stateDict()
            frozen = try AutoencoderKL(config: vc)
            try frozen.load(stateDict: weights)
        }
        frozen.requiresGrad(false)
        frozen.eval()
        vae = frozen
        if let lc = config.train.lora {
            try LoRATraining.requireBase(start.resume != nil || initWeights != nil,
                                         expected: "--init-from MODEL (the UNet the adapter is trained on), or --resume of a LoRA run")
            guard config.textEncoder.freeze else {
                throw TrainingError.config(key: "text_encoder.freeze", found: "false", expected: "true with train.lora (the adapter trains the UNet only)")
            }
            unet.requiresGrad(false)
            adapter = try LoRATraining.attach(lc, to: unet, modelName: "UNet", seed: config.train.seed, starting: start.resume == nil, log: options.log)
        } else {
            adapter = nil
        }
        if start.resume == nil, !config.textEncoder.freeze, let mod = enc as? Module {
            options.log("training the text encoder too (\(mod.parameterCount) parameters)")
        }
        let cache = config.data.latents ? try LatentCache(dataset: config.data.dataset, vae: vae, vaeSource: source.description) : nil
        if let cache, start.resume == nil { options.log("latents: reading the cached posteriors of \(cache.info.clips) clips (\(cache.folder.path))") }
        stage = try LDMStage(config: config, unet: unet, vae: vae, conditioner: self.conditioner, dataset: dataset, contrastive: contrastive,
                             adapter: adapter, latentCache: cache)
        loop = try TrainingLoop(config: config, options: options, stage: stage, start: start, dataset: dataset)
        stage.loader = loop.loader
    }

    /// - Parameter padToMaxLength: pad every prompt to `text_encoder`'s `paddedLength`, as the Stable Audio pipeline does.
    static func loadConditioner(_ t: TrainingConfig.TextEncoderConfig, padToMaxLength: Bool = false) throws -> TextConditioner {
        let folder: URL
        if t.type == "minilm" {
            folder = FoleyPaths.miniLM
            guard FileManager.default.fileExists(atPath: folder.appendingPathComponent("config.json").path) else {
                throw TrainingError.file(folder.path, "all-MiniLM-L6-v2 not found (run scripts/setup, or set FOLEY_HOME)")
            }
        } else {
            folder = URL(fileURLWithPath: t.path!)
        }
        do {
            return try TextConditioner.load(encoderFolder: folder, tokenizerFolder: t.tokenizerPath.map { URL(fileURLWithPath: $0) },
                                            maxLength: padToMaxLength ? t.paddedLength : t.maxLength, padToMaxLength: padToMaxLength)
        } catch {
            throw TrainingError.file(folder.path, "cannot load the text encoder: \(error)")
        }
    }

    /// A trained ContrastiveAudioText, frozen: its `contrastive/` folder, or an experiment or model folder holding one.
    static func loadContrastive(_ path: String) throws -> ContrastiveAudioText {
        let folder = ContrastiveStage.folder(path)
        do {
            let c = try ContrastiveAudioText.load(folder: folder)
            c.requiresGrad(false)
            return c
        } catch {
            throw TrainingError.file(path, "no trained ContrastiveAudioText here (model.contrastive expects its experiment folder or contrastive/ folder): \(error)")
        }
    }

    /// UNet config and weights from a stage-2 checkpoint, a diffusers `unet/` folder, or a folder holding `unet/`.
    static func unetSource(_ path: String) throws -> (UNet2DConditionConfig, [String: Tensor]) {
        let fm = FileManager.default
        var isDir: ObjCBool = false
        guard fm.fileExists(atPath: path, isDirectory: &isDir) else { throw TrainingError.file(path, "no such checkpoint or folder (--init-from)") }
        if !isDir.boolValue {
            let c = try Checkpoint.load(path: path)
            guard c.state.stage == "ldm" else { throw TrainingError.file(path, "is a \(c.state.stage) checkpoint; --init-from needs a stage-2 one") }
            var w = try c.tensors(prefix: "model.")
            for (k, t) in try c.tensors(prefix: "ema.") { w[k] = t }
            return (try ModelExport.decodeUNetConfig(c.state.modelConfig, source: path), w)
        }
        let url = URL(fileURLWithPath: path)
        let folder = fm.fileExists(atPath: url.appendingPathComponent("unet/config.json").path) ? url.appendingPathComponent("unet") : url
        do {
            let u = try UNet2DConditionModel.load(folder: folder)
            return (u.config, u.stateDict())
        } catch {
            throw TrainingError.file(path, "no loadable UNet (expected a stage-2 checkpoint, a unet/ folder or a model folder holding one): \(error)")
        }
    }

    /// `config` and `weights` with one more conv_in input, the time channel, whose weights are zero: the UNet computes
    /// what it did before until training moves them.
    static func addingTimeChannel(_ config: UNet2DConditionConfig, _ weights: [String: Tensor], secondsPerFrame: Float) throws -> (UNet2DConditionConfig, [String: Tensor]) {
        var c = config
        c.inChannels += 1
        c.timeChannelSecondsPerFrame = secondsPerFrame
        guard let t = weights["conv_in.weight"], t.rank == 4, t.shape[1] == config.inChannels else {
            throw TrainingError.file("--init-from", "the UNet's weights have no conv_in.weight of \(config.inChannels) inputs to add model.time_channel to")
        }
        var w = weights
        w["conv_in.weight"] = try Tensor.concat([t, Tensor.zeros([t.shape[0], 1, t.shape[2], t.shape[3]])], axis: 1)
        return (c, w)
    }

    /// The UNet must take the VAE's latents and the encoder's widths for the chosen conditioning.
    static func check(_ u: UNet2DConditionConfig, vae: AutoencoderKLConfig, encoder: any TextEncoder,
                      conditioning: TextToAudioPipeline.Conditioning, pooledSize: Int? = nil) throws {
        let pooledSize = pooledSize ?? encoder.pooledSize
        guard u.sampleChannels == vae.latentChannels, u.outChannels == vae.latentChannels else {
            throw TrainingError.config(key: "model", found: "a UNet with \(u.sampleChannels) input channels",
                                       expected: "\(vae.latentChannels) (the VAE's latent_channels)")
        }
        if conditioning != .tokens {
            guard u.classEmbedType == "simple_projection" || u.classEmbedType == "projection",
                  u.projectionClassEmbeddingsInputDim == pooledSize else {
                // Off by exactly the prompt-attribute features: the config and the UNet disagree on model.prompt_attributes.
                if let dim = u.projectionClassEmbeddingsInputDim, abs(dim - pooledSize) == PromptAttributes.featureSize {
                    let reads = dim > pooledSize
                    throw TrainingError.config(key: "model.prompt_attributes", found: reads ? "false" : "true",
                                               expected: "\(reads) (the UNet's class embedding takes \(dim) inputs: \(reads ? "pooled text and the \(PromptAttributes.featureSize) prompt-attribute features" : "pooled text alone"))")
                }
                throw TrainingError.config(key: "model.conditioning", found: "'\(conditioning.rawValue)'",
                                           expected: "a UNet whose class embedding projects \(pooledSize)-d pooled text (it has \(u.classEmbedType ?? "none") of \(u.projectionClassEmbeddingsInputDim.map(String.init) ?? "-")); use conditioning: tokens or a matching text encoder")
            }
        }
        if conditioning != .pooled {
            let dims = (try? u.crossAttentionDim.perBlock(u.blockOutChannels.count, key: "cross_attention_dim")) ?? []
            guard dims.allSatisfy({ $0 == encoder.hiddenSize }) else {
                throw TrainingError.config(key: "model.conditioning", found: "'\(conditioning.rawValue)'",
                                           expected: "a UNet cross-attending to \(encoder.hiddenSize)-d token states (its cross_attention_dim is \(dims)); use conditioning: pooled or a matching text encoder")
            }
        }
    }

    /// Trains to `train.max_steps` (or until Ctrl-C / `stopAtStep`); validation samples every `train.validate_every`
    /// steps; at the end exports the Foley model folder `experiment/model/`.
    public func run() throws -> TrainingResult { try loop.run() }

    /// The denoising loss of one batch at fixed timesteps and noise (no update); for tests and evaluation.
    public func evaluate(_ batch: DataLoader.Batch, seed: UInt64) throws -> Double {
        try GradMode.noGrad { Double(try stage.loss(batch, rng: RandomGenerator(seed: seed), dropText: false).0.item) }
    }

    /// Writes the Foley model folder (EMA weights when enabled).
    public func export(to folder: URL) throws { try stage.export(to: folder, ema: loop.ema) }

    /// A pipeline over the current weights (EMA not applied), for generating during or after training.
    public func pipeline() throws -> TextToAudioPipeline { try stage.pipeline() }
}

final class LDMStage: TrainingStage {
    let config: TrainingConfig
    let unet: UNet2DConditionModel
    let vae: AutoencoderKL
    let conditioner: TextConditioner
    let contrastive: ContrastiveAudioText?
    let dataset: MelDataset
    let conditioning: TextToAudioPipeline.Conditioning
    var loader: DataLoader!
    let alphasCumprod: [Float]
    let timesteps: TimestepSampler
    let named: [(String, Tensor)]
    let encoderModule: Module?
    /// Captions to UNet inputs: the path generation uses, so training conditions exactly as inference will.
    let prompts: PromptConditioning
    let frozenText: Bool
    let vPrediction: Bool
    /// Set for `diffusion.prediction_type: flow_prediction`: the rectified-flow path replaces the beta schedule.
    let flow: FlowMatchingObjective?

    /// Set for `data.latents: true`: batches' latents come from it, not from the VAE's encoder.
    let latentCache: LatentCache?
    /// The posterior mean of a silent crop, [C, frames/f, mels/f]: a cached crop past its clip's end, as mel crops pad.
    private var silence: Tensor?

    /// Set for a LoRA run: its weights are what trains, EMA tracks, checkpoints keep under `lora.` and the run exports.
    let adapter: LoRAAdapter?

    init(config: TrainingConfig, unet: UNet2DConditionModel, vae: AutoencoderKL, conditioner: TextConditioner, dataset: MelDataset,
         contrastive: ContrastiveAudioText? = nil, adapter: LoRAAdapter? = nil, latentCache: LatentCache? = nil) throws {
        self.config = config
        self.adapter = adapter
        self.latentCache = latentCache
        self.contrastive = contrastive
        self.unet = unet
        self.vae = vae
        self.conditioner = conditioner
        self.dataset = dataset
        conditioning = config.ldm!.conditioning
        let d = config.diffusion
        let sched = SamplerConfig(numTrainTimesteps: d.numTrainTimesteps, betaStart: d.betaStart, betaEnd: d.betaEnd, betaSchedule: d.betaSchedule)
        alphasCumprod = BetaSchedule.alphasCumprod(try BetaSchedule.betas(for: sched))
        timesteps = try TimestepSampler(config.train.timestepBias, count: d.numTrainTimesteps)
        named = adapter?.namedParameters ?? unet.namedParameters()
        frozenText = config.textEncoder.freeze
        // A frozen encoder runs once per distinct caption; room for every caption of the dataset and the empty one.
        prompts = PromptConditioning(conditioner: conditioner, conditioning: conditioning, contrastive: contrastive,
                                     promptAttributes: config.ldm!.promptAttributes, cacheCapacity: dataset.entries.reduce(1) { $0 + $1.captions.count })
        vPrediction = d.predictionType == "v_prediction"
        flow = d.predictionType != "flow_prediction" ? nil
            : FlowMatchingObjective(sampling: FlowMatchingObjective.TimestepSampling(rawValue: d.timestepSampling) ?? .logitNormal,
                                    logitMean: d.logitMean, logitStd: d.logitStd, numTrainTimesteps: d.numTrainTimesteps)
        encoderModule = conditioner.encoder as? Module
        if !frozenText && !(conditioner.encoder is BertModel) {
            throw TrainingError.config(key: "text_encoder.freeze", found: "false",
                                       expected: "true for \(type(of: conditioner.encoder)): only BERT-family encoders (MiniLM) can be trained (the other encoders run without gradients)")
        }
        if frozenText { encoderModule?.requiresGrad(false) } else { encoderModule?.requiresGrad(true); encoderModule?.train() }
    }

    var stage: TrainingConfig.Stage { .ldm }
    var module: Module { unet }
    var trainableParameters: [Tensor] { named.map(\.1) + (frozenText ? [] : encoderModule!.parameters()) }
    var emaParameters: [(String, Tensor)] { named }
    var modelConfigJSON: String {
        (try? ModelExport.jsonString(unet.config, className: "UNet2DConditionModel", nullKeys: ["mid_block_type"])) ?? "{}"
    }
    var frameUnit: Int { vae.downsamplingFactor * (1 << (unet.config.blockOutChannels.count - 1)) }

    /// Token states [B, S, H] zero-padded to the longest caption, the mask [B, S], and pooled vectors [B, P]; with
    /// gradients through the text encoder when it is being trained.
    func conditioningBatch(_ captions: [String]) throws -> ConditioningEmbeddings {
        try prompts(captions, recordingGradients: !frozenText)
    }

    func loss(_ batch: DataLoader.Batch, rng: RandomGenerator) throws -> (Tensor, [String: Double]) {
        try loss(batch, rng: rng, dropText: true)
    }

    func loss(_ batch: DataLoader.Batch, rng: RandomGenerator, dropText: Bool) throws -> (Tensor, [String: Double]) {
        let scale = vae.scalingFactor
        let z = try GradMode.noGrad { () -> Tensor in
            let posterior: (mean: Tensor, std: Tensor)
            if let cache = latentCache {
                posterior = try cache.batch(ids: batch.ids, starts: batch.starts, frames: batch.mel.shape[2], silence: try silentLatent(batch.mel))
            } else {
                let p = try vae.encode(batch.mel)
                posterior = (p.mean, p.std)
            }
            let sample = config.train.samplePosterior
                ? try posterior.mean + posterior.std * batch.shard.randn(posterior.mean.shape, generator: rng) : posterior.mean
            return try sample * scale
        }
        let b = z.shape[0]
        let (noisy, modelSteps, target) = try noised(z, rng: rng, shard: batch.shard)
        let p = Float(config.train.textDropout)
        // Drawn for the global batch under mpirun (every rank, same order), each rank keeping its own.
        let drops = dropText && p > 0 ? batch.shard.globalDraws(b) { rng.nextUniform() < p } : Array(repeating: false, count: b * batch.shard.count)
        let mine = batch.shard.mine(drops)
        let captions = zip(batch.captions, mine).map { $1 ? "" : $0 }
        let dropped = mine.filter { $0 }.count
        var cond = try conditioningBatch(captions)
        var swapped = 0
        if let pooled = cond.pooled {
            (cond.pooled, swapped) = try pooledFromAudio(pooled, captions: captions, mel: batch.mel, rng: rng, globalDropped: drops, shard: batch.shard)
        }
        let pred = try unet(noisy, timesteps: modelSteps, encoderHiddenStates: cond.tokens, classLabels: try cond.classLabels,
                            encoderAttentionMask: cond.mask)
        let d = try pred - target
        let loss = config.train.lossType == "l1" ? try d.abs().mean() : try (d * d).mean()
        var stats = ["text_dropped": Double(dropped) / Double(b)]
        if config.train.pooledFromAudio > 0 { stats["pooled_from_audio"] = Double(swapped) / Double(b) }
        return (loss, stats)
    }

    /// The posterior mean of an all-silent crop shaped like one row of `mel` (computed once).
    func silentLatent(_ mel: Tensor) throws -> Tensor {
        if let silence { return silence }
        let quiet = Tensor.full([1, 1, mel.shape[2], mel.shape[3]], dataset.info.logFloor)
        let s = try vae.encode(quiet).mean.squeeze(0).copy()
        silence = s
        return s
    }

    /// The noised latents, the timesteps the UNet sees and its target, under the configured objective. Draws the
    /// timesteps before the noise, as the beta-schedule path always has, so epsilon runs replay bit for bit.
    func noised(_ z: Tensor, rng: RandomGenerator, shard: DataShard = .single) throws -> (Tensor, [Float], Tensor) {
        let b = z.shape[0]
        if let flow {
            let sigmas = shard.draws(b) { flow.drawSigma(rng) }
            let noise = shard.randn(z.shape, generator: rng)
            return (try FlowMatchingObjective.noisy(z, noise: noise, sigmas: sigmas), sigmas.map(flow.timestep(sigma:)),
                    try FlowMatchingObjective.target(z, noise: noise))
        }
        let steps = shard.draws(b) { timesteps.draw(rng) }
        let noise = shard.randn(z.shape, generator: rng)
        let a = Tensor(shape: [b, 1, 1, 1], data: steps.map { alphasCumprod[$0].squareRoot() })
        let s = Tensor(shape: [b, 1, 1, 1], data: steps.map { (1 - alphasCumprod[$0]).squareRoot() })
        let target = vPrediction ? try noise * a - z * s : noise
        return (try z * a + noise * s, steps.map(Float.init), target)
    }

    /// AudioLDM's trick (`train.pooled_from_audio`): a kept caption's class-embedding input becomes, with that probability,
    /// the clip's own contrastive audio embedding. It states what the clip holds (count, pitch, level), which the caption
    /// says only in words; both live in the contrastive space, so generation still conditions on text. Dropped captions
    /// keep the empty prompt's vector, the unconditional branch generation uses. Returns the rows and how many changed.
    /// Under mpirun the draw is made for the global batch: another rank's clip counts as captioned unless dropped.
    func pooledFromAudio(_ pooled: Tensor, captions: [String], mel: Tensor, rng: RandomGenerator, globalDropped: [Bool]? = nil,
                         shard: DataShard = .single) throws -> (Tensor, Int) {
        let p = Float(config.train.pooledFromAudio)
        guard p > 0, let c = contrastive else { return (pooled, 0) }
        let all: [Float] = (globalDropped ?? captions.map { _ in false }).enumerated().map { g, dropped in
            let captioned = shard.owns(g) ? captions[g / shard.count] != "" : !dropped
            return captioned && rng.nextUniform() < p ? 1 : 0
        }
        let picked = shard.mine(all)
        let swapped = Int(picked.reduce(0, +))
        if swapped == 0 { return (pooled, 0) }
        let audio = try GradMode.noGrad { try c.audioEmbeddings(mel) }
        let pick = Tensor(shape: [captions.count, 1], data: picked)
        return (try pooled * (1 - pick) + audio * pick, swapped)
    }

    func extraTensors() -> [String: [String: Tensor]] {
        var g = ["vae.": vae.stateDict()]
        if !frozenText, let m = encoderModule { g["text_encoder."] = m.stateDict() }
        if let adapter { g["lora."] = adapter.stateDict() }
        return g
    }

    func fill(_ state: inout CheckpointState) {
        state.vaeConfig = try? ModelExport.jsonString(vae.config, className: "AutoencoderKL")
        state.scalingFactor = vae.scalingFactor
        state.textEncoder = config.textEncoder.type == "minilm" ? "minilm" : config.textEncoder.path
        state.textEncoderTrained = !frozenText
    }

    func restoreExtra(from c: Checkpoint) throws {
        if let adapter { try LoRATraining.restore(adapter, from: c) }
        if !frozenText, let m = encoderModule {
            try m.load(stateDict: try c.tensors(prefix: "text_encoder."))
        }
    }

    func pipeline() throws -> TextToAudioPipeline {
        var parts = PipelineParts(
            unet: unet, vae: vae,
            vocoder: try .named(config.inference.vocoder, griffinLimIterations: config.inference.griffinLimIterations, relativeTo: nil),
            conditioner: conditioner, samplerConfig: ModelExport.samplerConfig(diffusion: config.diffusion, sampler: config.inference.sampler),
            conditioning: conditioning, audio: dataset.info.audio, identity: "\(config.name) (training)", contrastive: contrastive)
        parts.promptAttributes = config.ldm!.promptAttributes
        return try .assemble(parts)
    }

    /// Validation: the config's prompts (or the first captions of the valid split) generated with fixed seeds,
    /// written as WAV + spectrogram PNG under `samples/step-N/`.
    func validate(step: Int, experiment: URL, ema: EMA?) throws -> [String: Any] {
        let inf = config.inference
        let prompts = config.validationPrompts(orTraining: dataset)
        let dir = try Sample.folder(experiment: experiment, step: step)
        let pipe = try pipeline()
        encoderModule?.eval()
        defer { unet.train(); if !frozenText { encoderModule?.train() } }
        let front = try dataset.info.logMel()
        let image = SpectrogramImage(logMel: front, sampleRate: dataset.info.sampleRate)
        var rms: [Double] = []
        try withEMAWeights(ema, emaParameters.map(\.1)) {
            for (i, prompt) in prompts.enumerated() {
                let r = try pipe.generate(inf.generationOptions(prompt: prompt, index: i))
                let wave = r.waveforms[0]
                let name = String(format: "%02d-", i) + Sample.slug(prompt)
                let safe = wave.map { $0.isFinite ? $0 : 0 }
                try AudioFile.write(try AudioBuffer(mono: safe, sampleRate: r.sampleRate), to: dir.appendingPathComponent(name + ".wav").path)
                let mel = r.logMel
                let frames = mel.shape[1], bins = mel.shape[2]
                var img = image
                img.waveform = safe
                try img.write(try Spectrogram(frames: frames, bins: bins, values: Array(mel.scalars[0..<(frames * bins)])),
                              to: dir.appendingPathComponent(name + ".png").path)
                rms.append((wave.reduce(0.0) { $0 + Double($1) * Double($1) } / Double(max(1, wave.count))).squareRoot())
            }
        }
        return ["samples": dir.path, "prompts": prompts, "rms": rms]
    }

    func exportParts(ema: EMA?) throws -> ModelExport.FoleyFolderParts {
        let te = config.textEncoder
        var uc = unet.config
        uc.sampleSize = try ModelExport.trainedSampleSize(config, info: dataset.info, vaeFactor: vae.downsamplingFactor, unit: frameUnit)
        return ModelExport.FoleyFolderParts(
            name: config.name, unetConfig: uc, unetWeights: try unetWeights(ema: ema),
            vaeConfig: vae.config, vaeWeights: vae.stateDict(), scalingFactor: vae.scalingFactor,
            scheduler: ModelExport.samplerConfig(diffusion: config.diffusion, sampler: config.inference.sampler),
            conditioning: conditioning, dataset: dataset.info, textEncoder: te.type == "minilm" ? "minilm" : te.path!,
            tokenizerFolder: te.tokenizerPath, textEncoderWeights: frozenText ? nil : encoderModule?.stateDict(),
            vocoder: config.inference.vocoder, griffinLimIterations: config.inference.griffinLimIterations, trainingYAML: config.yaml,
            contrastive: contrastive, promptAttributes: config.ldm!.promptAttributes, generation: generationDefaults(config.inference))
    }

    /// The UNet's weights to export: EMA's when enabled; a LoRA run's adapter folded in (the UNet is not changed).
    func unetWeights(ema: EMA?) throws -> [String: Tensor] {
        guard let adapter else { return ModelExport.weights(unet, ema: ema, names: named.map(\.0)) }
        let merged = try withEMAWeights(ema, emaParameters.map(\.1)) { try adapter.mergedWeights() }
        return unet.stateDict().merging(merged) { _, new in new }
    }

    func export(to folder: URL, ema: EMA?) throws {
        try ModelExport.writeFoleyFolder(try exportParts(ema: ema), to: folder)
    }

    func finish(experiment: URL, ema: EMA?, state: inout CheckpointState, export: Bool) throws -> URL? {
        guard export else { return nil }
        if let adapter {
            return try LoRATraining.writeAdapter(adapter, prefix: "unet", experiment: experiment, ema: ema, parameters: emaParameters.map(\.1))
        }
        let folder = experiment.appendingPathComponent("model")
        try self.export(to: folder, ema: ema)
        return folder
    }
}
