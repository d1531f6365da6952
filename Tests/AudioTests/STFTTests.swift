@testable import Audio
import Tensors
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

extension STFTTests {
    func noise(_ n: Int, seed: UInt64 = 1) -> [Float] {
        let rng = RandomGenerator(seed: seed)
        return (0..<n).map { _ in rng.nextUniform() * 2 - 1 }
    }

    /// Forward then inverse gives the signal back (the window-sum-square normalisation of torch.istft).
    func testInverseReconstructs() throws {
        let x = noise(16000)
        let configs = [
            STFTConfig(nFFT: 1024, hopLength: 160),
            STFTConfig(nFFT: 1024, hopLength: 256, winLength: 800, window: .hamming),
            STFTConfig(nFFT: 512, hopLength: 128, center: true, padMode: .constant),
        ]
        for c in configs {
            let stft = try STFT(c)
            let spec = try stft.forward(x)
            let y = try stft.inverse(spec, length: x.count)
            XCTAssertEqual(y.count, x.count)
            let err = maxAbsDiff(y, x)
            print("istft round trip \(c.window) n_fft \(c.nFFT) hop \(c.hopLength): max abs err \(err)")
            XCTAssertLessThan(err, 1e-5, "\(c)")
        }
        // Default length: hop * (frames - 1), the input length when it is a multiple of the hop.
        let stft = try STFT()
        XCTAssertEqual(try stft.inverse(stft.forward(x)).count, 16000)
        // A length that is not a multiple of the hop, and one longer than the frames cover (zero tail).
        let odd = Array(x[0..<15_999])
        XCTAssertLessThan(maxAbsDiff(try stft.inverse(stft.forward(odd), length: odd.count), odd), 1e-5)
        let long = try stft.inverse(stft.forward(x), length: 16_700)
        XCTAssertEqual(Array(long[16_512...]), [Float](repeating: 0, count: 188))
    }

    func testPaddingModesAtTheEdges() throws {
        let ones = [Float](repeating: 1, count: 4096)
        let w = Window.hann.values(length: 1024)
        let reflect = try STFT(STFTConfig(nFFT: 1024, hopLength: 256)).forward(ones)
        let constant = try STFT(STFTConfig(nFFT: 1024, hopLength: 256, padMode: .constant)).forward(ones)
        // Frame 0 is centred on sample 0: reflect sees ones everywhere, constant only in the right half.
        XCTAssertEqual(reflect.real[0], w.reduce(0, +), accuracy: 1e-3)
        XCTAssertEqual(constant.real[0], w[512...].reduce(0, +), accuracy: 1e-3)
        XCTAssertEqual(reflect.frames, 1 + 4096 / 256)
        // Not centred: frames start at sample 0 and must fit entirely.
        let plain = try STFT(STFTConfig(nFFT: 1024, hopLength: 256, center: false)).forward(ones)
        XCTAssertEqual(plain.frames, 1 + (4096 - 1024) / 256)
        XCTAssertEqual(plain.real[0], w.reduce(0, +), accuracy: 1e-3)
        // A signal shorter than the pad folds repeatedly, as numpy's reflect does.
        XCTAssertEqual(STFT.reflectIndex(-1, 3), 1)
        XCTAssertEqual(STFT.reflectIndex(-3, 3), 1)
        XCTAssertEqual(STFT.reflectIndex(4, 3), 0)
        XCTAssertEqual(STFT.reflectIndex(7, 3), 1)
        XCTAssertEqual(try STFT().forward([0.5, -0.25]).frames, 1)
    }

    /// A pure tone puts its energy in its own bin: amplitude A at bin k gives |X_k| = A * sum(w) / 2.
    func testToneLandsInItsBin() throws {
        let rate = 16000, k = 64  // 1000 Hz at n_fft 1024
        let x = tone(Double(k) * Double(rate) / 1024, seconds: 1, rate: rate, amplitude: 0.5)
        let mag = try STFT().magnitude(x)
        let w = Window.hann.values(length: 1024).reduce(0, +)
        XCTAssertEqual(mag[50, k], 0.5 * w / 2, accuracy: 1e-2)
        XCTAssertLessThan(mag[50, k + 3], 1e-3)
    }

    func testThreadCountDoesNotChangeResults() throws {
        let x = noise(32000, seed: 9)
        let saved = Runtime.threadCount
        defer { Runtime.setThreadCount(saved) }
        Runtime.setThreadCount(1)
        let serial = try STFT().forward(x)
        let serialInverse = try STFT().inverse(serial)
        Runtime.setThreadCount(4)
        let parallel = try STFT().forward(x)
        XCTAssertEqual(parallel, serial)
        XCTAssertEqual(try STFT().inverse(parallel), serialInverse)
    }

    func testBadConfigsAreNamed() throws {
        XCTAssertThrowsError(try STFT(STFTConfig(nFFT: 1023))) {
            XCTAssertEqual($0 as? AudioError, .invalidArgument("nFFT", "expected an even size >= 2 (kiss_fftr), got 1023"))
        }
        XCTAssertThrowsError(try STFT(STFTConfig(nFFT: 512, winLength: 1024))) {
            XCTAssertEqual($0 as? AudioError, .invalidArgument("winLength", "expected 1...512 (n_fft), got 1024"))
        }
        XCTAssertThrowsError(try STFT(STFTConfig(hopLength: 0))) {
            XCTAssertEqual($0 as? AudioError, .invalidArgument("hopLength", "expected a positive hop, got 0"))
        }
        XCTAssertThrowsError(try STFT().forward([])) {
            XCTAssertEqual($0 as? AudioError, .invalidArgument("signal", "expected at least 1 samples for n_fft 1024, got 0"))
        }
        let small = try STFT(STFTConfig(nFFT: 256)).forward(noise(1000))
        XCTAssertThrowsError(try STFT().inverse(small)) {
            XCTAssertEqual($0 as? AudioError, .invalidArgument("spec", "expected 513 bins for n_fft 1024, got 129"))
        }
    }
}
