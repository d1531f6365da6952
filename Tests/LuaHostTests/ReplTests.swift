import LuaHost
import XCTest

/// Lines fed to the REPL as if typed, recording the prompts it showed.
final class ScriptedReader: LineReader {
    var lines: [String]
    var prompts: [String] = []
    var history: [String] = []
    init(_ lines: [String]) { self.lines = lines }
    func readLine(prompt: String) -> String? {
        prompts.append(prompt)
        return lines.isEmpty ? nil : lines.removeFirst()
    }
    func addHistory(_ entry: String) { history.append(entry) }
}

final class ReplTests: XCTestCase {
    /// Runs `lines` through an interactive-style REPL; returns it (cells hold the printed output).
    func session(_ lines: [String], interactive: Bool = true) -> (Repl, ScriptedReader) {
        let reader = ScriptedReader(lines)
        let repl = Repl(lua: .foley(), reader: reader, interactive: interactive)
        repl.run()
        return (repl, reader)
    }

    func testExpressionsPrintTheirValues() {
        let (repl, _) = session(["=1+1", "1+2", "'a', {1, 2}", "x = 5", "x"])
        XCTAssertEqual(repl.notebook.cells.map(\.output), ["2\n", "3\n", "a\t{1, 2}\n", "", "5\n"])
    }

    func testMultiLineEntriesAsLuaDoes() {
        let (repl, reader) = session(["for i = 1, 3 do", "print(i * 10)", "end", "function f(a,", "b) return a + b end", "f(2, 3)"])
        XCTAssertEqual(repl.notebook.cells.map(\.code), ["for i = 1, 3 do\nprint(i * 10)\nend", "function f(a,\nb) return a + b end", "f(2, 3)"])
        XCTAssertEqual(repl.notebook.cells.map(\.output), ["10\n20\n30\n", "", "5\n"])
        XCTAssertEqual(reader.prompts.prefix(4), ["> ", ">> ", ">> ", "> "])
        XCTAssertEqual(reader.history, repl.notebook.cells.map(\.code))
    }

    func testProfileCommandPrintsValueAndTables() {
        let (repl, _) = session([":profile foley.tensor.ones({8, 8}):matmul(foley.tensor.ones({8, 8})):sum()", ":profile", "=1"])
        let cells = repl.notebook.cells
        XCTAssertEqual(cells.first?.code, ":profile foley.tensor.ones({8, 8}):matmul(foley.tensor.ones({8, 8})):sum()")
        let out = cells.first?.output ?? ""
        XCTAssertTrue(out.hasPrefix("512.0\n"), out)
        XCTAssertTrue(out.contains("matmul") && out.contains("Self ms"), out)
        XCTAssertEqual(cells.last?.output, "1\n")
    }

    func testPromptsFollowPromptGlobals() {
        let (_, reader) = session(["_PROMPT = 'lua> '", "_PROMPT2 = '... '", "do", "end"])
        XCTAssertEqual(reader.prompts, ["> ", "lua> ", "lua> ", "... ", "lua> "])
    }

    func testErrorsAreReportedAndTheSessionGoesOn() {
        let (repl, _) = session(["error('boom')", "x = = 1", "local t = foley.tensor.zeros('a')", "=2"])
        let out = repl.notebook.cells.map(\.output)
        XCTAssertTrue(out[0].hasPrefix("stdin:1: boom\nstack traceback:\n"), out[0])
        XCTAssertEqual(out[1], "stdin:1: unexpected symbol near '='\n")
        XCTAssertTrue(out[2].hasPrefix("stdin:1: bad argument #1 to 'foley.tensor.zeros' (table of integers expected, got string)"), out[2])
        XCTAssertEqual(out[3], "2\n")
    }

    func testIncompleteEntryAtEndOfInputIsASyntaxError() {
        let (repl, _) = session(["for i = 1, 2 do"])
        XCTAssertEqual(repl.notebook.cells.last?.output, "stdin:1: 'end' expected near <eof>\n")
    }

    func testErrorObjectsThatAreNotStrings() {
        let (repl, _) = session(["error({})", "error(setmetatable({}, {__tostring = function() return 'custom' end}))", "error()"])
        let out = repl.notebook.cells.map(\.output)
        XCTAssertTrue(out[0].hasPrefix("(error object is a table value)"), out[0])
        XCTAssertEqual(out[1], "custom\n")
        XCTAssertTrue(out[2].hasPrefix("(error object is a nil value)"), out[2])
    }

    func testCommands() throws {
        let dir = try temporaryDirectory(self)
        let md = dir.appendingPathComponent("s.md").path, html = dir.appendingPathComponent("s.html").path
        let (repl, _) = session([":help zeros", ":time x = 0; for i = 1, 10 do", "x = x + i end", "x", ":save \(md)", ":save \(html)", ":bogus", ":quit", "=999"])
        let cells = repl.notebook.cells
        XCTAssertEqual(cells.map(\.code), [":time x = 0; for i = 1, 10 do\nx = x + i end", "x"])
        XCTAssertTrue(cells[0].output.hasPrefix("time: "), cells[0].output)
        XCTAssertEqual(cells[1].output, "55\n")
        let saved = try String(contentsOfFile: md, encoding: .utf8)
        XCTAssertTrue(saved.contains("```lua\nx\n```\n\n```text\n55\n```"), saved)
        XCTAssertTrue(try String(contentsOfFile: html, encoding: .utf8).contains("<pre class=\"out\">55\n</pre>"))
    }

    func testLabelsAreLuaNotCommands() {
        let (repl, _) = session(["::top:: x = 1", "=x"])
        XCTAssertEqual(repl.notebook.cells.map(\.output), ["", "1\n"])
    }

    func testPipedChunksRunWithoutPrompts() throws {
        let r = try runFoley([], stdin: "x = 1\nfor i = 1, 2 do\nprint(i)\nend\n=x + 1\nerror('bad')\n{a = 1}\n")
        XCTAssertEqual(r.status, 0)
        XCTAssertEqual(r.stdout, "1\n2\n2\n{a = 1}\n")
        XCTAssertTrue(r.stderr.hasPrefix("stdin:1: bad\nstack traceback:"), r.stderr)
    }

    func testPipedSaveWritesNotebook() throws {
        let dir = try temporaryDirectory(self)
        let r = try runFoley([], stdin: "t = foley.tensor.ones(2, 2)\n=t:sum()\n:save s.md\n:save s.html\n", cwd: dir)
        XCTAssertEqual(r.stdout, "4.0\nsaved 2 cells to s.md\nsaved 2 cells to s.html\n", r.stderr)
        let md = try String(contentsOf: dir.appendingPathComponent("s.md"), encoding: .utf8)
        XCTAssertTrue(md.contains("## In [1]\n\n```lua\nt = foley.tensor.ones(2, 2)\n```"), md)
        XCTAssertTrue(md.contains("## In [2]\n\n```lua\n=t:sum()\n```\n\n```text\n4.0\n```"), md)
        let html = try String(contentsOf: dir.appendingPathComponent("s.html"), encoding: .utf8)
        XCTAssertTrue(html.contains("<pre class=\"code\">=t:sum()</pre>"), html)
        // The saved notebook re-runs.
        let again = try runFoley(["run", "s.md"], cwd: dir)
        XCTAssertEqual(again.status, 0, again.stderr)
        XCTAssertEqual(again.stdout, "4.0\n")
    }
}
