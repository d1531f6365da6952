import Metrics
import Tensors
import XCTest

final class ClassifierScoresTests: XCTestCase {
    func testKLSoftmaxMatchesNumpy() throws {
        let kl = try ClassifierScores.klDivergence(reference: Fixtures.tensor("probs_ref"), generated: Fixtures.tensor("probs_gen"))
        assertRelative(kl, try Fixtures.value("kl_softmax"), 1e-5, "KL softmax")
    }

    func testKLSigmoidMatchesNumpy() throws {
        let kl = try ClassifierScores.klDivergence(reference: Fixtures.tensor("sigmoid_ref"), generated: Fixtures.tensor("sigmoid_gen"),
                                                   variant: .sigmoid)
        assertRelative(kl, try Fixtures.value("kl_sigmoid"), 1e-5, "KL sigmoid")
    }

    func testKLOfIdenticalOutputsIsNearZero() throws {
        let p = try Fixtures.tensor("probs_ref"), s = try Fixtures.tensor("sigmoid_ref")
        // Softmax: only audioldm_eval's epsilon inside the log remains, about -1e-6 per class.
        let kl = try ClassifierScores.klDivergence(reference: p, generated: p)
        XCTAssertLessThan(kl, 0)
        XCTAssertGreaterThan(kl, -1e-5)
        // Bernoulli: the clamp leaves probabilities inside [1e-6, 1 - 1e-6] as they are, so exactly 0.
        XCTAssertEqual(try ClassifierScores.klDivergence(reference: s, generated: s, variant: .sigmoid), 0)
    }

    func testInceptionScoreMatchesNumpy() throws {
        let p = try Fixtures.tensor("probs_gen")
        assertRelative(try ClassifierScores.inceptionScore(p).mean, try Fixtures.value("is_1"), 1e-5, "IS")
        let two = try ClassifierScores.inceptionScore(p, splits: 2)
        assertRelative(two.mean, try Fixtures.value("is_2_mean"), 1e-5, "IS mean, 2 splits")
        assertRelative(two.std, try Fixtures.value("is_2_std"), 1e-4, "IS std, 2 splits")
    }

    func testInceptionScoreOfOneRepeatedClipIsOne() throws {
        let row = try Fixtures.tensor("probs_gen").slice(axis: 0, start: 0, end: 1)
        let repeated = try Tensor.concat([Tensor](repeating: row, count: 6), axis: 0)
        XCTAssertEqual(try ClassifierScores.inceptionScore(repeated).mean, 1, accuracy: 1e-12)
    }

    func testInceptionScoreOfConfidentDistinctClipsIsTheClassCount() throws {
        // One-hot rows covering 4 classes evenly: p(y) uniform, each KL = ln 4.
        let eye = Tensor(shape: [4, 4], data: [1, 0, 0, 0, 0, 1, 0, 0, 0, 0, 1, 0, 0, 0, 0, 1])
        XCTAssertEqual(try ClassifierScores.inceptionScore(eye).mean, 4, accuracy: 1e-9)
    }

    func testRejectsLogitsAndMismatchedPairs() throws {
        XCTAssertThrowsError(try ClassifierScores.klDivergence(reference: Tensor(shape: [1, 2], data: [2, -1]),
                                                               generated: Tensor(shape: [1, 2], data: [0.5, 0.5]))) { e in
            XCTAssertTrue("\(e)".contains("not logits"), "\(e)")
        }
        XCTAssertThrowsError(try ClassifierScores.klDivergence(reference: Tensor.full([2, 3], 0.3), generated: Tensor.full([3, 3], 0.3))) { e in
            XCTAssertTrue("\(e)".hasPrefix("generated: expected the reference's shape [2, 3]"), "\(e)")
        }
    }
}
