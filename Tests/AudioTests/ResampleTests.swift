@testable import Audio
import XCTest

final class ResampleTests: XCTestCase {
    /// soxr HQ 16k -> 44.1k -> 16k against python-soxr's output for the fixture's chirp + noise.
    ///
    /// Both sides run soxr's HQ recipe (20-bit precision: passband ripple and aliasing held below
    /// -100 dB, i.e. 1e-5 of full scale). Against this machine's Debian libsoxr 0.1.3 the result is
    /// bit-identical (error 0), but python-soxr bundles its own libsoxr build whose SIMD path and
    /// FFT may round differently; two correct HQ builds can differ only below HQ's own noise floor,
    /// so 1e-5 relative to the peak is the bound. A wrong recipe (MQ, see below) or rate misses it by over 100x.
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

extension ResampleTests {
    /// Frequency of the strongest STFT bin, averaged over frames.
    func peakFrequency(_ x: [Float], rate: Int, nFFT: Int = 4096) throws -> Double {
        let mag = try STFT(STFTConfig(nFFT: nFFT, hopLength: nFFT / 4)).magnitude(x)
        var sum = [Float](repeating: 0, count: mag.bins)
        for f in 0..<mag.frames { for b in 0..<mag.bins { sum[b] += mag[f, b] } }
        let peak = sum.indices.max { sum[$0] < sum[$1] }!
        return Double(peak) * Double(rate) / Double(nFFT)
    }

    func rms(_ x: ArraySlice<Float>) -> Float { (x.reduce(0) { $0 + $1 * $1 } / Float(x.count)).squareRoot() }

    func testToneKeepsFrequencyAndLevelAtEveryQuality() throws {
        let x = tone(1000, seconds: 1, rate: 16000, amplitude: 0.5)
        for q in ResampleQuality.allCases {
            for to in [44100, 22050, 8000] {
                let y = try Resample.resample(x, from: 16000, to: to, quality: q)
                XCTAssertEqual(y.count, to, "\(q) \(to)")
                let bin = Double(to) / 4096
                XCTAssertEqual(try peakFrequency(y, rate: to), 1000, accuracy: bin, "\(q) \(to)")
                // Away from the filter's start-up edges the RMS of a 0.5 sine is 0.5 / sqrt 2.
                XCTAssertEqual(rms(y[(to / 10)..<(to * 9 / 10)]), 0.5 / Float(2).squareRoot(), accuracy: 0.005, "\(q) \(to)")
            }
        }
    }

    func testChannelsResampleIndependently() throws {
        let l = tone(440, seconds: 0.5, rate: 48000, amplitude: 0.5)
        let r = tone(3000, seconds: 0.5, rate: 48000, amplitude: 0.25)
        let b = try AudioBuffer(planar: [l, r], sampleRate: 48000).resampled(to: 16000)
        XCTAssertEqual(b.sampleRate, 16000)
        XCTAssertEqual(b.channels, 2)
        XCTAssertEqual(b.frameCount, 8000)
        let monoL = try Resample.resample(l, from: 48000, to: 16000)
        XCTAssertLessThan(maxAbsDiff(b.channel(0), monoL), 1e-6)
        XCTAssertEqual(try peakFrequency(b.channel(1), rate: 16000, nFFT: 2048), 3000, accuracy: 16000.0 / 2048)
        XCTAssertEqual(rms(b.channel(1)[800..<7200]), 0.25 / Float(2).squareRoot(), accuracy: 0.003)
    }

    func testLowerQualityIsMeasurablyWorseThanHQ() throws {
        // Guards the recipe mapping: MQ really differs from the HQ reference, by far more than the bound above.
        let fx = try FixtureReader.dsp()
        let up = try Resample.resample(try fx.tensor("wave_16k").values, from: 16000, to: 44100, quality: .medium)
        XCTAssertGreaterThan(relativeMaxError(up, try fx.tensor("wave_44k_soxr_hq").values), 1e-3)
    }

    func testBadArgumentsAreNamed() {
        XCTAssertThrowsError(try Resample.resample([0, 0], from: 0, to: 16000)) {
            XCTAssertEqual($0 as? AudioError, .invalidArgument("from", "sample rate 0 Hz is out of range (expected 1...768000 Hz)"))
        }
        // A rate of 1e12 Hz used to ask for 4 TB and stop the process.
        XCTAssertThrowsError(try Resample.resample([Float](repeating: 0, count: 16000), from: 16000, to: 1_000_000_000_000)) {
            XCTAssertEqual($0 as? AudioError,
                           .invalidArgument("to", "sample rate 1000000000000 Hz is out of range (expected 1...768000 Hz)"))
        }
        // Within the rates, an output past the machine's memory is an error naming its size, never an abort.
        XCTAssertThrowsError(try Resample.resample([Float](repeating: 0, count: 1 << 20), from: 1, to: 768_000)) {
            XCTAssertTrue("\($0)".hasPrefix("not enough memory for a tensor of shape [805306368000, 1] (3221.2 GB)"), "\($0)")
        }
        XCTAssertThrowsError(try Resample.resample([0, 0, 0], from: 8000, to: 16000, channels: 2)) {
            XCTAssertEqual($0 as? AudioError, .invalidArgument("samples", "expected a multiple of 2 channels, got 3"))
        }
        XCTAssertEqual(try Resample.resample([], from: 8000, to: 16000), [])
        XCTAssertEqual(try Resample.resample([1, 2], from: 8000, to: 8000), [1, 2])
    }
}
