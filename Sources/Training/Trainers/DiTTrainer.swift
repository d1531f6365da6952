import Audio
import Diffusion
import Foundation
import NN
import Tensors
import Text

/// The Stable Audio family's second stage: trains a StableAudioDiTModel and its StableAudioProjectionModel as a
/// rectified flow (`DiTFlowLoss`) over the latents of a frozen AutoencoderOobleck, conditioned as diffusers'
/// StableAudioPipeline conditions it: the frozen text encoder's states projected and masked, plus seconds_start (where
/// the crop starts in its clip) and seconds_total (the clip's length). A dropped caption (`train.text_dropout`) zeroes
/// the row's whole cross-attention sequence, which is the pipeline's unconditional branch without a negative prompt.
/// Exports a StableAudioPipeline folder.
public final class DiTTrainer {
    public let config: TrainingConfig
    public let options: TrainingOptions
    public let transformer: StableAudioDiTModel
    public let projection: StableAudioProjectionModel
    /// The frozen waveform VAE.
    public let vae: AutoencoderOobleck
    public let conditioner: TextConditioner
    public let dataset: MelDataset
    /// The adapter being trained when the config has `train.lora` (the transformer and projection are then frozen).
    public let adapter: LoRAAdapter?
    let stage: DiTStage
    let loop: TrainingLoop

    public var experiment: URL { loop.start.experiment }
    public var step: Int { loop.step }
    public var totalSteps: Int { loop.totalSteps }
    public var loader: DataLoader { loop.loader }

    /// The checkpoint's `modelConfig`: both trained models' diffusers configs.
    struct SavedConfigs: Codable {
        var transformer: StableAudioDiTConfig
        var projectionModel: StableAudioProjectionConfig
        enum CodingKeys: String, CodingKey { case transformer, projectionModel = "projection_model" }
    }

    public init(config: TrainingConfig, options: TrainingOptions = TrainingOptions(), conditioner: TextConditioner? = nil) throws {
        guard config.stage == .dit, let m = config.dit else {
            throw TrainingError.config(key: "model.type", found: "a \(config.stage.rawValue) config", expected: "StableAudioDiTModel for DiTTrainer")
        }
        guard config.textEncoder.freeze else {
            throw TrainingError.config(key: "text_encoder.freeze", found: "false", expected: "true: the DiT stage trains the projection of a frozen text encoder")
        }
        self.config = config
        self.options = options
        let start = try RunStart(config: config, options: options)
        dataset = try MelDataset(folder: config.data.dataset, split: config.data.trainSplit)
        self.conditioner = try conditioner ?? LDMTrainer.loadConditioner(config.textEncoder, padToMaxLength: true)

        // The frozen VAE: the resumed checkpoint's copy, else model.pretrained_vae, else --init-from's vae/.
        let source: OobleckSource
        if let r = start.resume {
            source = try OobleckSource.resolve(r.path, log: options.log)
        } else if let p = m.pretrainedVAE {
            source = try OobleckSource.resolve(p, log: options.log)
        } else if let from = options.initFrom {
            source = try OobleckSource.resolve(from, log: options.log)
        } else {
            throw TrainingError.config(key: "model.pretrained_vae", found: "nothing (the key is missing)",
                                       expected: "an AutoencoderOobleck: an oobleck experiment folder or checkpoint, or a vae/ folder")
        }
        if start.resume == nil { options.log("frozen Oobleck: \(source.description)") }
        vae = source.vae
        guard vae.sampleRate == dataset.info.sampleRate, vae.audioChannels == 1 else {
            throw TrainingError.config(key: "model.pretrained_vae", found: "an Oobleck of \(vae.audioChannels) channels at \(vae.sampleRate) Hz",
                                       expected: "one for the dataset's audio: mono at \(dataset.info.sampleRate) Hz")
        }
        vae.requiresGrad(false)
        vae.eval()

        NNRandom.manualSeed(config.train.seed)
        let clips = try WaveformClips(dataset: dataset)
        let unit = vae.hopLength / gcd(vae.hopLength, clips.hopLength)
        let latentFrames = try TrainingLoop.cropFrames(config, info: dataset.info, unit: unit) * clips.hopLength / vae.hopLength
        var tc: StableAudioDiTConfig, pc: StableAudioProjectionConfig
        var initWeights: (transformer: [String: Tensor], projection: [String: Tensor])?
        if let r = start.resume {
            let saved = try ModelConfig.decode(SavedConfigs.self, from: Data(r.state.modelConfig.utf8), path: r.path)
            (tc, pc) = (saved.transformer, saved.projectionModel)
        } else if let from = options.initFrom, FileManager.default.fileExists(atPath: from + "/transformer/config.json") {
            let url = URL(fileURLWithPath: from)
            do {
                let t = try StableAudioDiTModel.load(folder: url.appendingPathComponent("transformer"))
                let p = try StableAudioProjectionModel.load(folder: url.appendingPathComponent("projection_model"))
                (tc, pc) = (t.config, p.config)
                initWeights = (t.stateDict(), p.stateDict())
            } catch { throw TrainingError.file(from, "no loadable Stable Audio transformer and projection_model (--init-from): \(error)") }
            options.log("initialized the DiT and projection from \(from) (their shapes replace the model section's)")
        } else {
            tc = m.transformerConfig(latentChannels: vae.latentChannels, sampleSize: latentFrames)
            pc = m.projectionConfig(textEncoderDim: self.conditioner.encoder.hiddenSize)
        }
        tc.sampleSize = latentFrames
        guard tc.inChannels == vae.latentChannels, pc.textEncoderDim == self.conditioner.encoder.hiddenSize else {
            throw TrainingError.config(key: "model", found: "a DiT of \(tc.inChannels) channels and a projection of \(pc.textEncoderDim)-d text",
                                       expected: "\(vae.latentChannels) channels (the Oobleck's latents) and \(self.conditioner.encoder.hiddenSize)-d text (the encoder's)")
        }
        do {
            transformer = try StableAudioDiTModel(config: tc)
            projection = try StableAudioProjectionModel(config: pc)
        } catch let e as DiffusionError {
            throw TrainingError.config(key: "model", found: "a StableAudioDiTModel it cannot build", expected: e.description)
        }
        if let w = initWeights {
            try transformer.load(stateDict: w.transformer)
            try projection.load(stateDict: w.projection)
        }
        if let lc = config.train.lora {
            try LoRATraining.requireBase(start.resume != nil || initWeights != nil,
                                         expected: "--init-from a StableAudioPipeline folder (the transformer the adapter is trained on), or --resume of a LoRA run")
            transformer.requiresGrad(false)
            projection.requiresGrad(false)
            adapter = try LoRATraining.attach(lc, to: transformer, modelName: "transformer", seed: config.train.seed,
                                              starting: start.resume == nil, log: options.log)
        } else {
            adapter = nil
        }
        stage = try DiTStage(config: config, transformer: transformer, projection: projection, vae: vae, conditioner: self.conditioner,
                             clips: clips, unit: unit, adapter: adapter)
        loop = try TrainingLoop(config: config, options: options, stage: stage, start: start, dataset: dataset)
    }

    /// Trains to `train.max_steps` (or until Ctrl-C / `stopAtStep`); at the end exports `experiment/model/`.
    public func run() throws -> TrainingResult { try loop.run() }

    /// The flow loss of one batch at a fixed seed, captions kept (no update); for tests and evaluation.
    public func evaluate(_ batch: DataLoader.Batch, seed: UInt64) throws -> Double {
        try GradMode.noGrad { Double(try stage.loss(batch, rng: RandomGenerator(seed: seed), dropText: false).0.item) }
    }

    /// Writes the StableAudioPipeline folder (EMA weights when enabled).
    public func export(to folder: URL) throws { try stage.export(to: folder, ema: loop.ema) }

    /// A pipeline over the current weights (EMA not applied), for generating during or after training.
    public func pipeline() throws -> TextToAudioPipeline { try stage.pipeline() }
}
