@testable import Audio
import CSndFile
import Tensors
import TestSupport
import XCTest

final class AudioFileTests: XCTestCase {
    /// A float file of NaN or infinity used to read as audio and pass silently into generation and metrics.
    func testNonFiniteSamplesAreRejectedNamingFileAndFrame() throws {
        let path = NSTemporaryDirectory() + "foley-nan-\(UUID().uuidString).wav"
        defer { try? FileManager.default.removeItem(atPath: path) }
        try writeFloatWAV([0.1, 0.2, .nan, 0.3], to: path)
        XCTAssertThrowsError(try AudioFile.read(path)) {
            XCTAssertEqual($0 as? AudioError, .unreadableFile(path, "non-finite sample (nan) at frame 2 (expected finite audio)"))
        }
        try writeFloatWAV([0.1, 0.2, 0.3], to: path)
        XCTAssertEqual(try AudioFile.read(path).samples, [0.1, 0.2, 0.3])
    }

    /// `--out DIR` used to say "cannot write extension '.'".
    func testADirectoryOrAMissingExtensionIsNamedAsSuch() {
        let dir = NSTemporaryDirectory()
        XCTAssertThrowsError(try AudioFileFormat.forPath(dir)) {
            XCTAssertEqual($0 as? AudioError, .unsupportedFormat(dir, "is a directory (expected a file name ending in .wav or .flac)"))
        }
        XCTAssertThrowsError(try AudioFileFormat.forPath("/tmp/out")) {
            XCTAssertEqual($0 as? AudioError, .unsupportedFormat("/tmp/out", "has no extension (expected a file name ending in .wav or .flac)"))
        }
    }

    var dir = ""

    override func setUpWithError() throws {
        dir = temporaryPath("files")
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: false)
    }

    override func tearDown() {
        try? FileManager.default.removeItem(atPath: dir)
    }

    /// A stereo test signal: a 440 Hz tone left, a quieter 1 kHz tone right, with full-scale extremes.
    func stereo(rate: Int = 22050) throws -> AudioBuffer {
        var l = tone(440, seconds: 0.25, rate: rate, amplitude: 0.8)
        let r = tone(1000, seconds: 0.25, rate: rate, amplitude: 0.3)
        l[10] = 1.0
        l[11] = -1.0
        return try AudioBuffer(planar: [l, r], sampleRate: rate)
    }

    /// Each written format reads back with the layout intact and values within its quantisation:
    /// 16-bit stores round(x * 32767) and reads / 32768, so |error| <= 1.5 / 32768 (4.6e-5);
    /// 24-bit the same at 2^23 (1.8e-7); float is exact.
    func testRoundTripThroughEveryWrittenFormat() throws {
        let b = try stereo()
        let cases: [(AudioFileFormat, String, Float)] = [
            (.wav16, "a.wav", 4.6e-5), (.wav24, "b.wav", 1.8e-7), (.wavFloat, "c.wav", 0),
            (.flac16, "d.flac", 4.6e-5), (.flac24, "e.flac", 1.8e-7),
        ]
        for (format, name, tol) in cases {
            let path = dir + "/" + name
            try AudioFile.write(b, to: path, format: format)
            let back = try AudioFile.read(path)
            XCTAssertEqual(back.sampleRate, 22050, "\(format)")
            XCTAssertEqual(back.channels, 2, "\(format)")
            XCTAssertEqual(back.frameCount, b.frameCount, "\(format)")
            let err = maxAbsDiff(back.samples, b.samples)
            XCTAssertLessThanOrEqual(err, tol, "\(format)")
            XCTAssertGreaterThan(Loudness.samplePeak(back), 0.99, "\(format)")
        }
        let names = try FileManager.default.contentsOfDirectory(atPath: dir).sorted()
        XCTAssertEqual(names, ["a.wav", "b.wav", "c.wav", "d.flac", "e.flac"], "no temporary files left behind")
    }

    func testExtensionPicksTheEncoding() throws {
        let b = try stereo()
        try AudioFile.write(b, to: dir + "/x.wav")
        try AudioFile.write(b, to: dir + "/x.flac")
        try AudioFile.write(b, to: dir + "/f.wav", format: .wavFloat)
        XCTAssertEqual(try AudioFile.info(dir + "/x.wav").format, "WAV (Microsoft) / Signed 16 bit PCM")
        XCTAssertEqual(try AudioFile.info(dir + "/x.flac").format, "FLAC (Free Lossless Audio Codec) / Signed 16 bit PCM")
        XCTAssertEqual(try AudioFile.info(dir + "/f.wav").format, "WAV (Microsoft) / 32 bit float")
        XCTAssertEqual(try AudioFile.info(dir + "/x.flac").frames, b.frameCount)
        XCTAssertThrowsError(try AudioFile.write(b, to: dir + "/x.mp3")) {
            XCTAssertEqual($0 as? AudioError,
                           .unsupportedFormat(dir + "/x.mp3", "cannot write extension '.mp3' (expected .wav or .flac, or pass a format)"))
        }
        XCTAssertThrowsError(try AudioFile.write(b, to: dir + "/y.wav", format: .flac16)) {
            XCTAssertEqual($0 as? AudioError, .invalidArgument("format", "flac16 does not match the extension of \(dir)/y.wav"))
        }
    }

    func testMonoReadAveragesChannels() throws {
        let b = try stereo()
        try AudioFile.write(b, to: dir + "/s.wav", format: .wavFloat)
        let m = try AudioFile.read(dir + "/s.wav", mono: true)
        XCTAssertEqual(m.channels, 1)
        XCTAssertEqual(m.samples[100], (b.samples[200] + b.samples[201]) / 2, accuracy: 1e-7)
    }

    func testIntegerFormatsClipInsteadOfWrapping() throws {
        let b = try AudioBuffer(mono: [1.5, -2, 0.5], sampleRate: 8000)
        try AudioFile.write(b, to: dir + "/clip.wav")
        let back = try AudioFile.read(dir + "/clip.wav").samples
        XCTAssertEqual(back[0], 32767 / 32768, accuracy: 1e-6)
        XCTAssertEqual(back[1], -1, accuracy: 1e-6)
        XCTAssertEqual(back[2], 0.5, accuracy: 5e-5)
    }

    func testNonFiniteSamplesAreRefusedAndNothingIsWritten() throws {
        let b = try AudioBuffer(mono: [0, .nan, 0], sampleRate: 8000)
        XCTAssertThrowsError(try AudioFile.write(b, to: dir + "/nan.wav")) {
            XCTAssertEqual($0 as? AudioError,
                           .invalidArgument("buffer", "expected finite samples to write to \(dir)/nan.wav, got nan at sample 1"))
        }
        XCTAssertEqual(try FileManager.default.contentsOfDirectory(atPath: dir), [])
    }

    /// Formats libsndfile reads but this module does not write, made with libsndfile directly.
    func testReadsOtherFormatsAndEncodings() throws {
        let rate = 32000
        let x = tone(1000, seconds: 0.5, rate: rate, amplitude: 0.5)
        let cases: [(String, Int, Float)] = [
            ("u8.wav", SF_FORMAT_WAV | SF_FORMAT_PCM_U8, 1.0 / 128),
            ("s32.wav", SF_FORMAT_WAV | SF_FORMAT_PCM_32, 1e-7),
            ("double.wav", SF_FORMAT_WAV | SF_FORMAT_DOUBLE, 0),
            ("s16.aiff", SF_FORMAT_AIFF | SF_FORMAT_PCM_16, 4.6e-5),
            ("v.ogg", SF_FORMAT_OGG | SF_FORMAT_VORBIS, -1),
        ]
        for (name, format, tol) in cases {
            let path = dir + "/" + name
            var info = SF_INFO(frames: 0, samplerate: Int32(rate), channels: 1, format: Int32(format), sections: 0, seekable: 0)
            let sf = try XCTUnwrap(sf_open(path, Int32(SFM_WRITE), &info), name)
            XCTAssertEqual(sf_write_float(sf, x, sf_count_t(x.count)), sf_count_t(x.count))
            sf_close(sf)
            let back = try AudioFile.read(path)
            XCTAssertEqual(back.sampleRate, rate, name)
            XCTAssertEqual(back.channels, 1, name)
            if tol >= 0 {
                XCTAssertEqual(back.frameCount, x.count, name)
                XCTAssertLessThanOrEqual(maxAbsDiff(back.samples, x), tol, name)
            } else {
                // Vorbis is lossy and may pad: the tone's RMS (0.5 / sqrt 2) must survive within 5%.
                let mid = back.samples[4000..<12000]
                let rms = (mid.reduce(0) { $0 + $1 * $1 } / Float(mid.count)).squareRoot()
                XCTAssertEqual(rms, 0.5 / Float(2).squareRoot(), accuracy: 0.02, name)
            }
        }
    }

    func testMissingFile() {
        let path = dir + "/nope.wav"
        XCTAssertThrowsError(try AudioFile.read(path)) { XCTAssertEqual($0 as? AudioError, .missingFile(path)) }
    }

    func testEmptyFile() throws {
        let path = dir + "/empty.wav"
        XCTAssertTrue(FileManager.default.createFile(atPath: path, contents: Data()))
        XCTAssertThrowsError(try AudioFile.read(path)) { XCTAssertEqual($0 as? AudioError, .emptyAudio(path)) }
    }

    func testHeaderWithNoFrames() throws {
        // A valid 44-byte PCM WAV header whose data chunk is empty.
        var h = Data("RIFF".utf8)
        func le(_ v: UInt32, _ n: Int) { for i in 0..<n { h.append(UInt8((v >> (8 * UInt32(i))) & 0xFF)) } }
        le(36, 4); h.append(contentsOf: Array("WAVEfmt ".utf8)); le(16, 4); le(1, 2); le(1, 2); le(16000, 4)
        le(32000, 4); le(2, 2); le(16, 2); h.append(contentsOf: Array("data".utf8)); le(0, 4)
        let path = dir + "/zero.wav"
        try h.write(to: URL(fileURLWithPath: path))
        XCTAssertThrowsError(try AudioFile.read(path)) { XCTAssertEqual($0 as? AudioError, .emptyAudio(path)) }
    }

    func testCorruptFileIsNotAudio() throws {
        let rng = RandomGenerator(seed: 7)
        let bytes = (0..<4096).map { _ in UInt8(truncatingIfNeeded: rng.nextUInt64()) }
        let path = dir + "/random.wav"
        try Data(bytes).write(to: URL(fileURLWithPath: path))
        XCTAssertThrowsError(try AudioFile.read(path)) { error in
            guard case let .notAudio(p, message)? = error as? AudioError else { return XCTFail("got \(error)") }
            XCTAssertEqual(p, path)
            XCTAssertFalse(message.isEmpty)
            XCTAssertTrue("\(error)".hasPrefix(path + ": not audio"))
        }
        // A real header followed by garbage and cut short must not crash either.
        let good = dir + "/good.wav"
        try AudioFile.write(try AudioBuffer(mono: tone(440, seconds: 0.1, rate: 8000), sampleRate: 8000), to: good)
        var data = try Data(contentsOf: URL(fileURLWithPath: good)).prefix(300)
        data.append(contentsOf: bytes.prefix(17))
        let cut = dir + "/cut.wav"
        try data.write(to: URL(fileURLWithPath: cut))
        let partial = try AudioFile.read(cut)
        XCTAssertEqual(partial.frameCount, (300 + 17 - 44) / 2)
    }

    func testDirectoryIsUnreadable() {
        XCTAssertThrowsError(try AudioFile.read(dir)) {
            XCTAssertEqual($0 as? AudioError, .unreadableFile(dir, "is a directory (expected a file)"))
        }
    }
}
