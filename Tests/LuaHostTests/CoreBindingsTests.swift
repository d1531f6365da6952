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
