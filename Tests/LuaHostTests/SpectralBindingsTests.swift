import Audio
import Foundation
import LuaHost
import Tensors
import XCTest

/// foley.audio.stft and mel_filters give the front end's own numbers: their product, clamped and logged, is the
/// log-mel Audio's LogMel computes, and magnitude and phase give back the STFT's real and imaginary parts.
final class SpectralBindingsTests: XCTestCase {
    let h = LuaHarness()

    func testStftAndMelFiltersRebuildTheLogMel() throws {
        let signal = (0..<4000).map { i in Float(sin(Double(i) * 0.3) * 0.5 + sin(Double(i) * 0.021) * 0.25) }
        let list = signal.map { String(format: "%.9g", Double($0)) }.joined(separator: ",")
        try h.run("""
            local a = foley.audio.from_tensor(foley.tensor.from{\(list)}, 16000)
            local mag, phase = foley.audio.stft(a, {n_fft = 1024, hop_length = 160})
            local fb = foley.audio.mel_filters{sr = 16000, n_fft = 1024, n_mels = 64, fmax = 8000}
            _G.logmel = mag:matmul(fb:t()):clamp(1e-5):log()
            _G.re, _G.im = mag * phase:cos(), mag * phase:sin()
            _G.shapes = table.concat(mag:shape(), 'x') .. ' ' .. table.concat(fb:shape(), 'x')
            """)
        XCTAssertEqual(h.values("return _G.shapes"), ["26x513 64x513"])
        let want = try LogMel()(signal)
        let spec = try STFT().forward(signal)
        let refs = [Tensor(shape: [want.frames, want.bins], data: want.values),
                    Tensor(shape: [spec.frames, spec.bins], data: spec.real), Tensor(shape: [spec.frames, spec.bins], data: spec.imag)]
        h.lua.register(library: "", [LuaFunction("_ref") { lua in lua.push(refs[try lua.integer(1) - 1]); return 1 }])
        let diffs = h.values("""
            return (_G.logmel - foley._ref(1)):abs():max(), (_G.re - foley._ref(2)):abs():max(),
                   (_G.im - foley._ref(3)):abs():max()
            """).compactMap(Double.init)
        XCTAssertEqual(diffs.count, 3)
        XCTAssertLessThan(diffs.max() ?? 1, 1e-3, "\(diffs)")
        // Not vacuous: the log-mel spans a real range.
        XCTAssertGreaterThan((want.values.max() ?? 0) - (want.values.min() ?? 0), 5)
    }

    func testErrorsNameTheOption() {
        h.assertError("foley.audio.mel_filters{sr = 16000, n_fft = 1024, fmax = 9000}", "fMax: expected <= Nyquist (8000 Hz), got 9000")
        h.assertError("foley.audio.mel_filters{nmels = 8}", "nmels: unknown mel_filters option; did you mean 'n_mels'?")
        h.assertError("foley.audio.stft(foley.audio.from_tensor(foley.tensor.zeros{100}, 8000), {hop = 4})",
                      "hop: unknown stft option")
    }
}
