import Audio
import Diffusion
import Corpus
import Foundation
import Metrics
import Tensors
import Training
import XCTest

/// Foley's own backbone and text-alignment score on the shipped model, measured on corpus clips it never saw
/// (a corpus seed other than the training corpus's 1; speech left out so no espeak-ng is needed).
final class ContrastiveEmbedderTests: XCTestCase {
    static var shipped: TextToAudioPipeline?
    static let heldOutSeed: UInt64 = 777

    func pipeline() throws -> TextToAudioPipeline {
        if let p = Self.shipped { return p }
        var root = URL(fileURLWithPath: #filePath)
        while root.lastPathComponent != "Tests" { root.deleteLastPathComponent() }
        let p = try TextToAudioPipeline.load(folder: root.deletingLastPathComponent().appendingPathComponent("models/default"))
        Self.shipped = p
        return p
    }

    /// `count` held-out clips: (samples, caption, family).
    func heldOut(_ count: Int) throws -> [Clip] {
        let recipe = CorpusRecipe(seconds: 4, espeak: nil)
        return try (0..<count).map { try recipe.clip(index: $0, seed: Self.heldOutSeed) }
    }

    func testTextAlignmentRanksTheRightCaptionFirstWellAboveChance() throws {
        let pipe = try pipeline()
        let clips = try heldOut(40)
        let dir = try temporaryDirectory(self)
        for (i, c) in clips.enumerated() {
            let name = String(format: "clip%02d", i)
            try AudioFile.write(try AudioBuffer(mono: c.samples, sampleRate: 16000), to: dir.appendingPathComponent(name + ".wav").path)
            try Data(c.caption.utf8).write(to: dir.appendingPathComponent(name + ".txt"))
        }
        let a = try TextAlignment.measure(try EvaluationSet(directory: dir.path).clips, scorer: pipe)
        print(String(format: "TEXT ALIGNMENT held-out: rank1 %.3f (chance %.3f), mean cosine %.3f", a.rankAccuracy, a.chance, a.meanScore))
        XCTAssertGreaterThanOrEqual(a.rankAccuracy, 0.4, "the right caption of 40 ranks first in at least 40% of clips (chance 2.5%; measured 70%)")
        // Each clip matches its own caption better than the average caption of the set.
        let sims = try pipe.audioEmbeddings(clips.map(\.samples)).matmul(try pipe.textEmbeddings(clips.map(\.caption)).transpose(0, 1)).scalars
        let n = clips.count
        let own = (0..<n).map { sims[$0 * n + $0] }.reduce(0, +) / Float(n)
        let others = sims.reduce(0, +) / Float(n * n)
        XCTAssertGreaterThan(own - others, 0.1)
    }

    func testZeroShotFamilyClassifierBeatsChanceAndFeedsKLAndIS() throws {
        let backbone = try ContrastiveEmbedder(pipeline: try pipeline())
        XCTAssertEqual(backbone.name, "foley")
        XCTAssertEqual(backbone.classCount, 9)
        XCTAssertEqual(backbone.embeddingSize, 384)
        let clips = try heldOut(60).filter { $0.family != "mixture" }
        var right = 0
        for c in clips {
            let (e, p) = try backbone.classify(c.samples)
            XCTAssertEqual(e.shape, [1, 384])
            XCTAssertEqual(p.scalars.reduce(0, +), 1, accuracy: 1e-4)
            if backbone.labels[try p.argmax(axis: 1)[0]] == c.family { right += 1 }
        }
        let accuracy = Double(right) / Double(clips.count)
        print(String(format: "ZERO-SHOT families held-out: %.3f of %d (chance %.3f)", accuracy, clips.count, 1.0 / 9))
        XCTAssertGreaterThanOrEqual(accuracy, 0.5, "at least half right over nine families (chance 11%; measured 73%)")
        // IS of one clip repeated is 1: every row has the same class distribution.
        let one = try backbone.classify(clips[0].samples).probabilities
        let (mean, _) = try ClassifierScores.inceptionScore(try Tensor.concat([one, one, one, one], axis: 0))
        XCTAssertEqual(mean, 1, accuracy: 1e-6)
    }
}
