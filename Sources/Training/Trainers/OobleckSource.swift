import Diffusion
import Foundation
import Tensors

/// A trained AutoencoderOobleck found from a path: an oobleck-stage checkpoint (or a DiT checkpoint's frozen copy),
/// an oobleck experiment folder, a diffusers `vae/` folder, or a model folder holding `vae/` (a Stable Audio folder).
struct OobleckSource {
    var vae: AutoencoderOobleck
    var description: String

    static func resolve(_ path: String, log: (String) -> Void) throws -> OobleckSource {
        try VAEPath.resolve(path, kind: "Oobleck", className: "AutoencoderOobleck", log: log, checkpoint: { path in
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
        }, folder: { path in
            do { return OobleckSource(vae: try AutoencoderOobleck.load(folder: URL(fileURLWithPath: path)), description: "diffusers folder \(path)") } catch {
                throw TrainingError.file(path, "not a loadable AutoencoderOobleck folder: \(error)")
            }
        })
    }
}
