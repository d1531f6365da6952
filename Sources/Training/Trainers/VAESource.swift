import Diffusion
import Foundation
import Tensors

/// A trained VAE found from a path: a Foley checkpoint (stage 1, or stage 2's frozen copy), a stage-1 experiment
/// folder, a diffusers `vae/` folder, or a model folder holding `vae/` (Foley or diffusers AudioLDM).
struct VAESource {
    var config: AutoencoderKLConfig
    var weights: [String: Tensor]
    /// The measured scaling factor when the source records one (diffusers folders: their config's).
    var scalingFactor: Float?
    var description: String

    static func resolve(_ path: String, log: (String) -> Void) throws -> VAESource {
        try VAEPath.resolve(path, kind: "VAE", className: "VAE", log: log, checkpoint: { path in
            let c = try Checkpoint.load(path: path)
            switch c.state.stage {
            case "vae":
                var w = try c.tensors(prefix: "model.")
                for (k, t) in try c.tensors(prefix: "ema.") { w[k] = t }
                return VAESource(config: try ModelExport.decodeVAEConfig(c.state.modelConfig, source: path), weights: w,
                                 scalingFactor: c.state.scalingFactor, description: "checkpoint \(path) (step \(c.state.step))")
            default:
                guard let json = c.state.vaeConfig else { throw TrainingError.file(path, "holds no VAE") }
                return VAESource(config: try ModelExport.decodeVAEConfig(json, source: path), weights: try c.tensors(prefix: "vae."),
                                 scalingFactor: c.state.scalingFactor, description: "the VAE inside \(path)")
            }
        }, folder: { path in
            let vae: AutoencoderKL
            do { vae = try AutoencoderKL.load(folder: URL(fileURLWithPath: path)) } catch { throw TrainingError.file(path, "not a loadable AutoencoderKL folder: \(error)") }
            return VAESource(config: vae.config, weights: vae.stateDict(), scalingFactor: vae.config.scalingFactor,
                             description: "diffusers folder \(path)")
        })
    }
}
