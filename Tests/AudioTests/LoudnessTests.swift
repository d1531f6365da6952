@testable import Audio
import XCTest

final class LoudnessTests: XCTestCase {
    /// libebur128 against pyloudnorm's BS.1770-4 integrated loudness of the fixture signal.
    func testIntegratedLoudnessMatchesReference() throws {
        let fx = try FixtureReader.dsp()
        let expected = try XCTUnwrap(FixtureReader.dspCase()["loudness_lufs_integrated"] as? Double)
        let rate = try XCTUnwrap(FixtureReader.dspCase()["loudness_sample_rate"] as? Int)
        let b = try AudioBuffer(mono: try fx.tensor("loudness_signal_48k").values, sampleRate: rate)
        let lufs = try Loudness.integrated(b)
        print("loudness parity: \(lufs) LUFS vs reference \(expected) (diff \(lufs - expected) LU)")
        XCTAssertEqual(lufs, expected, accuracy: 0.1)
    }

    func testSineLevelsAndChannelSum() throws {
        // A 1 kHz sine reads 20 log10(A) - 3.01 LUFS; two identical channels add 3.01 dB.
        let x = tone(1000, seconds: 3, rate: 48000, amplitude: 0.5)
        let mono = try Loudness.integrated(try AudioBuffer(mono: x, sampleRate: 48000))
        XCTAssertEqual(mono, 20 * log10(0.5) - 3.01, accuracy: 0.05)
        let stereo = try Loudness.integrated(try AudioBuffer(planar: [x, x], sampleRate: 48000))
        XCTAssertEqual(stereo - mono, 3.01, accuracy: 0.02)
        XCTAssertEqual(try Loudness.integrated(try AudioBuffer(mono: .init(repeating: 0, count: 48000), sampleRate: 48000)),
                       -.infinity)
    }

    func testNormalizeToTarget() throws {
        let b = try AudioBuffer(mono: tone(440, seconds: 2, rate: 16000, amplitude: 0.05), sampleRate: 16000)
        let n = try b.loudnessNormalized(to: -23, truePeakCeiling: nil)
        XCTAssertEqual(try Loudness.integrated(n), -23, accuracy: 0.05)
        // Asking for -5 LUFS with a -1 dBTP ceiling: the ceiling wins and the result is quieter.
        let loud = try b.loudnessNormalized(to: -5, truePeakCeiling: -1)
        XCTAssertLessThanOrEqual(Loudness.decibels(try Loudness.truePeak(loud)), -1 + 1e-4)
        XCTAssertLessThan(try Loudness.integrated(loud), -5)
        XCTAssertThrowsError(try AudioBuffer(mono: .init(repeating: 0, count: 16000), sampleRate: 16000).loudnessNormalized()) {
            XCTAssertEqual($0 as? AudioError, .invalidArgument(
                "buffer", "cannot normalize loudness: silent or shorter than 0.4 s (integrated loudness is -inf)"))
        }
    }

    /// A sine at fs/4 sampled 45 degrees off its crests: every sample is +-0.707 A, the true peak is A.
    func testTruePeakSeesBetweenSamplesAndLimitingRespectsCeiling() throws {
        let x = (0..<48000).map { Float(0.9 * sin(Double.pi / 2 * Double($0) + Double.pi / 4)) }
        let b = try AudioBuffer(mono: x, sampleRate: 48000)
        XCTAssertEqual(Loudness.samplePeak(b), 0.9 * 0.7071, accuracy: 1e-3)
        let tp = try Loudness.truePeak(b)
        XCTAssertEqual(tp, 0.9, accuracy: 0.02)
        let limited = try b.truePeakLimited(to: -3)
        XCTAssertLessThanOrEqual(Loudness.decibels(try Loudness.truePeak(limited)), -3 + 1e-4)
        XCTAssertEqual(Loudness.decibels(try Loudness.truePeak(limited)), -3, accuracy: 1e-3)
        // Already under the ceiling: untouched.
        XCTAssertEqual(try limited.truePeakLimited(to: -1), limited)
    }

    func testPeakNormalize() throws {
        let b = try AudioBuffer(planar: [[0.1, -0.2], [0.05, 0]], sampleRate: 8000)
        let n = b.peakNormalized(to: -6)
        XCTAssertEqual(Double(Loudness.samplePeak(n)), Loudness.linear(-6), accuracy: 1e-6)
        XCTAssertEqual(n.samples[0] / n.samples[2], -0.5, accuracy: 1e-6)  // ratios kept
        let silent = try AudioBuffer(mono: [0, 0], sampleRate: 8000)
        XCTAssertEqual(silent.peakNormalized(), silent)
    }
}
