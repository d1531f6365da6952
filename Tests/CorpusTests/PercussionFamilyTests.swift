import XCTest
@testable import Corpus

final class PercussionFamilyTests: XCTestCase {
    func testRecipeFiveCountedHitsRenderExactlyTheStatedCount() throws {
        XCTAssertEqual((CorpusRecipe(seconds: 4, espeak: nil, version: 5, only: ["percussion"]).families.first as? PercussionFamily)?
            .countedHits, true)
        let clips = try renders(PercussionFamily(seconds: 4, countedHits: true), seeds: 0..<400)
        let counted = clips.filter { $0.params["pattern"] == "count" }
        // Four of seven patterns are counted hits.
        XCTAssertEqual(Double(counted.count) / Double(clips.count), 4.0 / 7, accuracy: 0.08)
        var byInstrument: [String: Int] = [:], byCount: [Int: Int] = [:]
        for clip in counted {
            checkBasics(clip, seconds: 4)
            let count = Int(clip.params["count"]!)!
            byInstrument[clip.params["instrument"]!, default: 0] += 1
            byCount[count, default: 0] += 1
            XCTAssertTrue((1...8).contains(count), clip.caption)
            XCTAssertTrue(mentionsCount(clip.caption, count), "count \(count) not stated: \(clip.caption)")
            XCTAssertEqual(Measure.onsets(clip.samples), count, "\(clip.params["instrument"]!) \(clip.params["interval_ms"] ?? "-"): \(clip.caption)")
        }
        XCTAssertEqual(Set(byInstrument.keys), ["kick", "snare", "click", "knock"])
        // Uniform over 1-8 in 4 s: about 29 clips each.
        for n in 1...8 { XCTAssertGreaterThan(byCount[n] ?? 0, 12, "count \(n): \(byCount)") }
        XCTAssertTrue(counted.contains { $0.caption.contains("knock") && $0.params["count"] != "1" })
        XCTAssertTrue(counted.contains { $0.caption.contains("repeated") })
        // The other patterns stay.
        XCTAssertEqual(Set(clips.map { $0.params["pattern"]! }), ["single", "count", "beat", "backbeat"])
    }

    func testCountedHitsFitShortClips() throws {
        // The 2-s halves of "X, then Y" mixtures: fewer kicks fit, every stated hit still sounds.
        XCTAssertEqual(PercussionFamily.mostHits("kick", duration: 2), 4)
        XCTAssertEqual(PercussionFamily.mostHits("click", duration: 2), 8)
        XCTAssertEqual(PercussionFamily.mostHits("kick", duration: 4), 8)
        for clip in try renders(PercussionFamily(seconds: 2, countedHits: true), seeds: 0..<120) where clip.params["pattern"] == "count" {
            checkBasics(clip, seconds: 2)
            let count = Int(clip.params["count"]!)!
            XCTAssertLessThanOrEqual(count, PercussionFamily.mostHits(clip.params["instrument"]!, duration: 2), clip.caption)
            XCTAssertEqual(Measure.onsets(clip.samples), count, clip.caption)
        }
    }
}
