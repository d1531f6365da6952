import Metrics
import Tensors
import XCTest

final class VGGishInputTests: XCTestCase {
    func testFrontEndMatchesMelFeatures() throws {
        let f = try Fixtures.file("backbones.safetensors")
        let (n, values) = try VGGishInput().patches(try f.tensor("vggish_waveform").scalars)
        let expected = try f.tensor("vggish_input")
        XCTAssertEqual([n, 1, 96, 64], expected.shape)
        let err = zip(values, expected.scalars).map { abs($0 - $1) }.max()!
        XCTAssertLessThan(err, 1e-4, "log-mel max abs error")
    }

    func testFramingAndPatches() throws {
        let input = try VGGishInput()
        // 1 + (16000 - 400) / 160 = 98 frames: one 96-frame patch, two frames dropped.
        let spec = try input.logMel([Float](repeating: 0, count: 16000))
        XCTAssertEqual([spec.frames, spec.bins], [98, 64])
        // Silence is ln(0 + 0.01) everywhere.
        XCTAssertEqual(spec.values.map { abs($0 - Float(log(0.01))) }.max()!, 0, accuracy: 1e-6)
        XCTAssertEqual(try input.patches([Float](repeating: 0, count: 16000)).count, 1)
        XCTAssertThrowsError(try input.logMel([0, 0])) { e in
            XCTAssertTrue("\(e)".contains("at least 400 samples"), "\(e)")
        }
    }
}
