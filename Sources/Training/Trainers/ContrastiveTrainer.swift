import Diffusion
import Foundation
import NN
import Tensors
import Text

/// Trains Foley's CLAP-style `ContrastiveAudioText` on a preprocessed corpus: whole-clip log-mels against one of each
/// clip's captions (drawn per batch, so paraphrases all count), symmetric InfoNCE over the batch. The text side is the
/// frozen encoder's L2-normalized pooled vector, encoded once per distinct caption; only the audio CNN and the two
/// projections learn. Validation and the end of training report text-to-audio recall@k on the valid split.
public final class ContrastiveTrainer {
    public let config: TrainingConfig
    public let model: ContrastiveAudioText
    public let conditioner: TextConditioner
    public let dataset: MelDataset
    let stage: ContrastiveStage
    let loop: TrainingLoop

    public var experiment: URL { loop.start.experiment }
    public var step: Int { loop.step }
    public var loader: DataLoader { loop.loader }

    /// - Parameter conditioner: a text conditioner to use instead of loading `text_encoder` from the config.
    public init(config: TrainingConfig, options: TrainingOptions = TrainingOptions(), conditioner: TextConditioner? = nil) throws {
        guard config.stage == .clap, var mc = config.contrastive else {
            throw TrainingError.config(key: "model.type", found: "'\(config.stage.rawValue)'", expected: "ContrastiveAudioText for ContrastiveTrainer")
        }
        self.config = config
        let start = try RunStart(config: config, options: options)
        dataset = try MelDataset(folder: config.data.dataset, split: config.data.trainSplit)
        self.conditioner = try conditioner ?? LDMTrainer.loadConditioner(config.textEncoder)
        NNRandom.manualSeed(config.train.seed)
        if let r = start.resume {
            mc = try ModelConfig.decode(ContrastiveAudioTextConfig.self, from: Data(r.state.modelConfig.utf8), path: r.path)
        } else {
            mc.numMels = dataset.melBins
            mc.textEmbedDim = self.conditioner.encoder.pooledSize
        }
        do { model = try ContrastiveAudioText(config: mc) } catch let e as DiffusionError {
            throw TrainingError.config(key: "model", found: "a ContrastiveAudioText it cannot build", expected: "a valid architecture (\(e.description))")
        }
        if start.resume == nil, let from = options.initFrom {
            do { try model.load(stateDict: try ContrastiveAudioText.load(folder: ContrastiveStage.folder(from)).stateDict()) } catch {
                throw TrainingError.file(from, "no ContrastiveAudioText of this shape to start from: \(error)")
            }
            options.log("initialized the contrastive model from \(from)")
        }
        stage = ContrastiveStage(config: config, model: model, conditioner: self.conditioner, dataset: dataset)
        loop = try TrainingLoop(config: config, options: options, stage: stage, start: start, dataset: dataset)
        stage.loader = loop.loader
    }

    /// Trains to `train.max_steps` (or until Ctrl-C); at the end exports `experiment/contrastive/` and its recall.
    public func run() throws -> TrainingResult { try loop.run() }

    /// Writes the model folder (`config.json`, `model.safetensors`; EMA weights when enabled).
    public func export(to folder: URL) throws {
        try withEMAWeights(loop.ema, stage.emaParameters.map(\.1)) { try model.save(to: folder, as: ModelExport.storage) }
    }

    /// Text-to-audio recall on the config's valid split with the current weights.
    public func recall(limit: Int? = nil) throws -> ContrastiveRecall {
        let valid = try MelDataset(folder: config.data.dataset, split: config.data.validSplit)
        return try ContrastiveRecall.measure(model: model, dataset: valid, conditioner: conditioner, frames: loader.frames, limit: limit)
    }
}

final class ContrastiveStage: TrainingStage {
    let config: TrainingConfig
    let model: ContrastiveAudioText
    let conditioner: TextConditioner
    let dataset: MelDataset
    var loader: DataLoader!
    let named: [(String, Tensor)]
    /// The pipeline's one conditioning path, asked for the pooled vector only (the model's own text head is what
    /// trains here, so no contrastive projection is applied inside it).
    let prompts: PromptConditioning

    init(config: TrainingConfig, model: ContrastiveAudioText, conditioner: TextConditioner, dataset: MelDataset) {
        self.config = config
        self.model = model
        self.conditioner = conditioner
        self.dataset = dataset
        named = model.namedParameters()
        prompts = PromptConditioning(conditioner: conditioner, conditioning: .pooled,
                                     cacheCapacity: dataset.entries.reduce(1) { $0 + $1.captions.count })
        (conditioner.encoder as? Module)?.requiresGrad(false)
    }

    /// The model folder inside an experiment, a model folder holding `contrastive/`, or `path` itself.
    static func folder(_ path: String) -> URL {
        let url = URL(fileURLWithPath: path)
        let fm = FileManager.default
        for sub in ["contrastive"] where fm.fileExists(atPath: url.appendingPathComponent(sub).appendingPathComponent("config.json").path) {
            return url.appendingPathComponent(sub)
        }
        return url
    }

    var stage: TrainingConfig.Stage { .clap }
    var module: Module { model }
    var trainableParameters: [Tensor] { named.map(\.1) }
    var emaParameters: [(String, Tensor)] { named }
    var modelConfigJSON: String { (try? ModelExport.jsonString(model.config, className: "ContrastiveAudioText")) ?? "{}" }
    var frameUnit: Int { model.config.frameUnit }

    /// Pooled text rows [B, P] for `captions`, each encoded alone (as generation encodes a prompt) and cached.
    func pooled(_ captions: [String]) throws -> Tensor {
        guard let pooled = try prompts(captions).pooled else {
            throw TrainingError.config(key: "model.type", found: "a conditioning without a pooled vector", expected: "pooled text rows")
        }
        return pooled
    }

    func loss(_ batch: DataLoader.Batch, rng: RandomGenerator) throws -> (Tensor, [String: Double]) {
        let audio = try model.audioEmbeddings(batch.mel)
        let text = try model.textEmbeddings(try pooled(batch.captions))
        let loss = try model.contrastiveLoss(audio: audio, text: text)
        let acc = try GradMode.noGrad { try ContrastiveRecall.diagonalHits(try audio.matmul(try text.transpose(0, 1))) }
        return (loss, ["batch_top1": Double(acc) / Double(batch.mel.shape[0]),
                       "temperature": Double(1 / Foundation.exp(model.logitScale.scalars[0]))])
    }

    func extraTensors() -> [String: [String: Tensor]] { [:] }
    func fill(_ state: inout CheckpointState) {}
    func restoreExtra(from c: Checkpoint) throws {}

    func validate(step: Int, experiment: URL, ema: EMA?) throws -> [String: Any] {
        guard let valid = try? MelDataset(folder: config.data.dataset, split: config.data.validSplit), valid.count > 1 else { return [:] }
        model.eval()
        let r = try withEMAWeights(ema, emaParameters.map(\.1)) {
            try ContrastiveRecall.measure(model: model, dataset: valid, conditioner: conditioner, frames: loader.frames)
        }
        return r.record
    }

    func finish(experiment: URL, ema: EMA?, state: inout CheckpointState, export: Bool) throws -> URL? {
        guard export else { return nil }
        let folder = experiment.appendingPathComponent("contrastive")
        model.eval()
        try withEMAWeights(ema, emaParameters.map(\.1)) {
            try model.save(to: folder, as: ModelExport.storage)
            if let valid = try? MelDataset(folder: config.data.dataset, split: config.data.validSplit), valid.count > 1 {
                let r = try ContrastiveRecall.measure(model: model, dataset: valid, conditioner: conditioner, frames: loader.frames)
                let json = try JSONSerialization.data(withJSONObject: r.record, options: [.prettyPrinted, .sortedKeys])
                try AtomicFile.write(json, to: folder.appendingPathComponent("recall.json").path)
            }
        }
        return folder
    }
}
