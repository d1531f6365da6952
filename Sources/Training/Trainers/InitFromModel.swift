import Diffusion
import Foundation

extension LDMTrainer {
    /// What an `--init-from` model folder asks of the config that fine-tunes it. Its UNet was trained to predict
    /// what its `scheduler/` says, on class inputs from the contrastive model its foley.yaml names. A LoRA adapter is
    /// sampled with that scheduler and those inputs, so a LoRA run must train the same (an epsilon adapter on a flow
    /// model makes noise); a whole-UNet run may retrain the UNet to another and is told so.
    static func checkBase(_ path: String, against config: TrainingConfig, log: (String) -> Void) throws {
        var folder = URL(fileURLWithPath: path)
        if folder.lastPathComponent == "unet" { folder.deleteLastPathComponent() }
        let lora = config.train.lora != nil
        func differ(key: String, found: String, base: String, why: String) throws {
            if lora {
                throw TrainingError.config(key: key, found: found, expected: "\(base), as the --init-from model \(path) was trained (\(why))")
            }
            log("--init-from \(path) was trained with \(key) \(base); this run retrains its UNet with \(found)")
        }
        let scheduler = folder.appendingPathComponent("scheduler/scheduler_config.json").path
        if FileManager.default.fileExists(atPath: scheduler) {
            let predicts: String
            do { predicts = try SamplerConfig.load(path: scheduler).predicts } catch {
                throw TrainingError.file(scheduler, "unreadable scheduler config of --init-from: \(error)")
            }
            let asked = config.diffusion.predictionType
            if predicts != asked {
                try differ(key: "diffusion.prediction_type", found: asked, base: predicts,
                           why: "its scheduler/scheduler_config.json; a LoRA adapter is sampled with the base model's scheduler")
            }
        }
        let description = folder.appendingPathComponent("foley.yaml").path
        if FileManager.default.fileExists(atPath: description), let m = config.ldm {
            let base: FoleyModelConfig
            do { base = try FoleyModelConfig.load(path: description) } catch {
                throw TrainingError.file(description, "unreadable model description of --init-from: \(error)")
            }
            // Both are 384-d, so only the description tells MiniLM's pooled vector from the contrastive text embedding.
            if (base.contrastive != nil) != (m.contrastive != nil) {
                try differ(key: "model.contrastive", found: m.contrastive ?? "none",
                           base: base.contrastive == nil ? "none" : "its own contrastive model (model.contrastive: \(folder.path))",
                           why: "its class embedding reads \(base.contrastive == nil ? "MiniLM's pooled vector" : "that model's text embedding")")
            }
        }
    }
}
