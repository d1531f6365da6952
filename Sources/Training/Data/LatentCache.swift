import Diffusion
import Foundation
import Tensors

/// The VAE posteriors of a dataset's clips (`foley preprocess --latents`), so LDM training (`data.latents: true`)
/// samples latents instead of running the frozen encoder every step. Stored under the dataset folder in
/// `latents/`: `latents.json` names the VAE by a fingerprint of its config and weights; shards hold each clip's
/// posterior mean and std [C, frames/f, mels/f] under `<id>.mean` and `<id>.std`.
public final class LatentCache {
    public static let folderName = "latents"
    static let infoName = "latents.json"

    /// What a cache was made with.
    public struct Info: Codable, Equatable {
        public var format = "foley-latents/1"
        /// `LatentCache.fingerprint` of the VAE that encoded the clips.
        public var vae: String
        /// Where that VAE was loaded from, for the error when another one is used.
        public var vaeSource: String
        public var downsampling: Int
        public var latentChannels: Int
        public var clips: Int
        /// Shard file per clip id.
        public var shards: [String: String]
    }

    public let folder: URL
    public let info: Info
    private var files: [String: SafeTensorsFile] = [:]
    private let lock = NSLock()

    /// SHA-free but stable identity of a VAE: its config and every weight, hashed (FNV-1a, 64 bits) in key order.
    public static func fingerprint(_ vae: AutoencoderKL) -> String {
        var h: UInt64 = 0xCBF2_9CE4_8422_2325
        func mix(_ bytes: UnsafeRawBufferPointer) { for b in bytes { h = (h ^ UInt64(b)) &* 0x0000_0100_0000_01B3 } }
        var c = vae.config
        c.scalingFactor = 1  // the scale multiplies latents after sampling; the posterior does not depend on it
        if let json = try? JSONEncoder.sorted.encode(c) { json.withUnsafeBytes(mix) }
        let state = vae.stateDict()
        for k in state.keys.sorted() {
            Data(k.utf8).withUnsafeBytes(mix)
            let t = state[k]!
            UnsafeRawBufferPointer(start: t.pointer, count: t.count * 4).withMemoryRebound(to: UInt8.self) { mix(UnsafeRawBufferPointer($0)) }
        }
        return String(format: "%016llx", h)
    }

    /// Encodes every clip of the dataset at `dataset` with `vae` (padded with silence to a multiple of its
    /// down-sampling) and writes the cache, replacing an older one only once the new one is complete.
    @discardableResult
    public static func build(dataset: String, vae: AutoencoderKL, vaeSource: String, shardSize: Int = 256,
                             log: (String) -> Void = { _ in }) throws -> Info {
        let data = try MelDataset(folder: dataset)
        let f = vae.downsamplingFactor
        guard data.melBins % f == 0 else {
            throw TrainingError.file(dataset, "has \(data.melBins) mel bands, which the VAE's down-sampling by \(f) does not divide")
        }
        guard vae.config.inChannels == 1 else { throw TrainingError.file(vaeSource, "is not a mel VAE (in_channels \(vae.config.inChannels), expected 1)") }
        let root = URL(fileURLWithPath: dataset)
        let fm = FileManager.default
        let tmp = root.appendingPathComponent(".\(folderName).partial-\(getpid())")
        try? fm.removeItem(at: tmp)
        try fm.createDirectory(at: tmp, withIntermediateDirectories: true)
        vae.eval()
        var info = Info(vae: fingerprint(vae), vaeSource: vaeSource, downsampling: f, latentChannels: vae.config.latentChannels,
                        clips: data.count, shards: [:])
        do {
            var shard: [String: Tensor] = [:], shardIndex = 0
            func flush() throws {
                guard !shard.isEmpty else { return }
                try SafeTensorsFile.save(shard, to: tmp.appendingPathComponent(String(format: "%05d.safetensors", shardIndex)).path)
                shard = [:]
                shardIndex += 1
            }
            for i in 0..<data.count {
                try Interrupt.check()
                let e = data.entries[i]
                let frames = (e.frames + f - 1) / f * f
                let mel = Tensor.zeros([1, 1, frames, data.melBins])
                try data.crop(i, start: 0, frames: frames, into: mel.pointer)
                let p = try GradMode.noGrad { try vae.encode(mel) }
                shard[e.id + ".mean"] = try p.mean.squeeze(0).copy()
                shard[e.id + ".std"] = try p.std.squeeze(0).copy()
                info.shards[e.id] = String(format: "%05d.safetensors", shardIndex)
                if shard.count >= 2 * shardSize { try flush() }
                if (i + 1) % 100 == 0 { log("encoded \(i + 1) of \(data.count) clips") }
            }
            try flush()
            let json = try JSONEncoder.pretty.encode(info)
            try AtomicFile.write(json, to: tmp.appendingPathComponent(infoName).path)
            let dest = root.appendingPathComponent(folderName)
            try? fm.removeItem(at: dest)
            try fm.moveItem(at: tmp, to: dest)
        } catch {
            try? fm.removeItem(at: tmp)
            throw error
        }
        return info
    }

    /// `build` with the VAE found at `model`: a model folder holding vae/, a vae/ folder, or a stage-1 checkpoint.
    @discardableResult
    public static func build(dataset: String, model: String, shardSize: Int = 256, log: @escaping (String) -> Void = { _ in }) throws -> Info {
        let source = try VAESource.resolve(model, log: log)
        let vae: AutoencoderKL
        do {
            vae = try AutoencoderKL(config: source.config)
            try vae.load(stateDict: source.weights)
        } catch { throw TrainingError.file(model, "its VAE does not load: \(error)") }
        return try build(dataset: dataset, vae: vae, vaeSource: source.description, shardSize: shardSize, log: log)
    }

    /// Opens the cache of the dataset at `dataset`, which must have been made by `vae`.
    public init(dataset: String, vae: AutoencoderKL, vaeSource: String) throws {
        folder = URL(fileURLWithPath: dataset).appendingPathComponent(Self.folderName)
        let infoPath = folder.appendingPathComponent(Self.infoName).path
        guard let data = FileManager.default.contents(atPath: infoPath) else {
            throw TrainingError.config(key: "data.latents", found: "true, but \(dataset) has no latent cache",
                                       expected: "a cache made first with `foley preprocess --latents --model MODEL --output-dir \(dataset)`")
        }
        do { info = try JSONDecoder().decode(Info.self, from: data) } catch { throw TrainingError.file(infoPath, "is not a latent cache description: \(error)") }
        let mine = Self.fingerprint(vae)
        guard info.vae == mine else {
            throw TrainingError.config(key: "data.latents", found: "a cache made by another VAE (\(info.vaeSource), fingerprint \(info.vae))",
                                       expected: "latents of this run's VAE (\(vaeSource), fingerprint \(mine)); re-run foley preprocess --latents with it")
        }
    }

    private func file(_ name: String) throws -> SafeTensorsFile {
        lock.lock()
        defer { lock.unlock() }
        if let f = files[name] { return f }
        let f = try SafeTensorsFile(path: folder.appendingPathComponent(name).path)
        files[name] = f
        return f
    }

    /// Clip `id`'s posterior mean and std [C, frames/f, mels/f].
    public func posterior(_ id: String) throws -> (mean: Tensor, std: Tensor) {
        guard let shard = info.shards[id] else {
            throw TrainingError.file(folder.path, "has no latents for clip '\(id)' (the dataset changed since; re-run foley preprocess --latents)")
        }
        let f = try file(shard)
        return (try f.tensor(id + ".mean"), try f.tensor(id + ".std"))
    }

    /// Posterior means and stds [B, C, frames/f, mels/f] of a batch's clips, cut where the batch's mel crops start
    /// (rounded down to a latent frame); past a clip's end, `silence` with std 0.
    func batch(ids: [String], starts: [Int], frames: Int, silence: Tensor) throws -> (mean: Tensor, std: Tensor) {
        let f = info.downsampling, lf = frames / f
        let c = silence.shape[0], w = silence.shape[2]
        let means = Tensor.zeros([ids.count, c, lf, w]), stds = Tensor.zeros([ids.count, c, lf, w])
        for (j, id) in ids.enumerated() {
            let (mean, std) = try posterior(id)
            let total = mean.shape[1]
            let s0 = min(starts[j] / f, max(0, total - lf))
            for ch in 0..<c {
                for t in 0..<lf {
                    let row = ((j * c + ch) * lf + t) * w
                    if s0 + t < total {
                        let src = (ch * total + s0 + t) * w
                        (means.pointer + row).update(from: mean.pointer + src, count: w)
                        (stds.pointer + row).update(from: std.pointer + src, count: w)
                    } else {
                        (means.pointer + row).update(from: silence.pointer + (ch * lf + t) * w, count: w)
                    }
                }
            }
        }
        return (means, stds)
    }
}
