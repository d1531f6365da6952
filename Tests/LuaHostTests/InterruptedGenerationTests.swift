import Diffusion
import Foundation
import LuaHost
import Tensors
import XCTest

/// A stopped `p:generate` leaves foley.last_interrupted: the latents so far and a decoded preview of the sampler's
/// predicted x0, so an interrupted long run is still inspectable.
final class InterruptedGenerationTests: XCTestCase {
    let h = LuaHarness()
    override func tearDown() { Interrupt.reset() }

    /// Reads foley.last_interrupted: step, total, latent shape, preview length, whether the preview is finite, x0's
    /// shape and whether x0 is (wrongly) the noisy latents themselves.
    static let summary = """
        local k = foley.last_interrupted
        local s = k.preview:tensor()
        local finite = s:numel() > 0
        for _, v in ipairs(s:totable()) do if v ~= v or v == math.huge or v == -math.huge then finite = false end end
        return k.step, k.total_steps, table.concat(k.latents:shape(), 'x'), #k.preview, finite,
               table.concat(k.x0:shape(), 'x'), k.x0:equal(k.latents)
        """

    func testOnStepReturningFalseKeepsLatentsAndAPreview() {
        XCTAssertEqual(h.values("""
            local p = foley.models.load('\(tinyModel)')
            local a, msg = p:generate{prompt = 'x', steps = 4, seconds = 0.03,
                                      on_step = function(s, t, l) _G.seen = l; return s < 2 end}
            return a, msg
            """), ["nil", "stopped by on_step at step 2 of 4; foley.last_interrupted holds the latents and a decoded x0 preview"])
        // 0.03 s at 16 kHz: 480 samples; x0 differs from the noisy latents, which are those on_step saw last.
        XCTAssertEqual(h.values(Self.summary), ["2", "4", "1x4x60x4", "480", "true", "1x4x60x4", "false"])
        XCTAssertEqual(h.values("return foley.last_interrupted.latents:equal(_G.seen)"), ["true"])
    }

    func testTheX0PreviewIsTheDecodedPrediction() throws {
        // The preview is p:decode of the kept x0, exactly.
        XCTAssertEqual(h.values("""
            local p = foley.models.load('\(tinyModel)')
            p:generate{prompt = 'x', steps = 4, seconds = 0.03, on_step = function(s) return s < 3 end}
            local k = foley.last_interrupted
            return k.step, p:decode(k.x0, 0.03):tensor():equal(k.preview:tensor())
            """), ["3", "true"])
    }

    func testCtrlCKeepsThemToo() {
        h.lua.register(library: "", [LuaFunction("_test_cancel") { _ in Interrupt.request(); return 0 }])
        h.assertError("""
            local p = foley.models.load('\(tinyModel)')
            p:generate{prompt = 'x', steps = 4, seconds = 0.03,
                       on_step = function(s, t, l) _G.seen = l; if s == 2 then foley._test_cancel() end end}
            """, "interrupted!")
        Interrupt.reset()
        // The interrupt fires inside on_step (Lua's hook), so the run stops at step 2, whose latents on_step saw.
        XCTAssertEqual(h.values(Self.summary), ["2", "4", "1x4x60x4", "480", "true", "1x4x60x4", "false"])
        XCTAssertEqual(h.values("return foley.last_interrupted.latents:equal(_G.seen)"), ["true"])
    }
}
