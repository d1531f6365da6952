import Audio
import Foundation
import XCTest

final class AudioFrontEndTests: XCTestCase {
    /// Written with librosa's names; read back to the same value.
    func testRoundTripsWithOneSpelling() throws {
        var a = AudioFrontEnd(sampleRate: 22050, nFFT: 2048, hopLength: 256, nMels: 80, fMin: 20, fMax: 11025)
        a.melScale = .htk
        a.window = .hamming
        let json = try JSONEncoder().encode(a)
        let keys = Set((try JSONSerialization.jsonObject(with: json) as! [String: Any]).keys)
        XCTAssertEqual(keys, ["sample_rate", "n_fft", "hop_length", "window", "n_mels", "fmin", "fmax", "mel_scale", "magnitude_floor"])
        XCTAssertEqual(try JSONDecoder().decode(AudioFrontEnd.self, from: json), a)
    }

    /// Folders written before the one spelling (`num_mels`, `f_min`, `f_max`) still load.
    func testReadsTheOldSpellings() throws {
        let old = #"{"n_fft": 512, "hop_length": 128, "num_mels": 32, "f_min": 50, "f_max": 4000}"#
        let a = try JSONDecoder().decode(AudioFrontEnd.self, from: Data(old.utf8))
        XCTAssertEqual([a.nFFT, a.hopLength, a.nMels, a.sampleRate], [512, 128, 32, 16000])
        XCTAssertEqual([a.fMin, a.fMax], [50, 4000])
        XCTAssertEqual(a.melScale, .slaney)
        XCTAssertEqual(a.magnitudeFloor, 1e-5)
        XCTAssertThrowsError(try JSONDecoder().decode(AudioFrontEnd.self, from: Data(#"{"window": "kaiser"}"#.utf8))) { e in
            XCTAssertTrue("\(e)".contains("window: expected one of hann, hamming, got 'kaiser'"), "\(e)")
        }
    }

    /// The log-mel it builds is AudioLDM's default front end, bit for bit, and silence maps to the log floor.
    func testBuildsTheSameLogMel() throws {
        let tone = (0..<4000).map { Float(sin(Double($0) * 0.2)) }
        let a = try AudioFrontEnd().logMel()(tone), b = try LogMel()(tone)
        XCTAssertEqual(a.values, b.values)
        XCTAssertEqual(AudioFrontEnd().logFloor, Float(log(1e-5 as Double)), accuracy: 1e-6)
        XCTAssertEqual(try AudioFrontEnd().logMel()([Float](repeating: 0, count: 1600)).values[0], AudioFrontEnd().logFloor)
    }

    /// The one duration and latent-shape rule: 1 s at hop 160 = 100 frames, rounded up to 8 (VAE 2 x UNet 4) = 104.
    func testLatentShape() {
        let a = AudioFrontEnd()
        XCTAssertEqual(a.melFrames(seconds: 1, unit: 8), 104)
        XCTAssertEqual(a.melFrames(seconds: 0, unit: 8), 8)
        XCTAssertEqual(a.latentShape(seconds: 1, batch: 2, channels: 8, vaeFactor: 2, unetFactor: 4), [2, 8, 52, 32])
    }

    func testScaledToARate() {
        let a = AudioFrontEnd.scaled(toRate: 44100)
        XCTAssertEqual([a.hopLength, a.nFFT, a.nMels], [441, 4096, 64])
        XCTAssertEqual(a.fMax, 22050)
    }
}
