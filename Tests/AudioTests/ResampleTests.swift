@testable import Audio
import XCTest

final class ResampleTests: XCTestCase {
    /// soxr HQ 16k -> 44.1k -> 16k against python-soxr's output for the fixture's chirp + noise.
    ///
    /// Both sides run soxr's HQ recipe (20-bit precision: passband ripple and aliasing held below
    /// -100 dB, i.e. 1e-5 of full scale). Against this machine's Debian libsoxr 0.1.3 the result is
    /// bit-identical (error 0), but python-soxr bundles its own libsoxr build whose SIMD path and
    /// FFT may round differently; two correct HQ builds can differ only below HQ's own noise floor,
    /// so 1e-5 relative to the peak is the bound. A wrong recipe (LQ/MQ) or rate misses it by 100x.
    func testSoxrRoundTripMatchesReference() throws {
        let fx = try FixtureReader.dsp()
        let wave = try fx.tensor("wave_16k").values
        let ref44 = try fx.tensor("wave_44k_soxr_hq").values
        let refBack = try fx.tensor("wave_back_16k").values
        let up = try Resample.resample(wave, from: 16000, to: 44100)
        XCTAssertEqual(up.count, ref44.count)
        let back = try Resample.resample(up, from: 44100, to: 16000)
        XCTAssertEqual(back.count, refBack.count)
        let e44 = relativeMaxError(up, ref44), eBack = relativeMaxError(back, refBack)
        print("soxr parity: 44.1k rel max err \(e44), back to 16k rel max err \(eBack)")
        XCTAssertLessThanOrEqual(e44, 1e-5)
        XCTAssertLessThanOrEqual(eBack, 1e-5)
    }
}
