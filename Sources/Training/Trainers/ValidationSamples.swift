import Diffusion
import Foundation

/// What every stage's periodic validation shares: the clips or prompts it uses, the generation settings of the
/// `inference` section, and where its samples go.
extension TrainingConfig {
    /// The valid split of the dataset, or `training` when that split holds no clip.
    func validationDataset(orTraining training: MelDataset) -> MelDataset {
        (try? MelDataset(folder: data.dataset, split: data.validSplit)).flatMap { $0.count > 0 ? $0 : nil } ?? training
    }

    /// The prompts validation generates: `inference.prompts`, else the first captions of two validation clips.
    func validationPrompts(orTraining training: MelDataset) -> [String] {
        inference.prompts.isEmpty ? Array(validationDataset(orTraining: training).entries.prefix(2).map { $0.captions[0] }) : inference.prompts
    }
}

extension TrainingConfig.InferenceConfig {
    /// The options validation prompt `index` is generated with: this section's settings, its seed plus the index.
    func generationOptions(prompt: String, index: Int) -> GenerationOptions {
        var o = GenerationOptions(prompt: prompt)
        o.steps = numSteps
        o.guidanceScale = Float(guidanceScale)
        o.sampler = sampler
        o.seed = seed &+ UInt64(index)
        o.seconds = seconds
        return o
    }
}

/// Where validation samples go and what they are called.
enum Sample {
    /// A file-name-safe short form of a prompt or id.
    static func slug(_ s: String) -> String {
        let allowed = Set("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-_")
        let mapped = String(s.map { allowed.contains($0) ? $0 : "-" }.prefix(40))
        return mapped.isEmpty ? "sample" : mapped
    }

    /// `experiment/samples/step-N/`, created: where validation at `step` writes.
    static func folder(experiment: URL, step: Int) throws -> URL {
        let dir = experiment.appendingPathComponent("samples").appendingPathComponent(String(format: "step-%08d", step))
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        return dir
    }
}
