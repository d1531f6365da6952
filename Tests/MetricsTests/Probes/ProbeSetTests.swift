import Foundation
import Corpus
import Metrics
import XCTest

final class ProbeSetTests: XCTestCase {
    func testEveryKindFilledWithHeldOutPhrasing() throws {
        let probes = try ProbeSet.make(perKind: 3, seed: 1)
        XCTAssertEqual(probes.count, 3 * ProbeKind.allCases.count)
        XCTAssertEqual(ProbeKind.allCases.count, 9)
        for kind in ProbeKind.allCases { XCTAssertEqual(probes.filter { $0.kind == kind }.count, 3, "\(kind)") }
        for p in probes {
            let text = p.caption.lowercased()
            XCTAssertTrue(CaptionParaphrase.cues.contains { text.contains($0) }, "no held-out cue in '\(p.caption)'")
            XCTAssertEqual(p.reference.count, Int((p.seconds * 16_000).rounded()), p.caption)
            switch p.kind {
            case .pitch:
                XCTAssertNotNil(Double(p.expected))
                XCTAssertTrue(text.contains("\(Int(Double(p.expected)!.rounded()))"), p.caption)
            case .note:
                XCTAssertNotNil(Double(p.expected))
                XCTAssertTrue(p.caption.contains(try XCTUnwrap(p.params["note"])), p.caption)
                XCTAssertFalse(text.contains("hertz") || text.contains("cycles"), p.caption)
            case .register:
                XCTAssertTrue(text.contains(p.expected == "mid" ? "middle register" : "\(p.expected) register"), p.caption)
                XCTAssertEqual(PitchWords.register(hz: Double(p.params["pitch_hz"]!)!), p.expected)
            case .count:
                XCTAssertTrue((1...8).contains(Int(p.expected) ?? 0), p.expected)
                XCTAssertTrue(["beeps", "percussion"].contains(p.params["family"]), p.caption)
            case .noiseColor: XCTAssertTrue(["white", "pink", "brown"].contains(p.expected), p.expected)
            case .loudness:
                XCTAssertTrue(p.caption.hasSuffix("turned way up"), p.caption)
                XCTAssertTrue(p.quietCaption?.hasSuffix("turned way down") == true)
                XCTAssertEqual(p.quietReference?.count, p.reference.count)
            case .duration: XCTAssertNotEqual(p.seconds, 4)
            case .order:
                let parts = p.expected.split(separator: ">").map(String.init)
                XCTAssertEqual(parts.count, 2)
                XCTAssertNotEqual(parts[0], parts[1])
                XCTAssertTrue(parts.allSatisfy(ProbeSet.classifiedFamilies.contains), p.expected)
                XCTAssertTrue(CaptionParaphrase.sequencePhrases.contains { text.contains(", \($0) ") }, p.caption)
            case .family:
                XCTAssertTrue(ProbeSet.classifiedFamilies.contains(p.expected), p.expected)
                XCTAssertEqual(p.params["family"], p.expected)
            }
        }
        // The registers, the count families and the asked families are drawn in turn.
        XCTAssertEqual(probes.filter { $0.kind == .register }.map(\.expected), ["low", "mid", "high"])
        XCTAssertEqual(probes.filter { $0.kind == .count }.map { $0.params["family"]! }, ["beeps", "percussion", "beeps"])
        XCTAssertEqual(probes.filter { $0.kind == .family }.map(\.expected), Array(ProbeSet.classifiedFamilies.prefix(3)))
        // Same seed, same probes; another seed, other probes.
        XCTAssertEqual(try ProbeSet.make(perKind: 3, seed: 1).map(\.caption), probes.map(\.caption))
        XCTAssertNotEqual(try ProbeSet.make(perKind: 3, seed: 2).map(\.caption), probes.map(\.caption))
    }

    func testBadSizesAreNamed() {
        XCTAssertThrowsError(try ProbeSet.make(perKind: 0, seed: 1)) { XCTAssertTrue("\($0)".contains("perKind"), "\($0)") }
        XCTAssertThrowsError(try ProbeSet.make(perKind: 1, seed: 1, seconds: 0.4)) { XCTAssertTrue("\($0)".contains("seconds"), "\($0)") }
    }
}
