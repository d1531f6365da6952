import Metrics
import Tensors
import XCTest

final class CNN14InputTests: XCTestCase {
    func testFrontEndMatchesTorchlibrosa() throws {
        let f = try Fixtures.file("backbones.safetensors")
        let spec = try CNN14Input().logMel(try f.tensor("cnn14_waveform").scalars)
        let expected = try f.tensor("cnn14_input")
        XCTAssertEqual([1, 1, spec.frames, spec.bins], expected.shape)
        // dB of float32 powers, on a scale of ±20 dB.
        let err = zip(spec.values, expected.scalars).map { abs($0 - $1) }.max()!
        XCTAssertLessThan(err, 1e-4, "log-mel max abs error (dB)")
    }

    func testSilenceIsTheFloor() throws {
        // 1 s at 32 kHz, centred frames every 320 samples: 101 frames of 10 log10(1e-10) = -100 dB.
        let spec = try CNN14Input().logMel([Float](repeating: 0, count: 32000))
        XCTAssertEqual([spec.frames, spec.bins], [101, 64])
        XCTAssertEqual(Set(spec.values), [-100])
    }
}
