import Audio
import Foundation
import Metrics
import XCTest

final class EvaluationSetTests: XCTestCase {
    func testReadsMonoClipsAndSkipsWhatItCannotPair() throws {
        let dir = try temporaryDirectory(self)
        let stereo = try AudioBuffer(planar: [[0.5, 0.5, 0.5], [0.1, 0.1, 0.1]], sampleRate: 8000)
        try AudioFile.write(stereo, to: dir.appendingPathComponent("a.wav").path)
        try AudioFile.write(stereo, to: dir.appendingPathComponent("a.flac").path)
        try Data().write(to: dir.appendingPathComponent("empty.wav"))
        try Data("x".utf8).write(to: dir.appendingPathComponent(".hidden"))
        try FileManager.default.createDirectory(at: dir.appendingPathComponent("sub"), withIntermediateDirectories: true)
        let set = try EvaluationSet(directory: dir.path)
        XCTAssertEqual(set.clips.map(\.name), ["a"])
        XCTAssertEqual(set.clips[0].audio.channels, 1)
        XCTAssertEqual(set.clips[0].audio.samples[0], 0.3, accuracy: 1e-3)
        XCTAssertEqual(set.skipped.map { ($0.path as NSString).lastPathComponent }, ["a.wav", "empty.wav"])
        XCTAssertEqual(set.skipped[0].reason, "same name as a.flac: pairing by name would be ambiguous")
        XCTAssertTrue(set.skipped[1].reason.contains("zero-length"), set.skipped[1].reason)
    }
}
