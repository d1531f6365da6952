import Foundation
import XCTest

/// The workshop's lessons run as notebooks (`foley run workshop/NN-*.md`) on the shipped model and check their own
/// results: a failed assert in a cell fails the run.
final class WorkshopTests: XCTestCase {
    func testEveryLessonRunsAndChecksItself() throws {
        let folder = repoRoot.appendingPathComponent("workshop")
        let lessons = try FileManager.default.contentsOfDirectory(atPath: folder.path).filter { $0.hasSuffix(".md") }.sorted()
        XCTAssertEqual(lessons.count, 3, "\(lessons)")
        for lesson in lessons {
            let dir = try temporaryDirectory(self)
            let r = try runFoley(["run", folder.appendingPathComponent(lesson).path], cwd: dir, timeout: 300)
            XCTAssertEqual(r.status, 0, "\(lesson): \(r.stderr)\n\(r.stdout)")
        }
    }
}
