import Diffusion
import Foundation
import Tensors

/// A trained AutoencoderOobleck found from a path: an oobleck-stage checkpoint (or a DiT checkpoint's frozen copy),
/// an oobleck experiment folder, a diffusers `vae/` folder, or a model folder holding `vae/` (a Stable Audio folder).
struct OobleckSource {
    var vae: AutoencoderOobleck
    var description: String

    static func resolve(_ path: String, log: (String) -> Void) throws -> OobleckSource {
        let fm = FileManager.default
        var isDir: ObjCBool = false
        guard fm.fileExists(atPath: path, isDirectory: &isDir) else { throw TrainingError.file(path, "no such Oobleck checkpoint or folder") }
        if !isDir.boolValue {
            let c = try Checkpoint.load(path: path)
            let json: String, weights: [String: Tensor]
            switch c.state.stage {
            case "oobleck":
                json = c.state.modelConfig
                var w = try c.tensors(prefix: "model.")
                for (k, t) in try c.tensors(prefix: "ema.") { w[k] = t }
                weights = w
            case "dit":
                guard let v = c.state.vaeConfig else { throw TrainingError.file(path, "holds no Oobleck") }
                json = v
                weights = try c.tensors(prefix: "vae.")
            default:
                throw TrainingError.file(path, "is a \(c.state.stage) checkpoint; an AutoencoderOobleck comes from an oobleck or dit one")
            }
            let config = try ModelConfig.decode(AutoencoderOobleckConfig.self, from: Data(json.utf8), path: path)
            let vae = try AutoencoderOobleck(config: config)
            do { try vae.load(stateDict: weights) } catch { throw TrainingError.file(path, "its Oobleck weights do not fit: \(error)") }
            return OobleckSource(vae: vae, description: "checkpoint \(path) (step \(c.state.step))")
        }
        let url = URL(fileURLWithPath: path)
        if fm.fileExists(atPath: url.appendingPathComponent("config.json").path) {
            do { return OobleckSource(vae: try AutoencoderOobleck.load(folder: url), description: "diffusers folder \(path)") } catch {
                throw TrainingError.file(path, "not a loadable AutoencoderOobleck folder: \(error)")
            }
        }
        if fm.fileExists(atPath: url.appendingPathComponent("vae/config.json").path) {
            return try resolve(url.appendingPathComponent("vae").path, log: log)
        }
        let store = CheckpointStore(directory: url.appendingPathComponent("checkpoints").path, keep: 1)
        if let c = store.latest(warn: log) { return try resolve(c.path, log: log) }
        throw TrainingError.file(path, "holds no AutoencoderOobleck: expected a checkpoint file, a folder with config.json, vae/ or checkpoints/")
    }
}
