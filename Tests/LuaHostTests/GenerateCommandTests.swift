import Foundation
import XCTest

/// `foley generate` run as a user runs it, on the built binary.
final class GenerateCommandTests: XCTestCase {
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
        let refused = try runFoley(["generate", "rain", "--model", model, "--from", out, "--out", dir.appendingPathComponent("x.wav").path])
        XCTAssertNotEqual(refused.status, 0)
        XCTAssertTrue(refused.stderr.contains("reference: not supported for Stable Audio models yet"), refused.stderr)
    }
}
