import LuaHost
import XCTest

final class RunnerTests: XCTestCase {
    func testEveryExampleRuns() throws {
        let dir = repoRoot.appendingPathComponent("examples")
        let examples = try FileManager.default.contentsOfDirectory(atPath: dir.path).filter { $0.hasSuffix(".lua") }.sorted()
        XCTAssertTrue(examples.contains("quickstart.lua"))
        let cwd = try temporaryDirectory(self)
        // The examples that drive a model run in ExamplesTests, on the tiny model.
        let modelExamples = Set(ExamplesTests.expected.keys.map { $0 + ".lua" })
        for e in examples where !modelExamples.contains(e) {
            let r = try runFoley(["run", dir.appendingPathComponent(e).path], cwd: cwd)
            XCTAssertEqual(r.status, 0, "\(e): \(r.stderr)")
            XCTAssertFalse(r.stdout.isEmpty, e)
        }
    }

    func testScriptArgumentsAsLuaDoes() throws {
        let dir = try temporaryDirectory(self)
        let script = dir.appendingPathComponent("args.lua")
        try "print(arg[0], arg[1], arg[2], #arg, select('#', ...), ...)".write(to: script, atomically: true, encoding: .utf8)
        let r = try runFoley(["run", script.path, "one", "--two"])
        XCTAssertEqual(r.status, 0, r.stderr)
        XCTAssertEqual(r.stdout, "\(script.path)\tone\t--two\t2\t2\tone\t--two\n")
    }

    func testScriptErrorExitsNonZeroWithLineAndTraceback() throws {
        let dir = try temporaryDirectory(self)
        let script = dir.appendingPathComponent("bad.lua")
        try "print('before')\nlocal function f()\n  error('it broke')\nend\nf()\n".write(to: script, atomically: true, encoding: .utf8)
        let r = try runFoley(["run", "bad.lua"], cwd: dir)
        XCTAssertEqual(r.status, 1)
        XCTAssertEqual(r.stdout, "before\n")
        XCTAssertTrue(r.stderr.hasPrefix("foley: bad.lua:3: it broke\nstack traceback:"), r.stderr)
        XCTAssertTrue(r.stderr.contains("bad.lua:5: in main chunk"), r.stderr)
    }

    func testSyntaxErrorAndMissingFile() throws {
        let dir = try temporaryDirectory(self)
        let script = dir.appendingPathComponent("syntax.lua")
        try "x = = 1\n".write(to: script, atomically: true, encoding: .utf8)
        let r = try runFoley(["run", "syntax.lua"], cwd: dir)
        XCTAssertEqual(r.status, 1)
        XCTAssertTrue(r.stderr.hasPrefix("foley: syntax.lua:1: unexpected symbol near '='"), r.stderr)
        let missing = try runFoley(["run", dir.appendingPathComponent("none.lua").path])
        XCTAssertEqual(missing.status, 1)
        XCTAssertTrue(missing.stderr.contains("cannot open"), missing.stderr)
    }

    func testChunkOption() throws {
        let ok = try runFoley(["-e", "return 'hello from Lua ' .. _VERSION, {1, 2}"])
        XCTAssertEqual(ok.status, 0)
        XCTAssertEqual(ok.stdout, "hello from Lua Lua 5.4\t{1, 2}\n")
        let bad = try runFoley(["-e", "foley.tensor.zeros('x')"])
        XCTAssertEqual(bad.status, 1)
        XCTAssertTrue(bad.stderr.hasPrefix("foley: (command line):1: bad argument #1 to 'foley.tensor.zeros'"), bad.stderr)
    }

    func testNotebookStopsAtTheFirstFailingCell() throws {
        let dir = try temporaryDirectory(self)
        let md = dir.appendingPathComponent("nb.md")
        try "# x\n\n```lua\nx = 2\n```\n\n```text\nold output\n```\n\n```lua\n=x * 21\n```\n\n```lua\nerror('stop')\n```\n\n```lua\nprint('never')\n```\n"
            .write(to: md, atomically: true, encoding: .utf8)
        let r = try runFoley(["run", md.path])
        XCTAssertEqual(r.status, 1)
        XCTAssertEqual(r.stdout, "42\n")
        XCTAssertTrue(r.stderr.contains("stdin:1: stop"), r.stderr)
        XCTAssertTrue(r.stderr.contains("foley: \(md.path): cell 3 failed"), r.stderr)
    }

    func testInProcessRunner() throws {
        let dir = try temporaryDirectory(self)
        let script = dir.appendingPathComponent("ok.lua")
        try "result = (...) .. '!'".write(to: script, atomically: true, encoding: .utf8)
        let lua = LuaState.foley()
        XCTAssertEqual(Runner.runFile(script.path, args: ["hi"], lua: lua), 0)
        XCTAssertEqual(try lua.run("return result, arg[-1]"), ["hi!", "foley"])
    }

    func testInfoAndVersionStillWork() throws {
        let v = try runFoley(["--version"])
        XCTAssertEqual(v.stdout, "\(FoleyBindings.foleyVersion)\n")
        let info = try runFoley(["info"])
        XCTAssertEqual(info.status, 0)
        XCTAssertTrue(info.stdout.hasPrefix("foley \(FoleyBindings.foleyVersion)"), info.stdout)
    }
}
