import Foundation
import Corpus
import XCTest

/// The corpus's own WAV writer/reader and the windowed-sinc resampler.
final class CorpusWAVTests: XCTestCase {
    func testWriteThenReadRoundTrips() throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("foley-wav-\(getpid())")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: dir) }
        let samples: [Float] = (0..<1000).map { Float(sin(Double($0) * 0.05)) * 0.8 } + [1, -1, 2, -2, .nan]
        let url = dir.appendingPathComponent("x.wav")
        try CorpusWAV.write(samples, sampleRate: 16_000, to: url)
        let back = try CorpusWAV.read(url)
        XCTAssertEqual(back.sampleRate, 16_000)
        XCTAssertEqual(back.samples.count, samples.count)
        for i in 0..<1000 { XCTAssertEqual(back.samples[i], samples[i], accuracy: 0.5 / 32768 + 1e-7) }
        // Out-of-range values clip, NaN writes as silence.
        let full: Float = 32767 / 32768
        let expected: [Float] = [full, -1, full, -1, 0]
        XCTAssertEqual(Array(back.samples.suffix(5)), expected)
        let bytes = try Data(contentsOf: url)
        XCTAssertEqual(bytes.count, 44 + 2 * samples.count)
        XCTAssertEqual(String(decoding: bytes[0..<4], as: UTF8.self), "RIFF")
        // No temporary is left beside the file.
        XCTAssertEqual(try FileManager.default.contentsOfDirectory(atPath: dir.path), ["x.wav"])
    }

    func testDecodeToleratesStreamedHeaderAndRejectsGarbage() throws {
        var data = CorpusWAV.encode([0.5, -0.5, 0.25], sampleRate: 22_050)
        // What `espeak-ng --stdout` writes: placeholder sizes far beyond the end of the data.
        data.replaceSubrange(4..<8, with: [0x24, 0xF0, 0xFF, 0x7F])
        data.replaceSubrange(40..<44, with: [0x00, 0xF0, 0xFF, 0x7F])
        let wav = try CorpusWAV.decode(data)
        XCTAssertEqual(wav.sampleRate, 22_050)
        XCTAssertEqual(wav.samples.count, 3)
        XCTAssertEqual(wav.samples[0], 0.5, accuracy: 1e-4)
        XCTAssertThrowsError(try CorpusWAV.decode(Data("not a wav file at all".utf8)))
    }

    func testResamplerKeepsPitchAndLevelAndRemovesAliases() {
        let r = SincResampler(from: 22_050, to: 16_000)
        func sine(_ hz: Double, _ n: Int) -> [Float] { (0..<n).map { Float(sin(2 * Double.pi * hz * Double($0) / 22_050)) } }
        let y = r.process(sine(1000, 22_050))
        XCTAssertEqual(y.count, 16_000)
        XCTAssertEqual(Measure.dominantFrequency(y), 1000, accuracy: 2)
        let middle = Array(y[2000..<14000])
        XCTAssertEqual(Measure.rms(middle), Float(0.5.squareRoot()), accuracy: 0.01)
        // 9 kHz is above the new 8 kHz Nyquist: it must be filtered out, not folded down to 7 kHz.
        let alias = r.process(sine(9000, 22_050))
        XCTAssertLessThan(Measure.rms(Array(alias[2000..<14000])), 0.01)
        // A constant stays constant (each polyphase row has unit DC gain).
        let dc = r.process([Float](repeating: 0.5, count: 4000))
        XCTAssertEqual(dc[1500], 0.5, accuracy: 1e-4)
    }
}
