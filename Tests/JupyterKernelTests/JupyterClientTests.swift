import Foundation
import TestSupport
import XCTest

/// The kernel driven by a real Jupyter client: Tests/Jupyter/test_kernel.py (jupyter_client, nbclient, nbformat from
/// the virtual environment scripts/test makes in .build/jupyter-venv) against the built foley binary.
struct MissingFoley: Error, CustomStringConvertible { let description: String }

final class JupyterClientTests: XCTestCase {
    static let repoRoot = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()

    /// The foley executable next to the test bundle (`swift test` builds it with the tests).
    func foleyBinary() throws -> String {
        if let path = TestSupport.foleyExecutable() { return path }
        throw MissingFoley(description: "the foley executable was not found next to \(TestSupport.testExecutable): build it (swift build -c release) first")
    }

    func testRealJupyterClientDrivesTheKernel() throws {
        let python = Self.repoRoot.appendingPathComponent(".build/jupyter-venv/bin/python").path
        guard FileManager.default.isExecutableFile(atPath: python) else {
            XCTFail("no Jupyter test environment at \(python): run scripts/test (it installs jupyter_client, nbclient and nbformat there)")
            return
        }
        let (status, text) = try TestSupport.run(python, [Self.repoRoot.appendingPathComponent("Tests/Jupyter/test_kernel.py").path,
                                                          "--foley", try foleyBinary()])
        XCTAssertEqual(status, 0, text)
        let passed = text.split(separator: "\n").filter { $0.hasPrefix("ok: ") }.map { String($0.dropFirst(4)) }
        // Every check of the script, by its first words: a check that silently stopped running fails here.
        let expected = ["kernelspec: foley kernel install", "kernel_info:", "execute: an expression's value", "execute: print",
                        "stdin: io.read", "execute: a Tensor", "execute: run-time and syntax errors", "execute: REPL commands",
                        "generation: display_data with text/html audio", "rich output:", "complete:", "inspect:",
                        "is_complete:", "history:", "interrupt:", ":save session.ipynb", "restart:", "shutdown:",
                        "nbclient: workshop lesson 1", "foley run lesson1.ipynb", "kernelspec: foley kernel remove"]
        XCTAssertEqual(passed.count, expected.count, text)
        for (got, want) in zip(passed, expected) { XCTAssertTrue(got.hasPrefix(want), "\(got) is not \(want)") }
    }
}
