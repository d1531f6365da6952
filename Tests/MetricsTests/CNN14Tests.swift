import Metrics
import Tensors
import XCTest

final class CNN14Tests: XCTestCase {
    func testForwardMatchesPANNs() throws {
        let f = try Fixtures.file("backbones.safetensors")
        let model = try CNN14()
        try model.load(stateDict: BackboneWeights.stateDict("cnn14"), strict: true, ignoring: CNN14.ignoredKeySuffixes)
        let (embedding, probabilities) = try model(try f.tensor("cnn14_input"))
        XCTAssertLessThan(relativeError(embedding, try f.tensor("cnn14_embedding")), 1e-4)
        XCTAssertLessThan(relativeError(probabilities, try f.tensor("cnn14_clipwise")), 1e-4)
        let clip = try model.classify(try f.tensor("cnn14_waveform").scalars)
        XCTAssertEqual(clip.embedding.shape, [1, 2048])
        XCTAssertEqual(clip.probabilities.shape, [1, 527])
    }

    func testRejectsTooFewFrames() throws {
        XCTAssertThrowsError(try CNN14()(Tensor.zeros([1, 1, 16, 64]))) { e in
            XCTAssertTrue("\(e)".contains("at least 32 frames"), "\(e)")
        }
    }
}
