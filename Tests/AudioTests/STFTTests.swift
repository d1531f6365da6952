@testable import Audio
import XCTest

final class STFTTests: XCTestCase {
    /// |STFT| (hann, n_fft 1024, hop 160, centred reflect) of the fixture's 1 s chirp + noise.
    func testMagnitudeMatchesReference() throws {
        let fx = try FixtureReader.dsp()
        let wave = try fx.tensor("wave_16k").values
        let ref = try fx.tensor("stft_magnitude")  // bins x frames
        XCTAssertEqual(ref.shape, [513, 101])
        let mag = try STFT(STFTConfig(nFFT: 1024, hopLength: 160, winLength: 1024)).magnitude(wave)
        XCTAssertEqual(mag.frames, 101)
        XCTAssertEqual(mag.bins, 513)
        let err = relativeMaxError(mag.transposed(), ref.values)
        print("stft_magnitude parity: rel max err \(err)")
        XCTAssertLessThan(err, 1e-5)
    }
}
