import CLua
import Diffusion
import Foundation

// LoRA adapters at the prompt, diffusers' names: p:load_lora, p:set_lora_scale, p:unload_lora, p:fuse_lora.
// They convert and call; the adapters live in Diffusion's PipelineLoRA.

extension ModelBindings {
    static let loraMethods: [LuaMethod<PipelineObject>] = [
        LuaMethod("load_lora", """
        p:load_lora(path[, scale=1[, name]]) -> name
        Attaches a LoRA adapter (a diffusers/PEFT .safetensors, e.g. one `foley train` wrote with train.lora) to the
        model's UNet or transformer at scale; several stack. Returns its name (the file's stem unless given), which
        p:set_lora_scale and p:unload_lora take. The base weights are not changed; outputs' sidecars list the adapters.
        """) { lua, p in
            let path = try lua.string(2)
            let scale = try lua.optNumber(3, 1)
            let name = try lua.optString(4)
            lua.push(try p.pipeline.loadLoRA(path, scale: Float(scale), name: name))
            return 1
        },
        LuaMethod("set_lora_scale", """
        p:set_lora_scale(name, scale)
        Changes a loaded adapter's strength (0 turns it off, 1 is as trained; negative pushes away from it).
        """) { lua, p in
            try p.pipeline.setLoRAScale(try lua.string(2), Float(try lua.number(3)))
            return 0
        },
        LuaMethod("unload_lora", """
        p:unload_lora([name])
        Removes one adapter, or every adapter when no name is given: the model is the base model again.
        """) { lua, p in
            try p.pipeline.unloadLoRA(try lua.optString(2))
            return 0
        },
        LuaMethod("fuse_lora", """
        p:fuse_lora()
        Folds every loaded adapter into the weights at its scale (diffusers' fuse_lora): generation then runs at the
        base model's speed, and the adapters can no longer be rescaled or removed (reload the model for that).
        """) { lua, p in
            try p.pipeline.mergeLoRA()
            return 0
        },
    ]

    static func pushLoRAs(_ lua: Lua, _ pipe: TextToAudioPipeline) {
        lua_createtable(lua.L, Int32(pipe.loraAdapters.count), 0)
        for (i, l) in pipe.loraAdapters.enumerated() {
            lua_createtable(lua.L, 0, 3)
            lua.push(l.name); lua_setfield(lua.L, -2, "name")
            lua.push(l.path); lua_setfield(lua.L, -2, "path")
            lua.push(Double(l.scale)); lua_setfield(lua.L, -2, "scale")
            lua_rawseti(lua.L, -2, lua_Integer(i + 1))
        }
    }
}
