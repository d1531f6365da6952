import Foundation
import TestSupport
import XCTest

/// `foley generate` and `foley embed` through the built binary: every numeric option is checked at the door, before
/// the model loads, with a message naming the option, the value and the valid range (each case below used to be
/// accepted, or failed only after generating).
final class GenerateCommandTests: XCTestCase {
    func refused(_ args: [String], _ message: String, file: StaticString = #filePath, line: UInt = #line) throws {
        let dir = try temporaryDirectory(self)
        let r = try runFoley(["generate", "a beep", "--model", tinyModel, "--steps", "1"] + args, cwd: dir)
        XCTAssertEqual(r.status, 1, r.stderr, file: file, line: line)
        XCTAssertTrue(r.stderr.contains(message), r.stderr, file: file, line: line)
        XCTAssertEqual(try FileManager.default.contentsOfDirectory(atPath: dir.path), [], "nothing is written", file: file, line: line)
    }

    func testNumericOptionsAreRangeChecked() throws {
        try refused(["--seconds", "1e9"], "seconds: 1000000000.0 is out of range (expected a duration in (0, 600] seconds)")
        try refused(["--style-weight", "2"], "style_weight: 2.0 is out of range (expected a number in [0, 1])")
        try refused(["--style-weight", "nan"], "style_weight: nan is out of range (expected a number in [0, 1])")
        try refused(["--loudness=-1000"], "loudness: -1000.0 is out of range (expected a loudness in [-70, 0] LUFS)")
        try refused(["--loudness", "nan"], "loudness: nan is out of range (expected a loudness in [-70, 0] LUFS)")
        try refused(["--temperature", "1e30"], "temperature: 1e+30 is out of range (expected a number in (0, 10])")
        try refused(["--seed", "18446744073709551615", "--count", "2"], "seed: 18446744073709551615 is out of range")
    }

    func testOutputPathAndInputAudioAreChecked() throws {
        let dir = try temporaryDirectory(self)
        try refused(["--out", dir.path], "\(dir.path): unsupported: is a directory (expected a file name ending in .wav or .flac)")
        // An all-NaN reference used to give a silent output (preprocess rejects the same file).
        let nan = dir.appendingPathComponent("nan.wav").path
        try writeFloatWAV([Float](repeating: .nan, count: 1600), to: nan)
        for flag in ["--from", "--style"] {
            try refused([flag, nan, "--seconds", "0.1"], "\(nan): unreadable: non-finite sample (nan) at frame 0 (expected finite audio)")
        }
    }

    func testEmbedNeedsTwoTexts() throws {
        let r = try runFoley(["embed", "a dog barking"])
        XCTAssertNotEqual(r.status, 0)
        XCTAssertTrue(r.stderr.contains("expected two or more texts to compare, got 1"), r.stderr)
    }

    /// A diffusers StableAudioPipeline folder (the tiny parity fixture) through `--model`: a stereo 44.1 kHz WAV
    /// and its sidecar.
    func testStableAudioFolderWritesAStereoFile() throws {
        let dir = try temporaryDirectory(self)
        let model = repoRoot.appendingPathComponent("Tests/Fixtures/stable_audio_pipeline/model").path
        let out = dir.appendingPathComponent("dog.wav").path
        let r = try runFoley(["generate", "a dog barks", "--model", model, "--negative", "wind", "--steps", "3", "--seed", "7",
                              "--out", out], timeout: 120)
        XCTAssertEqual(r.status, 0, r.stderr)
        XCTAssertEqual(r.stdout.trimmingCharacters(in: .whitespacesAndNewlines), out)
        // The WAV header: channels at byte 22, sample rate at 24.
        let data = try Data(contentsOf: URL(fileURLWithPath: out))
        let channels = UInt16(data[22]) | UInt16(data[23]) << 8
        let rate = UInt32(data[24]) | UInt32(data[25]) << 8 | UInt32(data[26]) << 16 | UInt32(data[27]) << 24
        XCTAssertEqual(channels, 2)
        XCTAssertEqual(rate, 44100)
        let sidecar = try XCTUnwrap(JSONSerialization.jsonObject(with: Data(contentsOf: dir.appendingPathComponent("dog.json"))) as? [String: Any])
        XCTAssertEqual(sidecar["sampler"] as? String, "CosineDPMSolverMultistepScheduler")
        XCTAssertEqual(sidecar["channels"] as? Int, 2)
        // That stereo file as the reference of audio-to-audio and of inpainting; a range past the clip is refused.
        let edited = dir.appendingPathComponent("edited.wav").path
        let a2a = try runFoley(["generate", "rain", "--model", model, "--from", out, "--strength", "0.5", "--keep", "0:0.001",
                                "--steps", "3", "--out", edited], timeout: 120)
        XCTAssertEqual(a2a.status, 0, a2a.stderr)
        let edit = try XCTUnwrap(JSONSerialization.jsonObject(with: Data(contentsOf: dir.appendingPathComponent("edited.json"))) as? [String: Any])
        XCTAssertEqual(edit["channels"] as? Int, 2)
        XCTAssertEqual(edit["keep_seconds"] as? [Double], [0, 0.001])
        let refused = try runFoley(["generate", "rain", "--model", model, "--from", out, "--keep", "0:1",
                                    "--out", dir.appendingPathComponent("x.wav").path])
        XCTAssertNotEqual(refused.status, 0)
        XCTAssertTrue(refused.stderr.contains("keep: expected a range inside the clip"), refused.stderr)
    }
}
