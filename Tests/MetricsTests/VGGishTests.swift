import Metrics
import Tensors
import XCTest

final class VGGishTests: XCTestCase {
    func testForwardMatchesTorchvggish() throws {
        let f = try Fixtures.file("backbones.safetensors")
        let model = try VGGish()
        // torch's own state-dict keys and shapes, strictly: a published checkpoint loads the same way.
        try model.load(stateDict: BackboneWeights.stateDict("vggish"), strict: true)
        let input = try f.tensor("vggish_input")
        let pre = try model(input)
        XCTAssertLessThan(relativeError(pre, try f.tensor("vggish_embedding_pre_relu")), 1e-4)
        model.finalReLU = true
        XCTAssertLessThan(relativeError(try model(input), try f.tensor("vggish_embedding")), 1e-4)
        // Waveform in, one embedding per 0.96 s patch.
        XCTAssertEqual(try model.embed(try f.tensor("vggish_waveform").scalars).shape, [2, 128])
    }

    func testRejectsShortClipsAndWrongWeights() throws {
        let model = try VGGish()
        XCTAssertThrowsError(try model.embed([Float](repeating: 0, count: 8000))) { e in
            XCTAssertTrue("\(e)".contains("at least 0.96 s"), "\(e)")
        }
        let dir = try temporaryDirectory(self)
        let path = dir.appendingPathComponent("w.safetensors").path
        try SafeTensorsFile.save(["features.0.weight": Tensor.zeros([64, 1, 3, 3])], to: path)
        XCTAssertThrowsError(try VGGish(weights: path)) { e in
            XCTAssertTrue("\(e)".hasPrefix(path) && "\(e)".contains("missing keys: embeddings.0.bias"), "\(e)")
        }
    }
}

/// max |a - b| / max |b|.
func relativeError(_ a: Tensor, _ b: Tensor) -> Float {
    precondition(a.shape == b.shape, "shapes differ: \(a.shape) vs \(b.shape)")
    let err = zip(a.scalars, b.scalars).map { abs($0 - $1) }.max() ?? 0
    return err / max(b.scalars.map(abs).max() ?? 1, 1e-30)
}
