import Foundation
import Tensors

/// Everything besides tensors that a checkpoint needs to resume to the bit, JSON-encoded into the safetensors
/// `__metadata__` under the key `foley`.
public struct CheckpointState: Codable, Equatable {
    public var format = "foley-checkpoint/1"
    /// "vae" or "ldm".
    public var stage: String
    /// Optimizer steps completed.
    public var step: Int
    /// The run's config YAML.
    public var config: String
    /// The trained model's diffusers config (AutoencoderKL or UNet2DConditionModel JSON).
    public var modelConfig: String
    /// Stage 2: the frozen VAE's config JSON (its weights are the `vae.` tensors).
    public var vaeConfig: String?
    /// Generator states by name, each four UInt64 words as decimal strings.
    public var rng: [String: [String]]
    /// The step the learning-rate schedule is at (equal to `step`; kept explicit for tools).
    public var lrStep: Int
    /// The schedule's total steps.
    public var totalSteps: Int
    /// The data loader's next batch and its shuffling seed.
    public var loader: DataLoader.Position
    public var loaderSeed: String
    public var emaUpdates: Int?
    /// The measured latent scaling factor (stage 1: measured at the end; stage 2: the one training used).
    public var scalingFactor: Float?
    /// Stage 2: the text encoder used ("minilm" or a folder), and whether its weights are in `text_encoder.`.
    public var textEncoder: String?
    public var textEncoderTrained: Bool?
    /// Whether this is the end-of-training checkpoint.
    public var finished: Bool
    /// Seconds of training so far (across resumes).
    public var elapsed: Double
    /// Processes of the run that wrote it (nil: one); a resume on another count re-deals the loader position.
    public var worldSize: Int?

    enum CodingKeys: String, CodingKey {
        case format, stage, step, config, modelConfig = "model_config", vaeConfig = "vae_config", rng, lrStep = "lr_step"
        case totalSteps = "total_steps", loader, loaderSeed = "loader_seed", emaUpdates = "ema_updates"
        case scalingFactor = "scaling_factor", textEncoder = "text_encoder", textEncoderTrained = "text_encoder_trained"
        case finished, elapsed, worldSize = "world_size"
    }

    public static func encodeState(_ g: RandomGenerator) -> [String] { g.state.map { String($0) } }

    public static func decodeState(_ s: [String]?, name: String) throws -> [UInt64] {
        // Four state words, plus the pending Box-Muller flag and value in checkpoints written since.
        guard let s, s.count == 4 || s.count == 6, let words = Optional(s.compactMap { UInt64($0) }), words.count == s.count else {
            throw TrainingError.invalidArgument("checkpoint", "generator state '\(name)' is missing or malformed")
        }
        return words
    }
}

/// One checkpoint file: tensors grouped by prefix (`model.`, `optimizer.`, `ema.`, `vae.`, `text_encoder.`) and the
/// resume state.
public struct Checkpoint {
    public static let metadataKey = "foley"
    public let path: String
    public let state: CheckpointState
    let file: SafeTensorsFile

    /// Reads a checkpoint, validating its header and state.
    public static func load(path: String) throws -> Checkpoint {
        let file: SafeTensorsFile
        do { file = try SafeTensorsFile(path: path) } catch { throw TrainingError.file(path, "not a readable checkpoint: \(error)") }
        guard let json = file.metadata[metadataKey] else {
            throw TrainingError.file(path, "not a Foley checkpoint (no '\(metadataKey)' metadata)")
        }
        do {
            let state = try JSONDecoder().decode(CheckpointState.self, from: Data(json.utf8))
            return Checkpoint(path: path, state: state, file: file)
        } catch {
            throw TrainingError.file(path, "malformed checkpoint metadata: \(error)")
        }
    }

    /// The tensors under `prefix` ("model." ...), with the prefix removed.
    public func tensors(prefix: String) throws -> [String: Tensor] {
        var out: [String: Tensor] = [:]
        for k in file.keys where k.hasPrefix(prefix) { out[String(k.dropFirst(prefix.count))] = try file.tensor(k) }
        return out
    }

    public func has(prefix: String) -> Bool { file.keys.contains { $0.hasPrefix(prefix) } }

    /// Writes groups of tensors (prefix -> name -> tensor) and the state atomically (temporary file, fsync, rename).
    public static func write(_ groups: [String: [String: Tensor]], state: CheckpointState, to path: String) throws {
        var all: [String: Tensor] = [:]
        for (prefix, tensors) in groups { for (k, t) in tensors { all[prefix + k] = t } }
        let json = String(decoding: try JSONEncoder.sorted.encode(state), as: UTF8.self)
        try SafeTensorsFile.save(all, to: path, metadata: [metadataKey: json, "format": state.format, "step": String(state.step)])
    }
}

/// The checkpoints folder of an experiment: `step-00001234.safetensors`, the newest `keep` kept.
public struct CheckpointStore {
    public let directory: String
    public let keep: Int

    public init(directory: String, keep: Int) {
        self.directory = directory
        self.keep = max(1, keep)
    }

    public func path(step: Int) -> String { (directory as NSString).appendingPathComponent(String(format: "step-%08d.safetensors", step)) }

    /// Checkpoint files by step, oldest first.
    public func list() -> [(step: Int, path: String)] {
        let names = (try? FileManager.default.contentsOfDirectory(atPath: directory)) ?? []
        return names.compactMap { n -> (Int, String)? in
            guard n.hasPrefix("step-"), n.hasSuffix(".safetensors"), let s = Int(n.dropFirst(5).dropLast(12)) else { return nil }
            return (s, (directory as NSString).appendingPathComponent(n))
        }.sorted { $0.0 < $1.0 }
    }

    /// Writes the checkpoint for `state.step`, then deletes all but the newest `keep`.
    @discardableResult
    public func save(_ groups: [String: [String: Tensor]], state: CheckpointState) throws -> String {
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        removeStaleTemporaries()
        let p = path(step: state.step)
        try Checkpoint.write(groups, state: state, to: p)
        let all = list()
        for old in all.dropLast(keep) { try? FileManager.default.removeItem(atPath: old.path) }
        return p
    }

    /// Removes what killed writes left behind (`.step-N.safetensors.XXXXXX`); called before every save.
    @discardableResult
    public func removeStaleTemporaries() -> [String] {
        AtomicFile.removeStaleTemporaries(in: directory) { $0.hasPrefix("step-") && $0.hasSuffix(".safetensors") }
    }

    /// The newest checkpoint that reads cleanly (an unreadable newest one is reported through `warn` and passed over).
    public func latest(warn: (String) -> Void = { _ in }) -> Checkpoint? {
        removeStaleTemporaries()
        for c in list().reversed() {
            do { return try Checkpoint.load(path: c.path) } catch { warn("skipping unreadable checkpoint \(c.path): \(error)") }
        }
        return nil
    }
}
