import Diffusion
import Foundation
import Tensors
import Text

/// Retrieval accuracy of a contrastive audio-text model on held-out clips: each clip's first caption queries all the
/// clips' audio (text-to-audio) and each clip's audio queries all captions (audio-to-text).
public struct ContrastiveRecall: Equatable, Sendable {
    public var clips: Int
    /// Fraction of captions whose own clip ranks within the top k, by k.
    public var textToAudio: [Int: Double]
    public var audioToText: [Int: Double]
    /// Mean rank (1 = first) of the right clip for a caption.
    public var meanRank: Double

    public static let ks = [1, 5, 10]

    /// What a model that ranks at random would score at k.
    public func chance(_ k: Int) -> Double { Double(min(k, clips)) / Double(max(clips, 1)) }

    /// Values for the training log and recall.json.
    public var record: [String: Any] {
        var r: [String: Any] = ["clips": clips, "mean_rank": meanRank]
        for k in ContrastiveRecall.ks {
            r["recall_at_\(k)"] = textToAudio[k]
            r["audio_to_text_recall_at_\(k)"] = audioToText[k]
            r["chance_at_\(k)"] = chance(k)
        }
        return r
    }

    /// Embeds every clip of `dataset` (the first `limit`) as whole clips cropped or padded to `frames`, and ranks.
    public static func measure(model: ContrastiveAudioText, dataset: MelDataset, conditioner: TextConditioner, frames: Int,
                               limit: Int? = nil) throws -> ContrastiveRecall {
        let n = min(limit ?? dataset.count, dataset.count)
        guard n > 1 else { throw TrainingError.invalidArgument("dataset", "recall needs at least 2 clips, \(dataset.folder) has \(n)") }
        let bins = dataset.melBins
        var audioRows: [Tensor] = [], textRows: [Tensor] = []
        try GradMode.noGrad {
            var lo = 0
            while lo < n {
                let hi = min(n, lo + 32)
                let mel = Tensor.zeros([hi - lo, 1, frames, bins])
                for i in lo..<hi { try dataset.crop(i, start: 0, frames: frames, into: mel.pointer + (i - lo) * frames * bins) }
                audioRows.append(try model.audioEmbeddings(mel))
                lo = hi
            }
            for i in 0..<n { textRows.append(try conditioner.encode([dataset.entries[i].captions[0]]).normalizedPooled) }
        }
        let audio = try Tensor.concat(audioRows, axis: 0)
        let text = try GradMode.noGrad { try model.textEmbeddings(try Tensor.concat(textRows, axis: 0)) }
        let sims = try GradMode.noGrad { try text.matmul(try audio.transpose(0, 1)) }  // [captions, clips]
        let t2a = ranks(sims.scalars, n: n, transposed: false), a2t = ranks(sims.scalars, n: n, transposed: true)
        func recall(_ r: [Int], _ k: Int) -> Double { Double(r.filter { $0 < k }.count) / Double(n) }
        return ContrastiveRecall(clips: n, textToAudio: Dictionary(uniqueKeysWithValues: ks.map { ($0, recall(t2a, $0)) }),
                                 audioToText: Dictionary(uniqueKeysWithValues: ks.map { ($0, recall(a2t, $0)) }),
                                 meanRank: Double(t2a.reduce(0, +)) / Double(n) + 1)
    }

    /// For each query row i, how many candidates score strictly above the right one (i); 0 is a hit at 1.
    static func ranks(_ s: [Float], n: Int, transposed: Bool) -> [Int] {
        (0..<n).map { i in
            let at = { (j: Int) in transposed ? s[j * n + i] : s[i * n + j] }
            let right = at(i)
            return (0..<n).filter { $0 != i && at($0) > right }.count
        }
    }

    /// Rows whose largest entry is on the diagonal, in a square similarity matrix.
    static func diagonalHits(_ sims: Tensor) throws -> Int {
        let n = sims.shape[0]
        return ranks(sims.scalars, n: n, transposed: false).filter { $0 == 0 }.count
    }
}
