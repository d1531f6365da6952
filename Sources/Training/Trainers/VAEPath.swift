import Foundation

/// Where a trained autoencoder is found from a path, the same walk for every VAE family: a checkpoint file, a
/// diffusers folder (config.json), a model folder holding `vae/`, or an experiment folder (its newest checkpoint).
/// `kind` names the model in the errors ("VAE", "Oobleck"), `className` in the last one; `checkpoint` and `folder`
/// load what the walk found at a path.
enum VAEPath {
    static func resolve<T>(_ path: String, kind: String, className: String, log: (String) -> Void,
                           checkpoint: (String) throws -> T, folder: (String) throws -> T) throws -> T {
        let fm = FileManager.default
        var isDir: ObjCBool = false
        guard fm.fileExists(atPath: path, isDirectory: &isDir) else { throw TrainingError.file(path, "no such \(kind) checkpoint or folder") }
        if !isDir.boolValue { return try checkpoint(path) }
        let url = URL(fileURLWithPath: path)
        if fm.fileExists(atPath: url.appendingPathComponent("config.json").path) { return try folder(path) }
        if fm.fileExists(atPath: url.appendingPathComponent("vae/config.json").path) {
            return try resolve(url.appendingPathComponent("vae").path, kind: kind, className: className, log: log,
                               checkpoint: checkpoint, folder: folder)
        }
        let store = CheckpointStore(directory: url.appendingPathComponent("checkpoints").path, keep: 1)
        if let c = store.latest(warn: log) { return try checkpoint(c.path) }
        throw TrainingError.file(path, "holds no \(className): expected a checkpoint file, a folder with config.json, vae/ or checkpoints/")
    }
}
