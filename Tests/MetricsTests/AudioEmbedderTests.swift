import Metrics
import Tensors
import XCTest

/// A two-class stand-in: the clip's mean absolute level is the probability of "loud".
private final class LevelClassifier: AudioClassifier {
    let name = "level", sampleRate = 8000, embeddingSize = 1, classCount = 2
    let variant = ClassifierScores.Variant.softmax

    func classify(_ samples: [Float]) throws -> (embedding: Tensor, probabilities: Tensor) {
        let level = min(samples.reduce(0) { $0 + abs($1) } / Float(samples.count), 1)
        return (Tensor(shape: [1, 1], data: [level]), Tensor(shape: [1, 2], data: [level, 1 - level]))
    }
}

final class AudioEmbedderTests: XCTestCase {
    func testAClassifierEmbedsThroughClassify() throws {
        let c = LevelClassifier()
        XCTAssertEqual(try c.embed([0.25, -0.75]).scalars, [0.5])
        // Used as a plain embedder, e.g. for FAD.
        let e: AudioEmbedder = c
        XCTAssertEqual(try e.embed([1, 1]).shape, [1, 1])
    }

    func testEvaluationUsesTheClassifierForKLAndIS() throws {
        let (gen, ref) = try evaluationFolders(self)
        let r = try Evaluation.run(generated: gen, reference: ref, metrics: [.kl, .is], backbone: LevelClassifier())
        XCTAssertEqual(r.klVariant, "softmax")
        XCTAssertNotNil(r.metrics["kl"])
        // The 0.3-amplitude tones all sit near (0.2, 0.8): nearly one distribution, so IS is about 1.
        XCTAssertEqual(r.metrics["is"]!, 1, accuracy: 1e-3)
    }
}
