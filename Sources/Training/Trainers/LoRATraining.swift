import Foundation
import NN
import Tensors

/// A `train.lora` run on a frozen denoiser (the UNet, or a Stable Audio transformer), the same for every stage that
/// offers it: the adapter attached with the run's seed, restored from checkpoints, and written as the run's product.
enum LoRATraining {
    /// A LoRA run adapts weights it did not train: `hasBase` says the run has them (--init-from or --resume);
    /// `expected` tells the user where they come from.
    static func requireBase(_ hasBase: Bool, expected: String) throws {
        guard hasBase else { throw TrainingError.config(key: "train.lora", found: "a LoRA run without base weights", expected: expected) }
    }

    /// Attaches the adapter `lc` describes to `model`, which the caller has frozen; logs its size at a run's start.
    static func attach(_ lc: LoRAConfig, to model: Module, modelName: String, seed: UInt64, starting: Bool,
                       log: (String) -> Void) throws -> LoRAAdapter {
        let adapter: LoRAAdapter
        do {
            adapter = try LoRAAdapter.attach(to: model, name: "default", config: lc,
                                             generator: RandomGenerator(seed: DataLoader.mix(seed, 0x4C6F_5241, 1)), what: "train.lora")
        } catch let e as NNError { throw TrainingError.config(key: "train.lora", found: "targets \(lc.targets)", expected: e.description) }
        if starting {
            log("LoRA: rank \(lc.rank), alpha \(lc.alpha) on \(adapter.layers.count) layers (\(adapter.parameterCount) trainable parameters; the \(modelName)'s \(model.parameterCount) are frozen)")
        }
        return adapter
    }

    /// The adapter's weights from a checkpoint of the run (kept under `lora.`).
    static func restore(_ adapter: LoRAAdapter, from c: Checkpoint) throws {
        let saved = try c.tensors(prefix: "lora.")
        guard !saved.isEmpty else { throw TrainingError.file(c.path, "holds no LoRA weights; it was not written by a train.lora run") }
        do { try adapter.load(stateDict: saved) } catch { throw TrainingError.file(c.path, "its LoRA weights do not fit train.lora: \(error)") }
    }

    /// A LoRA run's product: the adapter (EMA weights when enabled) in diffusers' file format, keyed `prefix.`.
    static func writeAdapter(_ adapter: LoRAAdapter, prefix: String, experiment: URL, ema: EMA?, parameters: [Tensor]) throws -> URL {
        let file = experiment.appendingPathComponent("lora.safetensors")
        try withEMAWeights(ema, parameters) { try LoRAFile.write([(prefix: prefix, adapter: adapter)], to: file.path) }
        return file
    }
}
