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

    func testErrors() {
        h.assertError("foley.plot.line(foley.tensor.zeros(4), '/tmp/x.png', {widht = 100})", "widht: unknown plot option; did you mean 'width'?")
        h.assertError("foley.plot.spectrogram(foley.tensor.zeros(4, 4), '/tmp/x.png', {hops = 10})", "hops: unknown spectrogram option; did you mean 'hop'?")
        h.assertError("foley.plot.line(foley.tensor.zeros(2, 2), '/tmp/x.png')", "bad argument #1 to 'foley.plot.line' (1-D tensor expected")
        h.assertError("foley.plot.line(foley.tensor.zeros(4))", "bad argument #2 to 'foley.plot.line' (string expected, got no value)")
        h.assertError("foley.plot.spectrogram(3, '/tmp/x.png')", "bad argument #1 to 'foley.plot.spectrogram' (Audio or Tensor expected, got number)")
    }
}
