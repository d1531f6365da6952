import LuaHost
import XCTest

final class NotebookTests: XCTestCase {
    func sample(_ dir: URL) throws -> Notebook {
        let nb = Notebook()
        nb.begin(code: "x = 1")
        nb.end()
        nb.begin(code: "print('<b>&')\n=x")
        nb.record("<b>&\n")
        nb.record("1\n")
        let png = dir.appendingPathComponent("plot.png")
        try Data([0x89, 0x50, 0x4E, 0x47]).write(to: png)
        let wav = dir.appendingPathComponent("out.wav")
        try Data("RIFF".utf8).write(to: wav)
        nb.attach(path: png.path, kind: .png)
        nb.attach(path: wav.path, kind: .audio)
        nb.attach(path: wav.path, kind: .audio)
        nb.end()
        nb.record("ignored: no open cell")
        nb.begin(code: "s = '```'")
        nb.record("```\n")
        nb.end()
        return nb
    }

    func testCellsRecordOutputAndAttachments() throws {
        let nb = try sample(try temporaryDirectory(self))
        XCTAssertEqual(nb.cells.map(\.number), [1, 2, 3])
        XCTAssertEqual(nb.cells[1].output, "<b>&\n1\n")
        XCTAssertEqual(nb.cells[1].attachments.map(\.kind), [.png, .audio])
        XCTAssertEqual(nb.cells[0].output, "")
    }

    func testMarkdown() throws {
        let dir = try temporaryDirectory(self)
        let md = try sample(dir).markdown(savedAt: dir.appendingPathComponent("s.md").path)
        XCTAssertTrue(md.hasPrefix("# Foley session\n"), md)
        XCTAssertTrue(md.contains("## In [2]\n\n```lua\nprint('<b>&')\n=x\n```\n\n```text\n<b>&\n1\n```\n"), md)
        XCTAssertTrue(md.contains("![plot.png](plot.png)"), md)
        XCTAssertTrue(md.contains("[audio: out.wav](out.wav)"), md)
        // A cell containing backticks gets a longer fence.
        XCTAssertTrue(md.contains("````lua\ns = '```'\n````"), md)
        XCTAssertEqual(Notebook.luaBlocks(markdown: md), ["x = 1", "print('<b>&')\n=x", "s = '```'"])
    }

    func testHTMLIsSelfContained() throws {
        let html = try sample(try temporaryDirectory(self)).html()
        XCTAssertTrue(html.hasPrefix("<!doctype html>"))
        XCTAssertTrue(html.contains("<pre class=\"code\">print(&#39;&lt;b&gt;&amp;&#39;)\n=x</pre>") ||
                      html.contains("<pre class=\"code\">print('&lt;b&gt;&amp;')\n=x</pre>"), html)
        XCTAssertTrue(html.contains("<pre class=\"out\">&lt;b&gt;&amp;\n1\n</pre>"), html)
        XCTAssertTrue(html.contains("<img alt=\"plot.png\" src=\"data:image/png;base64,iVBORw==\">"), html)
        XCTAssertTrue(html.contains("<audio controls src=\"data:audio/wav;base64,UklGRg==\"></audio>"), html)
    }

    func testMissingAttachmentIsNoted() {
        let nb = Notebook()
        nb.begin(code: "x")
        nb.attach(path: "/nonexistent/a.wav", kind: .audio)
        nb.end()
        XCTAssertTrue(nb.html().contains("(missing file: /nonexistent/a.wav)"))
    }

    func testSaveChoosesFormatByExtension() throws {
        let dir = try temporaryDirectory(self)
        let nb = try sample(dir)
        try nb.save(to: dir.appendingPathComponent("a.md").path)
        try nb.save(to: dir.appendingPathComponent("a.html").path)
        XCTAssertTrue(try String(contentsOf: dir.appendingPathComponent("a.md"), encoding: .utf8).hasPrefix("# Foley session"))
        XCTAssertTrue(try String(contentsOf: dir.appendingPathComponent("a.html"), encoding: .utf8).hasPrefix("<!doctype html>"))
        XCTAssertThrowsError(try nb.save(to: dir.appendingPathComponent("a.txt").path)) { e in
            XCTAssertTrue("\(e)".contains("use .md, .ipynb or .html"))
        }
    }

    func testOutputIsCapped() {
        let nb = Notebook()
        nb.begin(code: "loop")
        let line = String(repeating: "x", count: 1000) + "\n"
        for _ in 0..<2000 { nb.record(line) }
        nb.end()
        XCTAssertLessThanOrEqual(nb.cells[0].output.utf8.count, Notebook.maxOutputBytes)
        XCTAssertTrue(nb.markdown().contains("[output truncated]"))
    }

    func testLuaBlocksIgnoresOtherFences() {
        let md = "text\n~~~lua\na = 1\n~~~\n```text\nnot code\n```\n```python\nx\n```\n  ```lua\nb = 2\n\nc = 3\n  ```\n"
        XCTAssertEqual(Notebook.luaBlocks(markdown: md), ["a = 1", "b = 2\n\nc = 3"])
    }
}
