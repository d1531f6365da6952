import Audio
import CLua
import CLuaShim
import Diffusion
import Tensors

/// Where an interrupted `p:generate` leaves what it had: `foley.last_interrupted`, so that stopping a long run
/// (Ctrl-C, or on_step returning false) still leaves something to inspect and listen to.
enum InterruptedGeneration {
    static let global = "foley.last_interrupted"

    /// Sets foley.last_interrupted = {step=, total_steps=, latents=, x0=, preview=Audio or {Audio}} from `partial`
    /// and returns the sentence that says so.
    static func store(_ lua: Lua, _ partial: PartialGeneration) -> String {
        let L = lua.L
        // Raw accesses only (no metamethod runs): the global foley table, then its field.
        lua_rawgeti(L, foley_lua_registryindex(), lua_Integer(LUA_RIDX_GLOBALS))
        lua.push("foley")
        lua_rawget(L, -2)
        foley_lua_remove(L, -2)
        guard lua_type(L, -1) == LUA_TTABLE else { foley_lua_pop(L, 1); return "at step \(partial.step) of \(partial.totalSteps)" }
        lua.push("last_interrupted")
        lua_createtable(L, 0, 5)
        lua.setField(-1, "step") { lua.push(partial.step) }
        lua.setField(-1, "total_steps") { lua.push(partial.totalSteps) }
        lua.setField(-1, "latents") { lua.push(partial.latents) }
        if let x0 = partial.predictedOriginal { lua.setField(-1, "x0") { lua.push(x0) } }
        let clips = partial.preview.compactMap {
            (try? AudioBuffer(sampleRate: partial.sampleRate, channels: partial.channels, interleaved: $0)).map { AudioClip($0) }
        }
        if !clips.isEmpty { lua.setField(-1, "preview") { ModelBindings.pushClips(lua, clips, single: true) } }
        lua_rawset(L, -3)
        foley_lua_pop(L, 1)
        let what = clips.isEmpty ? "the latents" : "the latents and a decoded x0 preview"
        return "at step \(partial.step) of \(partial.totalSteps); \(global) holds \(what)"
    }
}
