import Foundation
import XCTest

/// The checked-in tiny AudioLDM model (random weights, 16 kHz, 8 mels).
let tinyModel = repoRoot.appendingPathComponent("Tests/Fixtures/audioldm_pipeline/model").path

extension LuaHarness {
    /// Results of `chunk`, failing the test on a Lua error.
    func values(_ chunk: String, file: StaticString = #filePath, line: UInt = #line) -> [String] {
        do { return try run(chunk) } catch {
            XCTFail("\(error)", file: file, line: line)
            return []
        }
    }

    /// Asserts `chunk` raises an error containing `expected`.
    func assertError(_ chunk: String, _ expected: String, file: StaticString = #filePath, line: UInt = #line) {
        guard let e = error(chunk) else { return XCTFail("no error from \(chunk)", file: file, line: line) }
        XCTAssertTrue(e.contains(expected), "\(e.debugDescription) does not contain \(expected.debugDescription)", file: file, line: line)
    }
}
