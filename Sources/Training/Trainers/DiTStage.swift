import Audio
import Diffusion
import Foundation
import NN
import Tensors
import Text

/// The DiT and its projection model as one module, saved under `model.transformer.` and `model.projection_model.`
/// (the folders they export to).
final class StableAudioDenoiser: Module {
    init(transformer: StableAudioDiTModel, projection: StableAudioProjectionModel) {
        super.init()
        child("transformer", transformer)
        child("projection_model", projection)
    }
}

final class DiTStage: TrainingStage {
    let config: TrainingConfig
    let transformer: StableAudioDiTModel
    let projection: StableAudioProjectionModel
    let vae: AutoencoderOobleck
    let conditioner: TextConditioner
    let clips: WaveformClips
    let denoiser: StableAudioDenoiser
    let named: [(String, Tensor)]
    let flow: DiTFlowLoss
    /// Captions to the frozen encoder's padded token states and mask, each caption encoded once.
    let prompts: PromptConditioning
    let frameUnit: Int
    /// Set for a LoRA run: its weights are what trains, EMA tracks, checkpoints keep under `lora.` and the run exports.
    let adapter: LoRAAdapter?

    init(config: TrainingConfig, transformer: StableAudioDiTModel, projection: StableAudioProjectionModel, vae: AutoencoderOobleck,
         conditioner: TextConditioner, clips: WaveformClips, unit: Int, adapter: LoRAAdapter? = nil) throws {
        self.config = config
        self.transformer = transformer
        self.projection = projection
        self.vae = vae
        self.conditioner = conditioner
        self.clips = clips
        frameUnit = unit
        denoiser = StableAudioDenoiser(transformer: transformer, projection: projection)
        self.adapter = adapter
        named = adapter?.namedParameters ?? denoiser.namedParameters()
        let d = config.diffusion
        flow = DiTFlowLoss(objective: FlowMatchingObjective(
            sampling: FlowMatchingObjective.TimestepSampling(rawValue: d.timestepSampling) ?? .logitNormal,
            logitMean: d.logitMean, logitStd: d.logitStd, numTrainTimesteps: d.numTrainTimesteps))
        prompts = PromptConditioning(conditioner: conditioner, conditioning: .tokens,
                                     cacheCapacity: clips.dataset.entries.reduce(1) { $0 + $1.captions.count })
        (conditioner.encoder as? Module)?.requiresGrad(false)
    }

    var stage: TrainingConfig.Stage { .dit }
    var module: Module { denoiser }
    var trainableParameters: [Tensor] { named.map(\.1) }
    var emaParameters: [(String, Tensor)] { named }
    var modelConfigJSON: String {
        let saved = DiTTrainer.SavedConfigs(transformer: transformer.config, projectionModel: projection.config)
        return (try? String(decoding: JSONEncoder.sorted.encode(saved), as: UTF8.self)) ?? "{}"
    }

    /// Cross-attention tokens and the global token for `captions` (a dropped row's tokens all zero), with the
    /// seconds conditioning of each row.
    func conditioning(_ captions: [String], keep: [Bool], secondsStart: [Float], secondsTotal: [Float]) throws -> (tokens: Tensor, global: Tensor) {
        let enc = try prompts(captions)
        let mask = try enc.mask!.reshape(enc.mask!.shape + [1])
        let text = try projection.projectText(enc.tokens!) * mask
        let (tokens, global) = try StableAudioParts.assemble(text: text, start: try projection.secondsStart(Tensor(secondsStart)),
                                                             end: try projection.secondsEnd(Tensor(secondsTotal)))
        guard keep.contains(false) else { return (tokens, global) }
        let rows = Tensor(shape: [keep.count, 1, 1], data: keep.map { $0 ? 1 : 0 })
        return (try tokens * rows, global)
    }

    func loss(_ batch: DataLoader.Batch, rng: RandomGenerator) throws -> (Tensor, [String: Double]) {
        try loss(batch, rng: rng, dropText: true)
    }

    func loss(_ batch: DataLoader.Batch, rng: RandomGenerator, dropText: Bool) throws -> (Tensor, [String: Double]) {
        let audio = try clips.crops(ids: batch.ids, starts: batch.starts, frames: batch.mel.shape[2])
        let z = try GradMode.noGrad { () -> Tensor in
            let posterior = try vae.encode(audio)
            guard config.train.samplePosterior else { return posterior.mean }
            return try posterior.sample(batch.shard.randn(posterior.mean.shape, generator: rng))
        }
        let b = z.shape[0]
        let p = Float(config.train.textDropout)
        // Drawn for the global batch under mpirun (every rank, same order), each rank keeping its own.
        let drops = dropText && p > 0 ? batch.shard.mine(batch.shard.globalDraws(b) { rng.nextUniform() < p }) : Array(repeating: false, count: b)
        let rate = Float(clips.sampleRate)
        let starts = batch.starts.map { Float($0 * clips.hopLength) / rate }
        let totals = batch.ids.map { Float(clips.duration($0)) }
        let (tokens, global) = try conditioning(batch.captions, keep: drops.map { !$0 }, secondsStart: starts, secondsTotal: totals)
        let (loss, _) = try flow(transformer, latents: z, encoderHiddenStates: tokens, globalHiddenStates: global, rng: rng, shard: batch.shard)
        return (loss, ["text_dropped": Double(drops.filter { $0 }.count) / Double(b)])
    }

    func extraTensors() -> [String: [String: Tensor]] {
        var g = ["vae.": vae.stateDict()]
        if let adapter { g["lora."] = adapter.stateDict() }
        return g
    }

    func fill(_ state: inout CheckpointState) {
        state.vaeConfig = try? ModelExport.jsonString(vae.config, className: "AutoencoderOobleck")
        state.textEncoder = config.textEncoder.type == "minilm" ? "minilm" : config.textEncoder.path
    }

    func restoreExtra(from c: Checkpoint) throws {
        if let adapter { try LoRATraining.restore(adapter, from: c) }
    }

    func samplerConfig() -> SamplerConfig {
        ModelExport.samplerConfig(diffusion: config.diffusion, sampler: config.inference.sampler)
    }

    func pipeline() throws -> TextToAudioPipeline {
        // StableAudioParts puts its models in eval mode; training goes on afterwards.
        defer { transformer.train(); projection.train() }
        let parts = try StableAudioParts(transformer: transformer, vae: vae, projection: projection, conditioner: conditioner,
                                         samplerConfig: samplerConfig())
        return try .assemble(PipelineParts(stableAudio: parts, identity: "\(config.name) (training)"))
    }

    /// Validation: the config's prompts (or the first captions of the valid split) generated with fixed seeds,
    /// written as WAV under `samples/step-N/`, with each output's RMS.
    func validate(step: Int, experiment: URL, ema: EMA?) throws -> [String: Any] {
        let inf = config.inference
        let texts = config.validationPrompts(orTraining: clips.dataset)
        let dir = try Sample.folder(experiment: experiment, step: step)
        let pipe = try pipeline()
        defer { transformer.train(); projection.train() }
        var rms: [Double] = []
        try withEMAWeights(ema, emaParameters.map(\.1)) {
            for (i, prompt) in texts.enumerated() {
                let r = try pipe.generate(inf.generationOptions(prompt: prompt, index: i))
                let wave = r.waveforms[0].map { $0.isFinite ? $0 : 0 }
                try AudioFile.write(try AudioBuffer(mono: wave, sampleRate: r.sampleRate),
                                    to: dir.appendingPathComponent(String(format: "%02d-", i) + Sample.slug(prompt) + ".wav").path)
                rms.append((wave.reduce(0.0) { $0 + Double($1) * Double($1) } / Double(max(1, wave.count))).squareRoot())
            }
        }
        return ["samples": dir.path, "prompts": texts, "rms": rms]
    }

    /// The two models' weights to export: EMA's when enabled; a LoRA run's adapter folded into the transformer.
    func exportWeights(ema: EMA?) throws -> [String: Tensor] {
        guard let adapter else { return ModelExport.weights(denoiser, ema: ema, names: named.map(\.0)) }
        let merged = try withEMAWeights(ema, emaParameters.map(\.1)) { try adapter.mergedWeights(prefix: "transformer.") }
        return denoiser.stateDict().merging(merged) { _, new in new }
    }

    func export(to folder: URL, ema: EMA?) throws {
        let w = try exportWeights(ema: ema)
        let te = config.textEncoder
        try StableAudioExport.writePipeline(StableAudioExport.Parts(
            name: config.name, transformer: transformer.config, transformerWeights: StableAudioExport.part(w, "transformer."),
            projection: projection.config, projectionWeights: StableAudioExport.part(w, "projection_model."),
            vae: vae.config, vaeWeights: vae.stateDict(), scheduler: samplerConfig(),
            textEncoder: te.type == "minilm" ? "minilm" : te.path!, tokenizerFolder: te.tokenizerPath,
            maxLength: conditioner.maxLength, trainingYAML: config.yaml), to: folder)
    }

    func finish(experiment: URL, ema: EMA?, state: inout CheckpointState, export: Bool) throws -> URL? {
        guard export else { return nil }
        if let adapter {
            return try LoRATraining.writeAdapter(adapter, prefix: "transformer", experiment: experiment, ema: ema, parameters: emaParameters.map(\.1))
        }
        let folder = experiment.appendingPathComponent("model")
        try self.export(to: folder, ema: ema)
        return folder
    }
}
