import Audio
import LuaHost
import XCTest

final class PlotBindingsTests: XCTestCase {
    let h = LuaHarness()

    func testLineChartAndSpectrogram() throws {
        let dir = try temporaryDirectory(self)
        let line = dir.appendingPathComponent("line.png").path, spec = dir.appendingPathComponent("spec.png").path
        let notebook = Notebook()
        let saved = Notebook.current
        Notebook.current = notebook
        defer { Notebook.current = saved }
        _ = notebook.begin(code: "plot")
        XCTAssertNoThrow(try h.run("""
            foley.plot.line(foley.tensor.linspace(-1, 1, 50):sin(), '\(line)', {width = 200, height = 100})
            foley.plot.spectrogram(foley.tensor.randn({40, 8}, 1), '\(spec)')
            """))
        let img = try RGBImage(contentsOfPNG: line)
        XCTAssertEqual([img.width, img.height], [200, 100])
        // The curve is drawn in blue somewhere inside the frame.
        XCTAssertTrue((0..<200).contains { x in (0..<100).contains { y in img[x, y] == (31, 119, 180) } })
        XCTAssertGreaterThan(try RGBImage(contentsOfPNG: spec).width, 40)
        XCTAssertEqual(notebook.cells.last?.attachments.map(\.path), [line, spec])
    }

    /// plot.line labels its value ticks left of the box (the old chart drew nothing there) and draws the axis labels
    /// it is given: two labels give two different pictures of the same size.
    func testLineTicksAndLabels() throws {
        let dir = try temporaryDirectory(self)
        let p = { (name: String) in dir.appendingPathComponent(name + ".png").path }
        XCTAssertNoThrow(try h.run("""
            local y = foley.tensor.linspace(-1, 1, 50):sin()
            foley.plot.line(y, '\(p("bare"))', {width = 200, height = 100})
            foley.plot.line(y, '\(p("a"))', {width = 200, height = 100, xlabel = 'step', ylabel = 'loss'})
            foley.plot.line(y, '\(p("b"))', {width = 200, height = 100, xlabel = 'epoch', ylabel = 'Loss (dB)'})
            """))
        let bare = try RGBImage(contentsOfPNG: p("bare")), a = try RGBImage(contentsOfPNG: p("a")), b = try RGBImage(contentsOfPNG: p("b"))
        let ink: (UInt8, UInt8, UInt8) = (32, 32, 32)
        // The widest value label ("-0.8") starts at the margin, 12 px in.
        XCTAssertTrue((12..<18).contains { x in (0..<100).contains { y in bare[x, y] == ink } })
        XCTAssertEqual([a.width, a.height, b.width, b.height], [200, 100, 200, 100])
        XCTAssertNotEqual(a, b)
        XCTAssertNotEqual(a, bare)
        h.assertError("foley.plot.line(foley.tensor.zeros(4), '/tmp/x.png', {xlable = 'x'})", "xlable: unknown plot option; did you mean 'xlabel'?")
    }

    /// Several clips in one picture: a grid of their spectrograms, each cell the clip's own a:spectrogram picture.
    func testSpectrogramGrid() throws {
        let dir = try temporaryDirectory(self)
        let grid = dir.appendingPathComponent("grid.png").path, one = dir.appendingPathComponent("one.png").path
        XCTAssertNoThrow(try h.run("""
            local a = foley.audio.from_tensor(foley.tensor.randn({16000}, 1) * 0.1, 16000)
            local b = foley.audio.from_tensor(foley.tensor.randn({8000}, 2) * 0.01, 16000)
            local c = foley.audio.from_tensor(foley.tensor.zeros{16000}, 16000)
            foley.plot.spectrograms({a, b, c}, '\(grid)', {columns = 2})
            a:spectrogram('\(one)')
            """))
        let g = try RGBImage(contentsOfPNG: grid), a = try RGBImage(contentsOfPNG: one)
        XCTAssertEqual([g.width, g.height], [2 * a.width + 8, 2 * a.height + 8])
        XCTAssertTrue((0..<a.width).allSatisfy { x in (0..<a.height).allSatisfy { y in g[x, y] == a[x, y] } })
        // The empty fourth cell stays white.
        XCTAssertTrue(g[a.width + 8 + a.width / 2, a.height + 8 + a.height / 2] == (255, 255, 255))
        h.assertError("foley.plot.spectrograms({}, '/tmp/x.png')", "at least one Audio expected")
        h.assertError("foley.plot.spectrograms({foley.audio.from_tensor(foley.tensor.zeros{160}, 16000)}, '/tmp/x.png', {colums = 2})",
                      "colums: unknown spectrograms option; did you mean 'columns'?")
    }

    func testErrors() {
        h.assertError("foley.plot.line(foley.tensor.zeros(4), '/tmp/x.png', {widht = 100})", "widht: unknown plot option; did you mean 'width'?")
        h.assertError("foley.plot.spectrogram(foley.tensor.zeros(4, 4), '/tmp/x.png', {hops = 10})", "hops: unknown spectrogram option; did you mean 'hop'?")
        h.assertError("foley.plot.line(foley.tensor.zeros(2, 2), '/tmp/x.png')", "bad argument #1 to 'foley.plot.line' (1-D tensor expected")
        h.assertError("foley.plot.line(foley.tensor.zeros(4))", "bad argument #2 to 'foley.plot.line' (string expected, got no value)")
        h.assertError("foley.plot.spectrogram(3, '/tmp/x.png')", "bad argument #1 to 'foley.plot.spectrogram' (Audio or Tensor expected, got number)")
    }
}
