import CLua
import CLuaShim
import Diffusion
import Foundation
import Tensors

// Lua bindings of the samplers: `foley.samplers.names`/`new` and the `Sampler` userdata, so a
// sampling loop can be written in Lua against `Pipeline:unet`:
//
//     local s = pipe:sampler("ddim"); s:set_timesteps(20)
//     local x = foley.tensor.randn(pipe:latent_shape(1), 0) * s.init_noise_sigma
//     for _, t in ipairs(s:timesteps()) do x = s:step(pipe:unet(s:scale(x, t), t, cond), t, x) end

/// A noise scheduler held by Lua.
public final class SamplerObject: LuaObject {
    public static var luaTypeName: String { "Sampler" }
    public let sampler: any Sampler
    /// The short name of the sampler's class (`ddim`), however it was asked for (an alias, a class name, or the
    /// model's own scheduler), so that a sampler prints the same whichever way it was made.
    public var name: String { samplerShortName(of: sampler) }
    init(_ sampler: any Sampler) { self.sampler = sampler }
}

extension Lua {
    public func sampler(_ i: Int32) throws -> SamplerObject { try object(i, as: SamplerObject.self) }

    /// A timestep argument (number).
    func timestep(_ i: Int32) throws -> Float { Float(try number(i)) }
}

public enum SamplerBindings {
    /// A scheduler config from a Lua table of diffusers keys ({beta_schedule = "linear", ...}) over `base`; the per-run
    /// sampler options `eta` (DDIM) and `mu` (flow_euler's dynamic shift) are returned apart, not being config keys.
    /// Unknown keys are errors.
    static func config(_ lua: Lua, _ i: Int32, base: SamplerConfig = SamplerConfig()) throws -> (SamplerConfig, [String: Float]) {
        if lua.isNoneOrNil(i) { return (base, [:]) }
        try lua.checkTable(i)
        guard var values = try lua.value(i) as? [String: Any] else { throw lua.argError(i, "a table of config keys expected") }
        var options: [String: Float] = [:]
        for key in ["eta", "mu"] {
            guard let e = values.removeValue(forKey: key) else { continue }
            guard let n = e as? NSNumber else { throw lua.argError(i, "config '\(key)': number expected") }
            options[key] = n.floatValue
        }
        do { return (try base.overriding(values), options) } catch let e as DiffusionError { throw lua.argError(i, "\(e)") }
    }

    static func make(_ lua: Lua, name: String, config: SamplerConfig, options: [String: Float]) throws -> SamplerObject {
        let s = try makeSampler(name: name, config: config)
        try applySamplerOptions(options, to: s)
        return SamplerObject(s)
    }

    public static func register(_ lua: LuaState) {
        lua.register(library: "samplers", help: "foley.samplers: noise schedulers to write sampling loops with.", [
            LuaFunction("names", "names() -> {string}\nThe short sampler names new() accepts.") { lua in
                lua.push(strings: samplerNames)
                return 1
            },
            LuaFunction("new", """
            new(name[, config]) -> Sampler
            A sampler by short name (ddim, euler, dpmpp_2m, ...; aliases and diffusers class names work) with a
            config table of diffusers keys ({num_train_timesteps = 1000, beta_schedule = "scaled_linear",
            prediction_type = "v_prediction", eta = 0.5, shift = 3, mu = 0.8, ...}).
            """) { lua in
                let name = try lua.string(1)
                let (c, options) = try config(lua, 2)
                lua.push(try make(lua, name: name, config: c, options: options))
                return 1
            },
        ])
        lua.register(type: SamplerObject.self, help: """
        Sampler: a noise scheduler (fields name, prediction_type, init_noise_sigma, order, steps).
        """, methods: [
            LuaMethod("set_timesteps", "s:set_timesteps(n)\nChooses n inference steps and resets the sampler's state.") { lua, s in
                let n = try lua.integer(2)
                guard n > 0 else { throw lua.argError(2, "positive number of steps expected, got \(n)") }
                try s.sampler.setTimesteps(n)
                return 0
            },
            LuaMethod("timesteps", "s:timesteps() -> {number}\nThe denoiser timesteps in call order.") { lua, s in
                lua.push(numbers: s.sampler.timesteps.map(Double.init))
                return 1
            },
            LuaMethod("sigmas", "s:sigmas() -> {number}\nNoise levels per step (sigma samplers; empty otherwise).") { lua, s in
                lua.push(numbers: s.sampler.sigmas.map(Double.init))
                return 1
            },
            LuaMethod("alphas_cumprod", """
            s:alphas_cumprod() -> {number}
            Cumulative products of (1 - beta) over the training timesteps (index t + 1 for timestep t).
            """) { lua, s in
                lua.push(numbers: s.sampler.alphasCumprod.map(Double.init))
                return 1
            },
            LuaMethod("scale", "s:scale(x, t) -> Tensor\nThe latents scaled as the denoiser expects at timestep t.") { lua, s in
                lua.push(try s.sampler.scaleModelInput(try lua.tensor(2), timestep: try lua.timestep(3)))
                return 1
            },
            LuaMethod("step", """
            s:step(model_output, t, x[, noise]) -> Tensor
            One reverse step from x at timestep t. model_output is what the denoiser predicts, as
            s.prediction_type says: "epsilon" the noise, "v_prediction" v = sqrt(a_t) noise - sqrt(1 - a_t) x0,
            "sample" x0 itself, "flow_prediction" the velocity noise - x0 (pipe:unet returns it as the model was
            trained). Stochastic samplers draw their noise from noise: a tensor shaped as x (used as is), or a seed,
            else the shared foley.tensor generator.
            """) { lua, s in
                let output = try lua.tensor(2), t = try lua.timestep(3), x = try lua.tensor(4)
                let noise: NoiseSource
                if lua.type(5) == LUA_TUSERDATA {
                    noise = RecordedNoise([try lua.tensor(5)])
                } else if let seed = try lua.optInteger(5) {
                    noise = RandomGenerator(seed: UInt64(bitPattern: Int64(seed)))
                } else {
                    noise = TensorBindings.generator(lua)
                }
                lua.push(try s.sampler.step(modelOutput: output, timestep: t, sample: x, noise: noise))
                return 1
            },
            LuaMethod("add_noise", """
            s:add_noise(x0, noise, t) -> Tensor
            The forward process: x0 noised to timestep t, a number, or a table (or 1-D tensor) of one per row.
            """) { lua, s in
                let x0 = try lua.tensor(2), noise = try lua.tensor(3)
                if lua.isNumber(4) {
                    lua.push(try s.sampler.addNoise(original: x0, noise: noise, timestep: try lua.timestep(4)))
                } else {
                    let ts: [Float]
                    if let t = lua.toObject(4, as: Tensor.self), t.rank == 1 { ts = t.scalars } else if lua.isTable(4) {
                        ts = try TensorBindings.fromLua(lua, 4).scalars
                    } else {
                        throw lua.typeError(4, "number, table of numbers or 1-D Tensor")
                    }
                    do { lua.push(try s.sampler.addNoise(original: x0, noise: noise, timesteps: ts)) } catch let e as DiffusionError {
                        throw lua.argError(4, "\(e)")
                    }
                }
                return 1
            },
            LuaMethod("config", "s:config() -> table\nThe sampler's configuration (diffusers keys).") { lua, s in
                let dict = (try JSONSerialization.jsonObject(with: try s.sampler.config.jsonData()) as? [String: Any]) ?? [:]
                pushJSON(lua, dict)
                return 1
            },
        ], metamethods: [
            fieldIndex(SamplerObject.self, [
                "name": { lua, s in lua.push(s.name) },
                "prediction_type": { lua, s in lua.push(s.sampler.config.predicts) },
                "init_noise_sigma": { lua, s in lua.push(Double(s.sampler.initNoiseSigma)) },
                "order": { lua, s in lua.push(s.sampler.order) },
                "steps": { lua, s in lua.push(s.sampler.timesteps.count) },
            ]),
            LuaFunction("__tostring") { lua in
                let s = try lua.sampler(1)
                lua.push("Sampler(\(s.name), \(s.sampler.timesteps.count) steps)")
                return 1
            },
            LuaFunction("__short") { lua in lua.push("Sampler(\(try lua.sampler(1).name))"); return 1 },
        ])
    }

    /// A JSON value (from JSONSerialization) as a Lua value.
    static func pushJSON(_ lua: Lua, _ v: Any) {
        switch v {
        case let d as [String: Any]:
            lua_createtable(lua.L, 0, Int32(d.count))
            for (k, x) in d { lua.setField(-1, k) { pushJSON(lua, x) } }
        case let a as [Any]:
            lua_createtable(lua.L, Int32(a.count), 0)
            for (k, x) in a.enumerated() { pushJSON(lua, x); lua_rawseti(lua.L, -2, lua_Integer(k + 1)) }
        case let n as NSNumber:
            if String(cString: n.objCType) == "c" { lua.push(n.boolValue) }
            else if Double(n.int64Value) == n.doubleValue && !"\(n)".contains(".") { lua.push(Int(n.int64Value)) }
            else { lua.push(n.doubleValue) }
        case let s as String: lua.push(s)
        default: lua.pushNil()
        }
    }
}
