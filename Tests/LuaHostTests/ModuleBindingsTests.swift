import Foundation
import LuaHost
import XCTest

/// One module alone from Lua, checked against the reference fixtures through the public Lua interface only: a
/// teacher's parity check (issue 26, item 10).
final class ModuleBindingsTests: XCTestCase {
    let h = LuaHarness()
    let fx = repoRoot.appendingPathComponent("Tests/Fixtures").path

    /// max |a - b| / max |b| in Lua.
    let rel = "local function rel(a, b) return (a - b):abs():max() / b:abs():max() end\n"

    func testUNetVAEAndVocoderAloneMatchTheirFixtures() throws {
        let r = h.values(rel + """
            local u = foley.models.unet('\(fx)/unet_crossattn/weights.safetensors')
            local c = foley.tensor.load('\(fx)/unet_crossattn/cases.safetensors')
            local unet = rel(u:forward(c.sample, c.timestep, {encoder_hidden_states = c.encoder_hidden_states}), c.output)
            local v = foley.models.vae('\(fx)/vae/weights.safetensors')
            local d = foley.tensor.load('\(fx)/vae/cases.safetensors')
            local mean, logvar = v:encode(d.input)
            local _, _, sample = v:encode(d.input, 7)
            local _, _, again = v:encode(d.input, 7)
            local voc = foley.models.vocoder('\(fx)/hifigan/weights.safetensors')
            local w = foley.tensor.load('\(fx)/hifigan/cases.safetensors')
            return unet < 1e-4, rel(mean, d.posterior_mean) < 1e-4, rel(logvar, d.posterior_logvar) < 1e-4,
                   rel(v:decode(d.latent), d.decoded) < 1e-4, rel(voc:forward(w.spectrogram), w.waveform) < 1e-4,
                   (sample - again):abs():max() == 0 and (sample - mean):abs():max() > 0
            """)
        XCTAssertEqual(r, ["true", "true", "true", "true", "true", "true"])
        h.assertError("foley.models.unet('/no/such')", "no such folder or file: /no/such")
        h.assertError("foley.models.unet('\(fx)/unet_crossattn/weights.safetensors'):forward(foley.tensor.zeros{1, 4, 16, 8}, 1, {states = 1})",
                      "states")
    }

    func testTextEncoderAndTokenizerAloneMatchTransformers() throws {
        let probes = try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: fx + "/t5_encoder/tokenizer_probes.json"))) as! [String: [Int]]
        let text = "A dog barking in the distance with ambient traffic noise"
        let want = try XCTUnwrap(probes[text])
        let r = h.values(rel + """
            local te = foley.models.text_encoder('\(fx)/t5_encoder/weights.safetensors')
            local c = foley.tensor.load('\(fx)/t5_encoder/cases.safetensors')
            local hidden = te:forward(c.input_ids, c.attention_mask)
            local tok = foley.text.tokenizer('\(fx)/t5_encoder')
            local ids = tok:encode('\(text)', {add_special_tokens = false})
            local withEos, mask = tok:encode({'\(text)', 'rain'})
            return rel(hidden, c.last_hidden_state) < 1e-4, table.concat(ids, ','), #withEos[1] == #withEos[2],
                   mask[2][#mask[2]], tok:decode(ids), tok.vocab_size > 0
            """)
        XCTAssertEqual(r.count, 6)
        XCTAssertEqual(r.first, "true")
        XCTAssertEqual(r.dropFirst().first, want.map(String.init).joined(separator: ","))
        XCTAssertEqual(Array(r.dropFirst(2)), ["true", "0", text, "true"])
        h.assertError("foley.text.tokenizer('\(fx)/t5_encoder'):encode('x', {padding = 'max_length'})", "needs max_length")
    }
}
