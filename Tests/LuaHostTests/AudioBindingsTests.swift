import Audio
import LuaHost
import XCTest

final class AudioBindingsTests: XCTestCase {
    let h = LuaHarness()

    func testSaveLoadRoundTrip() throws {
        let dir = try temporaryDirectory(self)
        let path = dir.appendingPathComponent("a.wav").path
        let out = h.values("""
            local t = foley.tensor.linspace(-0.5, 0.5, 800)
            local a = foley.audio.from_tensor(t, 8000)
            a:save('\(path)')
            local b = foley.audio.load('\(path)')
            return #b, b.rate, b.channels, b.samples, (b:tensor() - t):abs():max() < 1e-4, b:duration()
            """)
        XCTAssertEqual(out, ["800", "8000", "1", "800", "true", "0.1"])
        let read = try AudioFile.read(path)
        XCTAssertEqual(read.frameCount, 800)
        XCTAssertEqual(read.samples[0], -0.5, accuracy: 1e-4)
    }

    func testStereoResampleMelAndPictures() throws {
        let dir = try temporaryDirectory(self)
        let png = dir.appendingPathComponent("s.png").path
        XCTAssertEqual(h.values("""
            local a = foley.audio.from_tensor(foley.tensor.randn({2, 16000}, 1) * 0.1, 16000)
            local m = a:mono(); local r = a:resample(8000); local mel = a:mel()
            a:spectrogram('\(png)')
            return a.channels, table.concat(a:tensor():shape(), 'x'), m.channels, r.rate, #r, mel:shape()[2], tostring(a)
            """), ["2", "2x16000", "1", "8000", "8000", "64", "Audio(1.000 s, 16000 Hz, stereo, 16000 samples)"])
        XCTAssertEqual(try RGBImage(contentsOfPNG: png).width > 100, true)
    }

    func testLoudnessNormalize() {
        let out = h.values("""
            local t = foley.tensor.arange(48000) * (2 * math.pi * 440 / 48000)
            local a = foley.audio.from_tensor(t:sin() * 0.05, 48000)
            local n = a:normalize(-20)
            return string.format('%.1f', n:loudness()), n:loudness() > a:loudness()
            """)
        XCTAssertEqual(out, ["-20.0", "true"])
    }

    func testErrorsNameTheArgument() {
        h.assertError("foley.audio.load(3)", "bad argument #1 to 'foley.audio.load' (string expected, got number)")
        h.assertError("foley.audio.load('/no/such.wav')", "/no/such.wav")
        h.assertError("foley.audio.from_tensor(foley.tensor.zeros(4), -1)", "bad argument #2 to 'foley.audio.from_tensor' (positive sample rate")
        h.assertError("foley.audio.from_tensor(foley.tensor.zeros(4), 8000):resample('x')", "bad argument #1 to 'Audio:resample' (number expected, got string)")
    }
}
