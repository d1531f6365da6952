import Audio
import Foundation
import LuaHost
import XCTest

/// Spectrograms are drawn on a fixed dB scale by default, so a near-silent clip looks silent; scale = 'auto'
/// stretches the clip's own range over the colour map as before.
final class SpectrogramScaleTests: XCTestCase {
    let h = LuaHarness()

    /// The share of the plot's pixels (below the waveform strip) that have the colour map's floor colour.
    func floorShare(_ path: String) throws -> Double {
        let img = try RGBImage(contentsOfPNG: path)
        let floor = Colormap.viridis.rgb(0)
        // 1 s at hop 160: 101 frames; 64 mels x 4 px; margins and the 48 + 6 px waveform strip as SpectrogramImage.
        let x0 = 44, y0 = 14 + 54
        var n = 0, total = 0
        for x in x0..<(x0 + 101) { for y in y0..<(y0 + 256) { total += 1; if img[x, y] == floor { n += 1 } } }
        return Double(n) / Double(total)
    }

    func testANearSilentClipIsTheFloorColourOnTheFixedScaleOnly() throws {
        let dir = try temporaryDirectory(self)
        let fixed = dir.appendingPathComponent("fixed.png").path, auto = dir.appendingPathComponent("auto.png").path
        let plot = dir.appendingPathComponent("plot.png").path
        // White noise at -80 dBFS: each band far below the fixed scale's 80 dB (a full-scale tone puts its energy in
        // one band), yet above the log-mel's own floor, so auto-scaling shows it as texture.
        XCTAssertNoThrow(try h.run("""
            local a = foley.audio.from_tensor(foley.tensor.randn({16000}, 5) * 1e-4, 16000)
            a:spectrogram('\(fixed)')
            a:spectrogram('\(auto)', {scale = 'auto'})
            foley.plot.spectrogram(a, '\(plot)', {scale = 'fixed'})
            """))
        XCTAssertGreaterThan(try floorShare(fixed), 0.99)
        XCTAssertGreaterThan(try floorShare(plot), 0.99)
        XCTAssertLessThan(try floorShare(auto), 0.5)
        // A full-scale tone reaches the top of the fixed scale.
        XCTAssertNoThrow(try h.run("""
            local t = foley.tensor.arange(0, 16000) * (2 * math.pi * 1000 / 16000)
            foley.audio.from_tensor(t:sin(), 16000):spectrogram('\(fixed)')
            """))
        let img = try RGBImage(contentsOfPNG: fixed)
        let top = Colormap.viridis.rgb(1)
        XCTAssertTrue((44..<145).contains { x in (68..<324).contains { y in img[x, y] == top } })
        XCTAssertLessThan(try floorShare(fixed), 1)
    }

    func testBadScalesAreErrors() {
        h.assertError("foley.audio.from_tensor(foley.tensor.zeros{160}, 16000):spectrogram('/tmp/x.png', {scale = 'log'})",
                      "option 'scale': 'fixed' or 'auto' expected, got 'log'")
        h.assertError("foley.audio.from_tensor(foley.tensor.zeros{160}, 16000):spectrogram('/tmp/x.png', {scal = 'auto'})",
                      "scal: unknown spectrogram option; did you mean 'scale'?")
    }
}
