import Corpus
import Foundation
import Text
import XCTest

/// The prompt attributes a UNet trained on corpus recipe 5 reads from its captions agree with what each clip holds:
/// a stated pitch is the rendered pitch, a stated count the rendered count.
final class PromptAttributesCorpusTests: XCTestCase {
    func testRecipeFiveCaptionsReadAsTheirClips() throws {
        let recipe = CorpusRecipe(seconds: 4, espeak: nil, version: 5)
        var pitches = 0, pitchHits = 0, counts = 0, countHits = 0
        for i in 0..<400 {
            let clip = try recipe.clip(index: i, seed: 5)
            guard clip.family != "mixture" else { continue }
            let read = PromptAttributes(parsing: clip.caption)
            let p = clip.params
            if ["hz", "note"].contains(p["pitch_stated"] ?? ""), let hz = p["pitch_hz"].flatMap(Double.init) {
                pitches += 1
                if let got = read.pitchesHz.first, abs(got / hz - 1) < 0.005 { pitchHits += 1 } else {
                    XCTFail("'\(clip.caption)': read \(read.pitchesHz), the clip is \(hz) Hz")
                }
            }
            if ["beeps", "percussion"].contains(clip.family), p["pattern"] != "beat", p["pattern"] != "backbeat",
               let n = p["count"].flatMap(Int.init), let got = read.count {
                counts += 1
                if got == n { countHits += 1 } else { XCTFail("'\(clip.caption)': read \(got), the clip has \(n)") }
            }
        }
        XCTAssertGreaterThan(pitches, 40)
        XCTAssertGreaterThan(counts, 40)
        XCTAssertEqual(pitchHits, pitches)
        XCTAssertEqual(countHits, counts)
    }
}
