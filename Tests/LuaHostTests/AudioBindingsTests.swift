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
            return #b, b.rate, b.channels, b.num_frames, (b:tensor() - t):abs():max() < 1e-4, b:duration()
            """)
        XCTAssertEqual(out, ["800", "8000", "1", "800", "true", "0.1"])
        // `samples` was the count under a name that reads like the data: it now says where each is.
        h.assertError("return foley.audio.from_tensor(foley.tensor.zeros(8), 8000).samples", "a.num_frames is the count per channel, a:tensor() the samples")
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

    /// Three 880 Hz beeps measure as three onsets at their start times and 880 Hz; white noise has no pitch and a
    /// flat spectrum, and brown noise (white noise summed) falls by about 6 dB per octave.
    func testEventsPitchAndSpectralSlope() {
        let out = h.values("""
            local rate, x = 16000, {}
            for i = 1, 2 * rate do x[i] = 0 end
            for _, start in ipairs({0.25, 0.85, 1.45}) do
              for i = 0, math.floor(0.15 * rate) - 1 do
                x[math.floor(start * rate) + i + 1] = 0.5 * math.sin(2 * math.pi * 880 * i / rate)
              end
            end
            local beeps = foley.audio.from_tensor(foley.tensor.from(x), rate)
            local on = beeps:events()
            local white = foley.audio.from_tensor(foley.tensor.randn({rate * 2}, 3) * 0.1, rate)
            local w, b, acc = foley.tensor.randn({rate * 2}, 3):totable(), {}, 0
            for i, v in ipairs(w) do acc = acc * 0.9995 + v; b[i] = acc * 0.001 end
            local brown = foley.audio.from_tensor(foley.tensor.from(b), rate)
            local near = math.abs(on[1] - 0.25) < 0.03 and math.abs(on[2] - 0.85) < 0.03 and math.abs(on[3] - 1.45) < 0.03
            return #on, near, string.format('%.0f', beeps:pitch()),
                   tostring(white:pitch()), math.abs(white:spectral_slope()) < 0.5, math.abs(brown:spectral_slope() + 6) < 1
            """)
        XCTAssertEqual(out, ["3", "true", "880", "nil", "true", "true"])
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
        // a:mel honours its options (it used to return 64 mels whatever was asked) and names a typo.
        XCTAssertEqual(h.values("""
            local a = foley.audio.from_tensor(foley.tensor.randn({16000}, 1) * 0.1, 16000)
            local d, m = a:mel(), a:mel{n_mels = 32, hop_length = 320, n_fft = 1024, fmax = 4000}
            return d:size(1), d:size(2), m:size(1), m:size(2)
            """), ["101", "64", "51", "32"])
        h.assertError("foley.audio.from_tensor(foley.tensor.zeros(800), 8000):mel{n_mel = 32}", "n_mel: unknown mel option; did you mean 'n_mels'?")
        h.assertError("foley.audio.from_tensor(foley.tensor.zeros(800), 8000):mel{n_mels = 0}", "option 'n_mels': expected an integer >= 1")
        h.assertError("foley.audio.from_tensor(foley.tensor.zeros(800), 8000):mel{fmax = 6000}", "option 'fmax': expected a frequency in (0, 4000.0] (half the rate)")
        h.assertError("foley.audio.load('x.wav', {mno = true})", "mno: unknown load option; did you mean 'mono'?")
        h.assertError("foley.audio.load(3)", "bad argument #1 to 'foley.audio.load' (string expected, got number)")
        h.assertError("foley.audio.load('/no/such.wav')", "/no/such.wav")
        h.assertError("foley.audio.from_tensor(foley.tensor.zeros(4), -1)", "bad argument #2 to 'foley.audio.from_tensor' (positive sample rate")
        h.assertError("foley.audio.from_tensor(foley.tensor.zeros(4), 8000):resample('x')", "bad argument #1 to 'Audio:resample' (number expected, got string)")
    }
}
