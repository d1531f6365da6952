import Audio
import XCTest

final class AudioErrorTests: XCTestCase {
    func testMessagesNameTheCulprit() {
        XCTAssertEqual(AudioError.file("/x/y.bin", "missing").description, "/x/y.bin: missing")
        XCTAssertEqual(AudioError.invalidArgument("steps", "expected a positive integer, got 0").description,
                       "steps: expected a positive integer, got 0")
        XCTAssertEqual(AudioError.missingFile("/a.wav").description, "/a.wav: missing: no such file (expected an audio file)")
        XCTAssertEqual(AudioError.emptyAudio("/a.wav").description, "/a.wav: zero-length: the file holds no audio frames")
        XCTAssertEqual(AudioError.unreadableFile("/a.wav", "Permission denied").description, "/a.wav: unreadable: Permission denied")
        XCTAssertEqual(AudioError.notAudio("/a.wav", "bad header").description,
                       "/a.wav: not audio (expected WAV, FLAC, OGG, AIFF or another libsndfile format): bad header")
        XCTAssertEqual(AudioError.unsupportedFormat("/a.mp3", "cannot write").description, "/a.mp3: unsupported: cannot write")
        XCTAssertEqual(AudioError.library("soxr", "failed").description, "soxr: failed")
    }
}
