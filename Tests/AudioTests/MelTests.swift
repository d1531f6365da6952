@testable import Audio
import XCTest

final class MelTests: XCTestCase {
    func testFilterbankMatchesLibrosa() throws {
        let ref = try FixtureReader.dsp().tensor("mel_filters")
        XCTAssertEqual(ref.shape, [64, 513])
        let fb = try MelFilterbank(sampleRate: 16000, nFFT: 1024, nMels: 64, fMin: 0, fMax: 8000)
        let err = relativeMaxError(fb.weights, ref.values)
        print("mel_filters parity: rel max err \(err)")
        XCTAssertLessThan(err, 1e-5)
    }

    func testLogMelMatchesAudioLDM() throws {
        let fx = try FixtureReader.dsp()
        let wave = try fx.tensor("wave_16k").values
        let ref = try fx.tensor("log_mel")  // mels x frames
        let lm = try LogMel()(wave)
        XCTAssertEqual(lm.frames, 101)
        XCTAssertEqual(lm.bins, 64)
        let err = maxAbsDiff(lm.transposed(), ref.values)
        print("log_mel parity: max abs err \(err)")
        XCTAssertLessThan(err, 1e-4)
    }
}
