import Foundation
import XCTest

/// The command line's conventions: a script as the first argument runs it, a mistyped command gets the nearest real
/// one, `-e` prints an expression's value, and a binary found through PATH still finds its default model.
final class CommandLineTests: XCTestCase {
    func testScriptAsFirstArgumentRuns() throws {
        let dir = try temporaryDirectory(self)
        let script = dir.appendingPathComponent("hi.lua")
        try #"print("hi", arg[1], #arg)"#.write(to: script, atomically: true, encoding: .utf8)
        let r = try runFoley([script.path, "x"])
        XCTAssertEqual(r.status, 0, r.stderr)
        XCTAssertEqual(r.stdout, "hi\tx\t1\n")
    }

    func testMistypedCommandSuggestsTheNearest() throws {
        let r = try runFoley(["generat", "a beep"])
        XCTAssertEqual(r.status, 64)
        XCTAssertEqual(r.stderr, "foley: unknown command 'generat'; did you mean 'generate'?\n")
        let far = try runFoley(["xyzzy"])
        XCTAssertEqual(far.status, 64)
        XCTAssertTrue(far.stderr.hasPrefix("foley: unknown command 'xyzzy' (commands: run, generate,"), far.stderr)
    }

    func testDashEPrintsAnExpressionOrRunsAStatement() throws {
        XCTAssertEqual(try runFoley(["-e", "1+1"]).stdout, "2\n")
        XCTAssertEqual(try runFoley(["-e", "print(3)"]).stdout, "3\n")
        let bad = try runFoley(["-e", "1 +"])
        XCTAssertEqual(bad.status, 1)
        XCTAssertTrue(bad.stderr.contains("(command line):1:"), bad.stderr)
    }

    /// Called by name through PATH (argv[0] is just "foley") from another folder, the binary built in this checkout
    /// still uses the checkout's models/default, and `foley info` says so.
    func testBinaryOnPathFindsItsDefaultModel() throws {
        let dir = try temporaryDirectory(self)
        let bin = dir.appendingPathComponent("bin")
        try FileManager.default.createDirectory(at: bin, withIntermediateDirectories: true)
        try FileManager.default.createSymbolicLink(atPath: bin.appendingPathComponent("foley").path, withDestinationPath: try foleyBinary())
        let p = Process()
        p.executableURL = URL(fileURLWithPath: "/bin/sh")
        p.arguments = ["-c", "cd / && foley info && foley -e 'foley.models.default()'"]
        var env = ProcessInfo.processInfo.environment
        env["PATH"] = bin.path + ":/usr/bin:/bin"
        env.removeValue(forKey: "FOLEY_MODEL")
        p.environment = env
        let out = Pipe()
        p.standardOutput = out
        try p.run()
        let text = String(decoding: out.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        p.waitUntilExit()
        XCTAssertEqual(p.terminationStatus, 0)
        let model = repoRoot.appendingPathComponent("models/default").standardizedFileURL.path
        XCTAssertTrue(text.contains("default model: \(model) (from the source tree of this executable)"), text)
        XCTAssertTrue(text.hasSuffix(model + "\n"), text)
    }

    /// The empty prompt is the unconditional one, and a prompt like any other.
    func testGenerateTakesTheEmptyPrompt() throws {
        let dir = try temporaryDirectory(self)
        let out = dir.appendingPathComponent("empty.wav")
        let r = try runFoley(["generate", "", "--model", tinyModel, "--seconds", "0.05", "--steps", "2", "--out", out.path])
        XCTAssertEqual(r.status, 0, r.stderr)
        let sidecar = try JSONSerialization.jsonObject(with: Data(contentsOf: dir.appendingPathComponent("empty.json"))) as? [String: Any]
        XCTAssertEqual(sidecar?["prompt"] as? String, "")
        XCTAssertTrue(FileManager.default.fileExists(atPath: out.path))
    }

    /// Guidance 7 on the shipped model comes out silent; the prompt says so instead of handing back silence quietly.
    func testSilentGenerationWarnsAtThePrompt() throws {
        let r = try runFoley(["-e", "return foley.models.load():generate{prompt = 'a dog barking in the distance', guidance = 7, steps = 25, seconds = 4, seed = 3}:peak()"],
                             timeout: 120)
        XCTAssertEqual(r.status, 0, r.stderr)
        XCTAssertTrue(r.stderr.contains("warning: output 1 is silent (peak "), r.stderr)
        XCTAssertLessThan(Double(r.stdout.trimmingCharacters(in: .whitespacesAndNewlines)) ?? 1, 1e-4)
    }
}
