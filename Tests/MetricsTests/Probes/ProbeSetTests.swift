import Foundation
import Corpus
import Metrics
import XCTest

final class ProbeSetTests: XCTestCase {
    func testEveryKindFilledWithHeldOutPhrasing() throws {
        let probes = try ProbeSet.make(perKind: 3, seed: 1)
        XCTAssertEqual(probes.count, 15)
        for kind in ProbeKind.allCases { XCTAssertEqual(probes.filter { $0.kind == kind }.count, 3, "\(kind)") }
        for p in probes {
            let text = p.caption.lowercased()
            XCTAssertTrue(CaptionParaphrase.cues.contains { text.contains($0) }, "no held-out cue in '\(p.caption)'")
            XCTAssertEqual(p.reference.count, Int((p.seconds * 16_000).rounded()), p.caption)
            switch p.kind {
            case .pitch: XCTAssertNotNil(Double(p.expected))
            case .count: XCTAssertGreaterThan(Int(p.expected) ?? 0, 0)
            case .noiseColor: XCTAssertTrue(["white", "pink", "brown"].contains(p.expected), p.expected)
            case .loudness:
                XCTAssertTrue(p.caption.hasSuffix("turned way up"), p.caption)
                XCTAssertTrue(p.quietCaption?.hasSuffix("turned way down") == true)
                XCTAssertEqual(p.quietReference?.count, p.reference.count)
            case .duration: XCTAssertNotEqual(p.seconds, 4)
            }
        }
        // Same seed, same probes; another seed, other probes.
        XCTAssertEqual(try ProbeSet.make(perKind: 3, seed: 1).map(\.caption), probes.map(\.caption))
        XCTAssertNotEqual(try ProbeSet.make(perKind: 3, seed: 2).map(\.caption), probes.map(\.caption))
    }

    func testBadSizesAreNamed() {
        XCTAssertThrowsError(try ProbeSet.make(perKind: 0, seed: 1)) { XCTAssertTrue("\($0)".contains("perKind"), "\($0)") }
        XCTAssertThrowsError(try ProbeSet.make(perKind: 1, seed: 1, seconds: 0.4)) { XCTAssertTrue("\($0)".contains("seconds"), "\($0)") }
    }
}
