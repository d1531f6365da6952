import Audio
import Foundation
import Tensors

/// The audio behind a preprocessed dataset's clips, for the waveform models (the Oobleck VAE and the DiT over its
/// latents): each manifest entry's source file read again as `foley preprocess` read it (mono, resampled to the
/// dataset's rate, cut to the kept duration), so a batch's waveform crops line up with its log-mel crops
/// (mel frame f starts at sample f x hop_length). Clips are kept in memory once read, up to `capacity` samples.
public final class WaveformClips {
    public let dataset: MelDataset
    public let hopLength: Int
    public let sampleRate: Int
    let capacity: Int
    private var clips: [String: [Float]] = [:]
    private var held = 0
    private let lock = NSLock()
    private let entries: [String: ManifestEntry]

    /// - Parameter capacity: samples kept in memory (4 GiB of float32 by default); older clips are read again.
    public init(dataset: MelDataset, capacity: Int = 1 << 30) throws {
        self.dataset = dataset
        hopLength = dataset.info.audio.hopLength
        sampleRate = dataset.info.sampleRate
        self.capacity = capacity
        entries = Dictionary(dataset.entries.map { ($0.id, $0) }, uniquingKeysWith: { a, _ in a })
        // Every source must still be there: a moved audio folder is an error now, naming the first missing file.
        if let missing = dataset.entries.first(where: { !FileManager.default.fileExists(atPath: $0.source) }) {
            throw TrainingError.file(missing.source, "the audio of clip '\(missing.id)' of \(dataset.folder) is gone; the waveform models read each clip's source file (re-run foley preprocess where the audio now is)")
        }
    }

    /// Seconds of the whole clip `id` (the seconds_total a DiT is conditioned on).
    public func duration(_ id: String) -> Double { entries[id]?.duration ?? 0 }

    /// Clip `id`'s samples at the dataset's rate.
    public func samples(_ id: String) throws -> [Float] {
        lock.lock()
        if let c = clips[id] { lock.unlock(); return c }
        lock.unlock()
        guard let e = entries[id] else { throw TrainingError.file(dataset.folder, "has no clip '\(id)'") }
        let buffer: AudioBuffer
        do { buffer = try AudioFile.read(e.source, mono: true) } catch { throw TrainingError.file(e.source, "cannot read clip '\(id)': \(error)") }
        var s = buffer.samples
        if buffer.sampleRate != sampleRate { s = try Resample.resample(s, from: buffer.sampleRate, to: sampleRate) }
        let keep = Int((e.duration * Double(sampleRate)).rounded())
        if s.count > keep { s = Array(s[0..<keep]) }
        if let bad = s.firstIndex(where: { !$0.isFinite }) { throw TrainingError.file(e.source, "non-finite sample at \(bad)") }
        lock.lock()
        if held + s.count > capacity { clips.removeAll(); held = 0 }
        clips[id] = s
        held += s.count
        lock.unlock()
        return s
    }

    /// The waveform crops of a batch, [B, 1, frames x hop_length]: each clip from its crop's first mel frame,
    /// zero (silence) past its end, as the log-mel crops are padded with the log floor.
    public func crops(ids: [String], starts: [Int], frames: Int) throws -> Tensor {
        let n = frames * hopLength
        let out = Tensor.zeros([ids.count, 1, n])
        for (r, (id, start)) in zip(ids, starts).enumerated() {
            let s = try samples(id)
            let from = start * hopLength
            let have = max(0, min(n, s.count - from))
            if have > 0 { s.withUnsafeBufferPointer { (out.pointer + r * n).update(from: $0.baseAddress! + from, count: have) } }
        }
        return out
    }
}
