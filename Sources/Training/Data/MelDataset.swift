import Foundation
import Tensors

/// The clips of one split of a preprocessed dataset folder, their log-mels read from memory-mapped shards.
public final class MelDataset {
    public let folder: String
    public let info: DatasetInfo
    public let entries: [ManifestEntry]
    private var shards: [String: SafeTensorsFile] = [:]
    private let lock = NSLock()

    /// Opens `folder` (the output of `foley preprocess`) and keeps the entries of `split` (all when nil).
    public init(folder: String, split: String? = nil) throws {
        self.folder = folder
        info = try Preprocessor.readInfo(folder: folder)
        let all = try Preprocessor.readManifest((folder as NSString).appendingPathComponent(Preprocessor.manifestName))
        entries = split.map { s in all.filter { $0.split == s } } ?? all
        // Every shard the split needs is opened now and every clip looked up in it, so a missing or truncated shard
        // is an error at the start naming the file, not a failure at whatever step first reaches it.
        var keys: [String: Set<String>] = [:]
        for e in entries {
            if keys[e.shard] == nil { keys[e.shard] = Set(try shard(e.shard).keys) }
            guard keys[e.shard]!.contains(e.id) else {
                throw TrainingError.file(shardPath(e.shard), "has no clip '\(e.id)' (the manifest lists it): re-run foley preprocess")
            }
        }
    }

    func shardPath(_ name: String) -> String {
        ((folder as NSString).appendingPathComponent(Preprocessor.shardFolder) as NSString).appendingPathComponent(name)
    }

    public var count: Int { entries.count }
    public var melBins: Int { info.audio.nMels }

    func shard(_ name: String) throws -> SafeTensorsFile {
        lock.lock()
        defer { lock.unlock() }
        if let s = shards[name] { return s }
        let s = try SafeTensorsFile(path: shardPath(name))
        shards[name] = s
        return s
    }

    /// Clip `index`'s whole log-mel [frames, mels].
    public func mel(_ index: Int) throws -> Tensor {
        let e = entries[index]
        let t = try shard(e.shard).tensor(e.id)
        guard t.shape == [e.frames, melBins] else {
            throw TrainingError.file(e.shard, "clip '\(e.id)' has shape \(t.shape), manifest says [\(e.frames), \(melBins)]")
        }
        return t
    }

    /// `frames` frames of clip `index` from frame `start`, padded with the log floor (silence) past its end.
    public func crop(_ index: Int, start: Int, frames: Int, into out: UnsafeMutablePointer<Float>) throws {
        let m = try mel(index)
        let bins = melBins
        let have = max(0, min(frames, m.shape[0] - start))
        if have > 0 { out.update(from: m.pointer + start * bins, count: have * bins) }
        if have < frames { (out + have * bins).update(repeating: info.logFloor, count: (frames - have) * bins) }
    }
}

/// Batches of random crops in a seeded shuffled order. Every batch is a pure function of (seed, epoch, index), so
/// a background thread can prepare the next one and a resumed run sees exactly the batches it would have seen.
public final class DataLoader {
    /// Where the loader is: the next batch it hands out.
    public struct Position: Codable, Equatable, Sendable {
        public var epoch: Int
        public var batch: Int
        public init(epoch: Int = 0, batch: Int = 0) { self.epoch = epoch; self.batch = batch }
    }

    public struct Batch {
        /// Log-mel crops [B, 1, frames, mels].
        public let mel: Tensor
        /// One caption per clip (drawn among the clip's captions).
        public let captions: [String]
        public let ids: [String]
        /// Where each clip's crop starts (mel frames): cached latents are cut at the same place.
        public let starts: [Int]
        public let position: Position
        /// The rank's share this batch was dealt by: per-sample draws go through it.
        public var shard = DataShard.single
    }

    public let dataset: MelDataset
    public let batchSize: Int
    public let frames: Int
    public let seed: UInt64
    public let shuffle: Bool
    public private(set) var position: Position
    let queue = DispatchQueue(label: "foley.dataloader")
    private var pending: (Position, DispatchGroup, Box)?

    final class Box: @unchecked Sendable { var result: Result<Batch, Error>? }

    /// - Parameter prefetch: prepare the next batch on a background thread while the caller trains on this one.
    /// Leave out each epoch's last batch when it is smaller than `batchSize`.
    public let dropLast: Bool
    /// This rank's share of each epoch (all of it in one process); `batchSize` is per rank.
    public let shard: DataShard

    public init(dataset: MelDataset, batchSize: Int, frames: Int, seed: UInt64, shuffle: Bool = true,
                prefetch: Bool = true, position: Position = Position(), dropLast: Bool = false, shard: DataShard = .single) throws {
        guard dataset.count > 0 else {
            throw TrainingError.file(dataset.folder, "the split holds no clips (check data.train_split / the preprocess report)")
        }
        guard batchSize > 0, frames > 0 else { throw TrainingError.invalidArgument("batch", "batch size and frames must be positive") }
        self.dataset = dataset
        self.batchSize = batchSize
        self.frames = frames
        self.seed = seed
        self.shuffle = shuffle
        self.dropLast = dropLast
        self.shard = shard
        guard shard.shardLength(dataset.count) > 0 else {
            throw TrainingError.invalidArgument("batch", "data.shard_remainder drop leaves no clip: the split holds \(dataset.count) clips for \(shard.count) ranks")
        }
        guard !dropLast || shard.shardLength(dataset.count) >= batchSize else {
            throw TrainingError.invalidArgument("batch", "drop_last leaves no batch: the split holds \(dataset.count) clips, fewer than batch_size \(batchSize)")
        }
        self.prefetchEnabled = prefetch
        self.position = position
    }

    let prefetchEnabled: Bool

    /// Batches per epoch (the last one smaller when the clips do not divide evenly).
    public var batchesPerEpoch: Int {
        let n = shard.shardLength(dataset.count)
        return dropLast ? n / batchSize : (n + batchSize - 1) / batchSize
    }

    public func seek(_ p: Position) {
        waitPending()
        position = p
    }

    /// The order of clips in `epoch`.
    public func order(epoch: Int) -> [Int] {
        guard shuffle else { return Array(0..<dataset.count) }
        return RandomGenerator(seed: DataLoader.mix(seed, UInt64(epoch), 0x5348_5546)).permutation(dataset.count)
    }

    static func mix(_ a: UInt64, _ b: UInt64, _ c: UInt64) -> UInt64 {
        var h = a &* 0x9E37_79B9_7F4A_7C15 ^ b &* 0xC2B2_AE3D_27D4_EB4F ^ c &* 0x1656_67B1_9E37_79F9
        h = (h ^ (h >> 30)) &* 0xBF58_476D_1CE4_E5B9
        h = (h ^ (h >> 27)) &* 0x94D0_49BB_1331_11EB
        return h ^ (h >> 31)
    }

    func advanced(_ p: Position) -> Position {
        p.batch + 1 >= batchesPerEpoch ? Position(epoch: p.epoch + 1, batch: 0) : Position(epoch: p.epoch, batch: p.batch + 1)
    }

    /// The batch at `p` (deterministic; no state changes). Under a shard, the global batch's crops and captions
    /// are drawn on every rank and this rank keeps its own, so the ranks' batches add up to one process's.
    public func batch(at p: Position) throws -> Batch {
        let ord = shard.dealt(order(epoch: p.epoch))
        let global = batchSize * shard.count
        let lo = p.batch * global, hi = min(ord.count, lo + global)
        let idx = Array(ord[lo..<hi])
        let g = RandomGenerator(seed: DataLoader.mix(seed, UInt64(p.epoch), UInt64(p.batch) &+ 0x4352_4F50))
        let bins = dataset.melBins
        let mel = Tensor.zeros([shard.mine(idx).count, 1, frames, bins])
        var captions: [String] = [], ids: [String] = [], starts: [Int] = []
        for (k, i) in idx.enumerated() {
            let e = dataset.entries[i]
            let start = e.frames > frames ? g.nextInt(e.frames - frames + 1) : 0
            let caption = e.captions[e.captions.count > 1 ? g.nextInt(e.captions.count) : 0]
            guard shard.owns(k) else { continue }
            try dataset.crop(i, start: start, frames: frames, into: mel.pointer + ids.count * frames * bins)
            starts.append(start)
            captions.append(caption)
            ids.append(e.id)
        }
        return Batch(mel: mel, captions: captions, ids: ids, starts: starts, position: p, shard: shard)
    }

    /// The next batch; schedules the one after on the background thread.
    public func next() throws -> Batch {
        let p = position
        let result: Result<Batch, Error>
        if let (pp, group, box) = pending, pp == p {
            group.wait()
            result = box.result!
            pending = nil
        } else {
            waitPending()
            result = Result { try batch(at: p) }
        }
        position = advanced(p)
        if prefetchEnabled { schedule(position) }
        return try result.get()
    }

    private func schedule(_ p: Position) {
        let group = DispatchGroup(), box = Box()
        group.enter()
        queue.async { [self] in
            box.result = Result { try self.batch(at: p) }
            group.leave()
        }
        pending = (p, group, box)
    }

    private func waitPending() {
        if let (_, g, _) = pending { g.wait() }
        pending = nil
    }

    deinit { waitPending() }
}
