import Audio
import CLua
import CLuaShim
import Diffusion
import Foundation
import Tensors

// Lua bindings of the text-to-audio pipeline: `foley.models.load` and the `Pipeline` userdata
// (generate with every control, the text encoder, UNet, VAE and vocoder called directly).

/// A loaded text-to-audio model held by Lua.
public final class PipelineObject: LuaObject {
    public static var luaTypeName: String { "Pipeline" }
    public let pipeline: TextToAudioPipeline
    public let folder: String
    init(_ pipeline: TextToAudioPipeline, folder: String) {
        self.pipeline = pipeline
        self.folder = folder
    }
}

/// One `generate` run, shared by the clips it returned (for `Pipeline:save`).
final class GenerationResultBox {
    let result: GenerationResult
    let options: GenerationOptions
    init(_ result: GenerationResult, _ options: GenerationOptions) {
        self.result = result
        self.options = options
    }
}

extension Lua {
    public func pipeline(_ i: Int32) throws -> PipelineObject { try object(i, as: PipelineObject.self) }
}

public enum ModelBindings {
    /// The model folder: the argument, else the default model.
    static func folder(_ lua: Lua, _ i: Int32) throws -> URL {
        if let p = try lua.optString(i) { return URL(fileURLWithPath: p) }
        guard let d = DefaultModel.locate() else {
            throw LuaRuntimeError("no default model: pass a model folder or set FOLEY_MODEL")
        }
        return d
    }

    /// `generate`'s options table (argument 2) as GenerationOptions: the schema's keys only (a typo is an error
    /// naming the nearest option), over the one defaults table.
    static func options(_ lua: Lua, _ pipe: TextToAudioPipeline) throws -> GenerationOptions {
        try lua.checkTable(2)
        try lua.checkOptionKeys(2)
        var o = pipe.defaults
        func opt<R>(_ key: String, _ body: (Int32) throws -> R) throws -> R? {
            do { return try lua.option(2, key, body) } catch let e as LuaArgumentError {
                throw lua.argError(2, "option '\(key)': \(e.message)")
            }
        }
        o.prompts = try opt("prompt") { try lua.strings($0) } ?? []
        o.negativePrompts = try opt("negative") { try lua.strings($0) } ?? []
        if let v = try opt("steps", { try lua.integer($0) }) { o.steps = v }
        if let v = try opt("guidance", { try lua.number($0) }) { o.guidanceScale = Float(v) }
        o.sampler = try opt("sampler") { try lua.string($0) }
        if let v = try opt("eta", { try lua.number($0) }) { o.samplerOptions["eta"] = Float(v) }
        if let v = try opt("seed", { try lua.integer($0) }) { o.seed = UInt64(bitPattern: Int64(v)) }
        if let v = try opt("seconds", { try lua.number($0) }) { o.seconds = v }
        if let v = try opt("count", { try lua.integer($0) }) { o.count = v }
        o.loudness = try opt("loudness") { try lua.number($0) }
        if let v = try opt("temperature", { try lua.number($0) }) { o.noiseTemperature = Float(v) }
        if let ref = try opt("from", { i -> AudioBuffer in
            if lua.isString(i) { return try AudioFile.read(try lua.string(i)) }
            guard let clip = lua.toObject(i, as: AudioClip.self) else { throw lua.typeError(i, "Audio or path") }
            return clip.buffer
        }) {
            o.setReference(try pipe.modelRateAudio(ref))
        }
        if let v = try opt("strength", { try lua.number($0) }) { o.strength = Float(v) }
        if let keep = try opt("keep", { i -> [Double] in
            guard lua.isTable(i), lua.rawLength(i) == 2 else { throw lua.typeError(i, "{from, to} seconds") }
            return try lua.numbers(i, what: "{from, to} seconds")
        }) {
            guard keep[0] <= keep[1] else { throw lua.argError(2, "option 'keep': from \(keep[0]) is after to \(keep[1])") }
            o.keepRange = keep[0]...keep[1]
        }
        o.latents = try opt("latents") { try lua.tensor($0) }
        o.style = try opt("style") { i -> Tensor in
            // An Audio is turned into its style vector here, so a recording can be passed straight in.
            if let clip = lua.toObject(i, as: AudioClip.self) {
                let b = clip.buffer.mixedToMono()
                return try pipe.extractStyle(b.samples, sampleRate: b.sampleRate)
            }
            return try lua.tensor(i)
        }
        if let v = try opt("candidates", { try lua.integer($0) }) { o.candidates = v }
        if let v = try opt("style_weight", { try lua.number($0) }) { o.styleWeight = Float(v) }
        return o
    }

    static func clips(_ box: GenerationResultBox) -> [AudioClip] {
        box.result.waveforms.enumerated().map { i, w in
            let c = AudioClip(try! AudioBuffer(sampleRate: box.result.sampleRate, channels: box.result.channels, interleaved: w))
            c.generation = .init(result: box, index: i)
            return c
        }
    }

    /// Conditioning from a table {tokens=, mask=, pooled=} at i (nil if absent).
    static func conditioning(_ lua: Lua, _ i: Int32) throws -> ConditioningEmbeddings {
        if lua.isNoneOrNil(i) { return ConditioningEmbeddings() }
        try lua.checkTable(i)
        func t(_ k: String) throws -> Tensor? {
            do { return try lua.option(i, k) { try lua.tensor($0) } } catch let e as LuaArgumentError {
                throw lua.argError(i, "field '\(k)': \(e.message)")
            }
        }
        return ConditioningEmbeddings(tokens: try t("tokens"), mask: try t("mask"), pooled: try t("pooled"), attributes: try t("attributes"))
    }

    static func pushConditioning(_ lua: Lua, _ c: ConditioningEmbeddings) {
        lua_createtable(lua.L, 0, 4)
        if let x = c.tokens { lua.setField(-1, "tokens") { lua.push(x) } }
        if let x = c.mask { lua.setField(-1, "mask") { lua.push(x) } }
        if let x = c.pooled { lua.setField(-1, "pooled") { lua.push(x) } }
        if let x = c.attributes { lua.setField(-1, "attributes") { lua.push(x) } }
    }

    /// Pushes one clip, or a table of clips.
    static func pushClips(_ lua: Lua, _ clips: [AudioClip], single: Bool) {
        if single, clips.count == 1 { lua.push(clips[0]); return }
        lua_createtable(lua.L, Int32(clips.count), 0)
        for (k, c) in clips.enumerated() {
            lua.push(c)
            lua_rawseti(lua.L, -2, lua_Integer(k + 1))
        }
    }

    /// A mel tensor [frames, mels] or [B, frames, mels] as [B, frames, mels].
    static func mel3(_ lua: Lua, _ i: Int32) throws -> Tensor {
        let m = try lua.tensor(i)
        switch m.rank {
        case 2: return try m.reshape([1] + m.shape)
        case 3: return m
        case 4 where m.shape[1] == 1: return try m.squeeze(1)
        default: throw lua.argError(i, "mel tensor [frames, mels] or [B, frames, mels] expected, got \(m.rank)-D")
        }
    }

    public static func register(_ lua: LuaState) {
        lua.register(library: "models", help: "foley.models: load a text-to-audio model and drive it.", [
            LuaFunction("load", """
            load([folder]) -> Pipeline
            Loads a model folder (foley.yaml or a diffusers AudioLDM folder); nil loads the default
            model ($FOLEY_MODEL, models/default next to the binary, or $FOLEY_HOME/models/default).
            """) { lua in
                let url = try folder(lua, 1)
                lua.push(PipelineObject(try TextToAudioPipeline.load(folder: url), folder: url.path))
                return 1
            },
            LuaFunction("default", "default() -> string or nil\nThe folder of the default model, if there is one.") { lua in
                if let d = DefaultModel.locate() { lua.push(d.path) } else { lua.pushNil() }
                return 1
            },
        ] + ModuleBindings.loaders)
        ModuleBindings.register(lua)
        lua.register(type: PipelineObject.self, help: """
        Pipeline: a loaded text-to-audio model (fields sample_rate, identity, folder, mel_bins, default_seconds,
        loras: the attached LoRA adapters as {name=, path=, scale=}).
        """, methods: [
            LuaMethod("generate", """
            p:generate{prompt=, negative=, steps=50, guidance=3, sampler=, eta=, seed=42, seconds=, count=1,
                       loudness=, temperature=1, from=Audio|path, strength=0.6, keep={a, b}, latents=Tensor,
                       style=Tensor|Audio, style_weight=0.5, candidates=1,
                       on_step=function(step, t, latents) end} -> Audio or {Audio}
            Generates audio: one Audio for one prompt and count 1, else a table (prompt-major). seconds defaults
            to the length the model was trained on (p.default_seconds). prompt and
            negative take a string or a table of strings; from= is audio-to-audio (SDEdit at strength), with
            keep={from, to} seconds of it kept (inpainting). style= mixes a p:extract_style vector (or a recording's)
            into the prompt's; candidates=N generates N per output and keeps the best by p:score. eta is for the ddim
            sampler only; a key that is no option is an error naming the nearest one. on_step returning false stops the
            run (generate then returns nil and a message); Ctrl-C stops it at the next step. Either way
            foley.last_interrupted = {step=, total_steps=, latents=, x0=, preview=Audio} keeps the latents so far, the
            sampler's predicted clean latents and their decoding.
            """) { lua, p in
                let o = try options(lua, p.pipeline)
                let L = lua.L
                var callback: Int32?
                lua_pushstring(L, "on_step")
                lua_rawget(L, 2)
                if lua_type(L, -1) == LUA_TFUNCTION {
                    callback = lua_gettop(L)
                } else if lua_type(L, -1) != LUA_TNIL {
                    throw lua.argError(2, "option 'on_step': function expected, got \(lua.typeName(-1))")
                }
                var callbackError: Error?
                var stoppedByCallback = false
                let result: GenerationResult
                // on_step returning false ends the run early: generate returns nil and a message.
                do {
                    result = try p.pipeline.generate(o) { step in
                        if Interrupt.requested { return false }
                        Display.progress?("generate", step.step, step.totalSteps)
                        guard let fn = callback else { return true }
                        do {
                            let go = try lua.callback(fn, nargs: 3) {
                                lua.push(step.step)
                                lua.push(Double(step.timestep))
                                lua.push(step.latents)
                            }
                            if !go { stoppedByCallback = true }
                            return go
                        } catch {
                            callbackError = error
                            return false
                        }
                    }
                } catch {
                    // What the run had is kept in foley.last_interrupted, whichever way it was stopped (Ctrl-C during
                    // on_step raises inside the callback, so this comes before the callback's error is rethrown).
                    var kept = ""
                    if case DiffusionError.cancelled(_, let partial?) = error { kept = InterruptedGeneration.store(lua, partial) }
                    if Interrupt.requested {
                        if !kept.isEmpty { Output.emitError("interrupted \(kept)\n") }
                        throw callbackError ?? Interrupt.Interrupted()
                    }
                    if let callbackError { throw callbackError }
                    if stoppedByCallback, case DiffusionError.cancelled(let s, _) = error {
                        lua.pushNil()
                        lua.push(kept.isEmpty ? "stopped by on_step at step \(s)" : "stopped by on_step \(kept)")
                        return 2
                    }
                    throw error
                }
                // A silent or clipping output says so at the prompt too, as `foley generate` does.
                for w in result.warnings { Output.emitError("warning: \(w)\n") }
                let box = GenerationResultBox(result, o)
                pushClips(lua, clips(box), single: o.batchPromptsForLua == 1 && o.count == 1)
                return 1
            },
            LuaMethod("extract_style", """
            p:extract_style(audio) -> Tensor
            A recording's style vector [D] in the model's audio-text space (the seed's extract_style), for
            p:generate{style=, style_weight=}. Needs a model with a contrastive audio encoder (the default has one).
            """) { lua, p in
                let b = try lua.audio(2).buffer.mixedToMono()
                lua.push(try p.pipeline.extractStyle(b.samples, sampleRate: b.sampleRate))
                return 1
            },
            LuaMethod("score", """
            p:score(audio or {audio}, prompt or {prompts}) -> number or {numbers}
            Cosine similarity of each clip to its prompt in the model's audio-text space (one prompt for all
            clips, or one each): what candidates= reranks by and the text-alignment metric reports.
            """) { lua, p in
                let single = lua.toObject(2, as: AudioClip.self) != nil
                let clips: [AudioClip] = single ? [try lua.audio(2)] : try lua.audioList(2)
                let waves = try clips.map { try p.pipeline.modelRateSamples($0.buffer) }
                var prompts = try lua.strings(3)
                if prompts.count == 1 { prompts = Array(repeating: prompts[0], count: waves.count) }
                guard prompts.count == waves.count else {
                    throw lua.argError(3, "one prompt, or one per clip (\(waves.count)) expected, got \(prompts.count)")
                }
                let scores = try p.pipeline.audioTextScores(waves, prompts: prompts)
                if single { lua.push(Double(scores[0])) } else { lua.push(numbers: scores.map(Double.init)) }
                return 1
            },
            LuaMethod("encode", """
            p:encode(text or {texts}[, negative]) -> {tokens=, mask=, pooled=, attributes=}
            The conditioning the model's text encoder gives (pooled rows L2-normalized); fields the model
            does not use are absent. negative = true uses the negative-prompt encoder if there is one.
            """) { lua, p in
                let texts = try lua.strings(2)
                guard !texts.isEmpty else { throw lua.argError(2, "at least one text expected") }
                let neg = try lua.optBool(3, false)
                pushConditioning(lua, try GradMode.noGrad { try p.pipeline.encode(prompts: texts, negative: neg) })
                return 1
            },
            LuaMethod("unet", """
            p:unet(x, t[, {tokens=, pooled=, mask=, attributes=}]) -> Tensor
            The UNet's prediction for latents x [B, C, H, W] at timestep t (a number, or a table of one per row),
            conditioned as p:encode returns (attributes: the prompt's numbers, for a model that reads them).
            """) { lua, p in
                let x = try lua.tensor(2)
                let ts: [Float]
                if lua.isTable(3) {
                    ts = try (1...max(lua.rawLength(3), 1)).map { k in
                        lua_rawgeti(lua.L, 3, lua_Integer(k))
                        defer { lua_settop(lua.L, -2) }
                        guard lua.isNumber(-1) else { throw lua.argError(2, "number or table of numbers expected") }
                        return Float(lua_tonumberx(lua.L, -1, nil))
                    }
                } else {
                    ts = [Float(try lua.number(3))]
                }
                let c = try conditioning(lua, 4)
                guard let unet = p.pipeline.unet else { throw lua.argError(1, "this model has no UNet (a Stable Audio model)") }
                let out = try GradMode.noGrad {
                    try unet(x, timesteps: ts, encoderHiddenStates: c.tokens, classLabels: c.classLabels,
                                        encoderAttentionMask: c.mask)
                }
                lua.push(out)
                return 1
            },
            LuaMethod("mel", """
            p:mel(audio) -> Tensor
            The model's log-mel front end [frames, mel_bins] of a clip (mixed to mono, resampled to the model's rate).
            """) { lua, p in
                let spec = try p.pipeline.frontEnd(try p.pipeline.modelRateSamples(try lua.audio(2).buffer))
                lua.push(Tensor(shape: [spec.frames, spec.bins], data: spec.values))
                return 1
            },
            LuaMethod("vae_encode", """
            p:vae_encode(mel) -> Tensor
            Latents (the VAE posterior's mode times its scaling factor) of a log-mel [frames, mels] or
            [B, frames, mels]; frames must divide by the VAE factor.
            """) { lua, p in
                let m = try mel3(lua, 2)
                guard let vae = p.pipeline.vae else { throw lua.argError(1, "this model has no mel VAE (a Stable Audio model)") }
                lua.push(try GradMode.noGrad { try vae.encode(try m.unsqueeze(1)).mode * vae.scalingFactor })
                return 1
            },
            LuaMethod("vae_decode", """
            p:vae_decode(latents) -> Tensor
            The log-mel [B, frames, mels] of latents [B, C, H, W] (divided by the scaling factor first).
            """) { lua, p in
                let z = try lua.tensor(2)
                guard let vae = p.pipeline.vae else { throw lua.argError(1, "this model has no mel VAE (a Stable Audio model)") }
                lua.push(try GradMode.noGrad { try vae.decode(z / vae.scalingFactor).squeeze(1) })
                return 1
            },
            LuaMethod("vocode", """
            p:vocode(mel) -> Audio or {Audio}
            Waveforms from a log-mel [frames, mels] (one Audio) or [B, frames, mels] (a table).
            """) { lua, p in
                let single = try lua.tensor(2).rank == 2
                let m = try mel3(lua, 2)
                guard let vocoder = p.pipeline.vocoder else { throw lua.argError(1, "this model has no vocoder (a Stable Audio model)") }
                let w = try GradMode.noGrad { try vocoder.waveform(fromLogMel: m) }
                let n = w.shape[1], s = w.scalars, rate = p.pipeline.sampleRate
                let clips = try (0..<w.shape[0]).map { AudioClip(try AudioBuffer(mono: Array(s[($0 * n)..<(($0 + 1) * n)]), sampleRate: rate)) }
                pushClips(lua, clips, single: single)
                return 1
            },
            LuaMethod("reconstruct", """
            p:reconstruct(audio) -> Audio
            The clip through the model's own VAE and vocoder (log-mel, latents, back), same length: the best any
            generated sample could sound through this decoder. Compare a:events() or a:pitch() of both. A Stable
            Audio model's Oobleck keeps its channels (stereo in, stereo out).
            """) { lua, p in
                lua.push(AudioClip(try p.pipeline.reconstruct(try lua.audio(2).buffer)))
                return 1
            },
            LuaMethod("decode", """
            p:decode(latents[, seconds]) -> Audio or {Audio}
            Latents through the VAE and the vocoder, as generate ends (trimmed to seconds if given).
            """) { lua, p in
                let z = try lua.tensor(2)
                let samples = try lua.optNumber(3).map { Int($0 * Double(p.pipeline.sampleRate)) }
                let (w, _) = try p.pipeline.decode(latents: z, samples: samples)
                pushClips(lua, try w.map { AudioClip(try AudioBuffer(mono: $0, sampleRate: p.pipeline.sampleRate)) }, single: w.count == 1)
                return 1
            },
            LuaMethod("sampler", """
            p:sampler([name]) -> Sampler
            A sampler on the model's training schedule: by name (see foley.samplers.names()), or the model's own.
            """) { lua, p in
                let s: any Sampler
                if let name = try lua.optString(2) {
                    s = try makeSampler(name: name, config: p.pipeline.samplerConfig)
                } else {
                    s = try makeSampler(config: p.pipeline.samplerConfig)
                }
                lua.push(SamplerObject(s))
                return 1
            },
            LuaMethod("samplers", """
            p:samplers() -> {string}
            The sampler names this model runs: a flow model's flow samplers, a noise-prediction model's others.
            """) { lua, p in
                lua.push(strings: p.pipeline.runnableSamplers)
                return 1
            },
            LuaMethod("latent_shape", """
            p:latent_shape(seconds[, batch = 1]) -> {B, C, H, W}
            The shape of the latents generate starts from for a duration.
            """) { lua, p in
                lua.push(integers: p.pipeline.latentShape(seconds: try lua.number(2), batch: try lua.optInteger(3, 1)))
                return 1
            },
            LuaMethod("save", """
            p:save(results, path[, spectrogram_path]) -> {paths}
            Writes what one generate call returned (an Audio or its table) as path (path-1, path-2, ... for
            several) with a JSON sidecar of every setting and seed, and optional spectrogram PNGs.
            """) { lua, p in
                var box: GenerationResultBox?
                if let c = lua.toObject(2, as: AudioClip.self) {
                    box = c.generation?.result
                } else if lua.isTable(2), lua.rawLength(2) > 0 {
                    lua_rawgeti(lua.L, 2, 1)
                    box = lua.toObject(-1, as: AudioClip.self)?.generation?.result
                    lua_settop(lua.L, -2)
                } else {
                    throw lua.typeError(2, "Audio or table of Audio from generate")
                }
                guard let box else { throw lua.argError(2, "audio not returned by Pipeline:generate (use a:save(path))") }
                let path = try lua.string(3)
                let spec = try lua.optString(4)
                let paths = try OutputWriter.write(box.result, options: box.options, pipeline: p.pipeline, to: path, spectrogram: spec)
                for (i, q) in paths.enumerated() {
                    Notebook.current?.attach(path: q, kind: .audio)
                    if let spec { AudioBindings.attachPNG(OutputWriter.path(spec, index: i, of: paths.count)) }
                }
                lua_createtable(lua.L, Int32(paths.count), 0)
                for (k, q) in paths.enumerated() {
                    lua.push(q)
                    lua_rawseti(lua.L, -2, lua_Integer(k + 1))
                }
                return 1
            },
        ] + loraMethods, metamethods: [
            fieldIndex(PipelineObject.self, [
                "sample_rate": { lua, p in lua.push(p.pipeline.sampleRate) },
                "identity": { lua, p in lua.push(p.pipeline.identity) },
                "folder": { lua, p in lua.push(p.folder) },
                "mel_bins": { lua, p in lua.push(p.pipeline.melBins) },
                "default_seconds": { lua, p in lua.push(p.pipeline.defaultSeconds) },
                "scaling_factor": { lua, p in lua.push(Double(p.pipeline.vae?.scalingFactor ?? 1)) },
                "loras": { lua, p in pushLoRAs(lua, p.pipeline) },
            ]),
            LuaFunction("__tostring") { lua in
                let p = try lua.pipeline(1)
                lua.push("Pipeline(\(p.pipeline.identity), \(p.pipeline.sampleRate) Hz, \(p.pipeline.conditioning.rawValue) conditioning)")
                return 1
            },
            LuaFunction("__short") { lua in lua.push("Pipeline"); return 1 },
        ])
    }
}

extension GenerationOptions {
    var batchPromptsForLua: Int { prompts.count }
}
