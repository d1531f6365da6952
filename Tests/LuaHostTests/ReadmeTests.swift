import Foundation
import XCTest

/// The README's prompt session is what the prompt prints: its `> ` entries are fed to `foley` and every other line
/// of the block must come back, in order.
final class ReadmeTests: XCTestCase {
    func testPromptSessionPrintsWhatTheReadmeShows() throws {
        let readme = try String(contentsOf: repoRoot.appendingPathComponent("README.md"), encoding: .utf8)
        let section = try XCTUnwrap(readme.components(separatedBy: "## The Lua prompt").dropFirst().first)
        let block = try XCTUnwrap(section.components(separatedBy: "```").dropFirst().first)
        let lines = block.split(separator: "\n", omittingEmptySubsequences: true).map(String.init)
        let entries = lines.filter { $0.hasPrefix("> ") }.map { String($0.dropFirst(2)) }
            .filter { !$0.hasPrefix(":save") }
        let expected = lines.filter { !$0.hasPrefix("> ") }
        XCTAssertFalse(entries.isEmpty)
        XCTAssertFalse(expected.isEmpty)
        let r = try runFoley([], stdin: entries.joined(separator: "\n") + "\n", cwd: try temporaryDirectory(self))
        XCTAssertEqual(r.status, 0, r.stderr)
        XCTAssertEqual(r.stdout.split(separator: "\n").map(String.init), expected)
    }
}
