import LuaHost
import XCTest

final class CoreBindingsTests: XCTestCase {
    let h = LuaHarness()

    func testFoleyTableHasEveryLibrary() throws {
        for lib in ["tensor", "audio", "text", "models", "samplers", "train", "metrics", "plot", "types"] {
            XCTAssertEqual(try h.run("return type(foley.\(lib))"), ["table"], lib)
        }
        XCTAssertEqual(try h.run("return foley.version, require('foley') == foley"), [FoleyBindings.foleyVersion, "true"])
    }

    func testClockIsMonotonicWallTime() throws {
        let r = try h.run("local a = foley.clock(); local b = foley.clock(); return b >= a, a > 0")
        XCTAssertEqual(r, ["true", "true"])
    }

    func testProfileReturnsResultsAndPrintsTheOpTable() throws {
        let nb = Notebook()
        let saved = Notebook.current
        Notebook.current = nb
        defer { Notebook.current = saved }
        nb.begin(code: "profile")
        let r = try h.run("""
        return foley.profile(function(n)
          local a = foley.tensor.ones({n, n})
          return a:matmul(a):sum(), 'done'
        end, 16)
        """)
        nb.end()
        XCTAssertEqual(r, ["4096.0", "done"])
        let table = nb.cells[0].output
        XCTAssertTrue(table.contains("matmul") && table.contains("GFLOP/s") && table.contains("Wall"), table)
        XCTAssertThrowsError(try h.run("foley.profile(function() error('inner boom') end)")) { e in
            XCTAssertTrue("\(e)".contains("inner boom"), "\(e)")
        }
        XCTAssertThrowsError(try h.run("foley.profile(42)"))
        // A failed profile leaves no recording behind: the next one works.
        XCTAssertEqual(try h.run("return foley.profile(function() return 1 end)"), ["1"])
    }

    func testOutputGoesToTheCurrentNotebookCell() {
        let nb = Notebook()
        let saved = Notebook.current
        Notebook.current = nb
        defer { Notebook.current = saved }
        nb.begin(code: "x")
        Output.emit("hello\n")
        Output.emitError("oops\n")
        nb.end()
        XCTAssertEqual(nb.cells[0].output, "hello\noops\n")
    }

    func testAttachFromABinding() throws {
        // How audio/plot bindings will link the files they write into the notebook.
        h.lua.register(library: "test", [LuaFunction("write") { lua in
            Notebook.current?.attach(path: try lua.string(1), kind: .audio)
            return 0
        }])
        let repl = Repl(lua: h.lua, reader: nil, interactive: false)
        Notebook.current = repl.notebook
        defer { Notebook.current = nil }
        repl.execute("foley.test.write('out.wav')")
        XCTAssertEqual(repl.notebook.cells[0].attachments, [Notebook.Attachment(path: "out.wav", kind: .audio)])
    }
}
