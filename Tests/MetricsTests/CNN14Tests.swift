import Metrics
import Tensors
import XCTest

final class CNN14Tests: XCTestCase {
    func testFrontEndMatchesTorchlibrosa() throws {
        let f = try Fixtures.file("backbones.safetensors")
        let spec = try CNN14Input().logMel(try f.tensor("cnn14_waveform").scalars)
        let expected = try f.tensor("cnn14_input")
        XCTAssertEqual([1, 1, spec.frames, spec.bins], expected.shape)
        // dB of float32 powers: compare on the 40 dB-wide scale of the values.
        let err = zip(spec.values, expected.scalars).map { abs($0 - $1) }.max()!
        XCTAssertLessThan(err, 2e-3, "log-mel max abs error (dB)")
    }

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
