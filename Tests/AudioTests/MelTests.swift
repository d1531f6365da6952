@testable import Audio
import Tensors
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

extension MelTests {
    func testScalesAtKnownPoints() {
        XCTAssertEqual(MelScale.htk.mel(hz: 1000), 999.98, accuracy: 0.01)
        XCTAssertEqual(MelScale.htk.hz(mel: MelScale.htk.mel(hz: 3456)), 3456, accuracy: 1e-9)
        // Slaney: 200/3 Hz per mel below 1 kHz, then 27 mels per factor 6.4.
        XCTAssertEqual(MelScale.slaney.mel(hz: 500), 7.5, accuracy: 1e-12)
        XCTAssertEqual(MelScale.slaney.mel(hz: 1000), 15, accuracy: 1e-12)
        XCTAssertEqual(MelScale.slaney.hz(mel: 42), 6400, accuracy: 1e-9)
        XCTAssertEqual(MelScale.slaney.hz(mel: MelScale.slaney.mel(hz: 123.4)), 123.4, accuracy: 1e-9)
    }

    /// Without normalisation the triangles partition unity between the first and last centres;
    /// with slaney normalisation each has unit area in Hz. Both scales, with fMin/fMax respected.
    func testTriangleProperties() throws {
        for scale in [MelScale.htk, .slaney] {
            let fb = try MelFilterbank(sampleRate: 22050, nFFT: 4096, nMels: 40, fMin: 300, fMax: 9000, scale: scale, norm: .none)
            let hzPerBin = 22050.0 / 4096
            let lo = scale.mel(hz: 300), hi = scale.mel(hz: 9000)
            let firstCentre = scale.hz(mel: lo + (hi - lo) / 41), lastCentre = scale.hz(mel: lo + (hi - lo) * 40 / 41)
            for b in 0..<fb.bins {
                let hz = Double(b) * hzPerBin
                let sum = (0..<40).reduce(Float(0)) { $0 + fb.weights[$1 * fb.bins + b] }
                if hz >= firstCentre && hz <= lastCentre { XCTAssertEqual(sum, 1, accuracy: 1e-5, "\(scale) bin \(b)") }
                if hz <= 300 || hz >= 9000 { XCTAssertEqual(sum, 0, "\(scale) bin \(b) outside fMin...fMax") }
            }
            let slaney = try MelFilterbank(sampleRate: 22050, nFFT: 4096, nMels: 40, fMin: 300, fMax: 9000, scale: scale)
            for m in [0, 20, 39] {
                let area = (0..<slaney.bins).reduce(0.0) { $0 + Double(slaney.weights[m * slaney.bins + $1]) } * hzPerBin
                XCTAssertEqual(area, 1, accuracy: 0.05, "\(scale) filter \(m)")
            }
        }
    }

    func testApplyMatchesDenseProduct() throws {
        let fb = try MelFilterbank(sampleRate: 16000, nFFT: 512, nMels: 20)
        let rng = RandomGenerator(seed: 3)
        let spec = try Spectrogram(frames: 3, bins: 257, values: (0..<(3 * 257)).map { _ in rng.nextUniform() })
        let mel = try fb.apply(spec)
        for f in 0..<3 {
            for m in 0..<20 {
                let dense = (0..<257).reduce(Float(0)) { $0 + fb.weights[m * 257 + $1] * spec[f, $1] }
                XCTAssertEqual(mel[f, m], dense, accuracy: 1e-5)
            }
        }
    }

    func testBadArgumentsAreNamed() {
        XCTAssertThrowsError(try MelFilterbank(sampleRate: 16000, nFFT: 1024, fMax: 9000)) {
            XCTAssertEqual($0 as? AudioError, .invalidArgument("fMax", "expected <= Nyquist (8000 Hz), got 9000.0"))
        }
        XCTAssertThrowsError(try MelFilterbank(sampleRate: 16000, nFFT: 1024, fMin: 8000)) {
            XCTAssertEqual($0 as? AudioError, .invalidArgument("fMin", "expected 0 <= fMin < fMax (8000.0 Hz), got 8000.0"))
        }
        XCTAssertThrowsError(try LogMel()(.init(repeating: 0, count: 0)))
    }

    func testSilenceHitsTheFloor() throws {
        let lm = try LogMel()([Float](repeating: 0, count: 1600))
        XCTAssertEqual(lm.frames, 11)
        XCTAssertTrue(lm.values.allSatisfy { $0 == log(Float(1e-5)) })
    }
}
