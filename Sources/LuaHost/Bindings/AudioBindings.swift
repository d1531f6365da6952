import Audio
import CLua
import CLuaShim
import Foundation
import Tensors

// Lua bindings of audio: `foley.audio.load`/`from_tensor` and the `Audio` userdata (a clip of
// samples at a rate, with channels). Audio values are immutable from Lua: every method returning
// audio returns a new clip.

/// A clip of audio held by Lua: the samples and, for generated clips, what produced them.
public final class AudioClip: LuaObject {
    public static var luaTypeName: String { "Audio" }
    public let buffer: AudioBuffer
    /// For clips returned by `Pipeline:generate`: the whole run and this clip's index in it.
    var generation: Generation?

    struct Generation {
        let result: GenerationResultBox
        let index: Int
    }

    public init(_ buffer: AudioBuffer) { self.buffer = buffer }

    var byteCount: Int { buffer.samples.count * MemoryLayout<Float>.size }
}

extension Lua {
    /// An Audio argument.
    public func audio(_ i: Int32) throws -> AudioClip { try object(i, as: AudioClip.self) }

    public func push(_ clip: AudioClip) { push(clip, externalBytes: clip.byteCount) }

    /// Calls the function at `fn` with the values `args` pushes (`n` of them) in protected mode and
    /// returns whether its first result is not `false` (nil or no result count as true). A Lua error in
    /// the callback is thrown as that error.
    func callback(_ fn: Int32, nargs n: Int32, _ args: () -> Void) throws -> Bool {
        let base = lua_gettop(L)
        lua_pushvalue(L, fn)
        args()
        if foley_lua_pcall(L, n, 1, 0) != LUA_OK {
            let msg = foley_lua_tostring(L, -1).map { String(cString: $0) } ?? "error in callback"
            lua_settop(L, base)
            throw LuaError(message: msg)
        }
        let stop = lua_type(L, -1) == LUA_TBOOLEAN && lua_toboolean(L, -1) == 0
        lua_settop(L, base)
        return !stop
    }

    /// Field `key` of the options table at i: calls body with its index when present (not nil).
    func option<R>(_ i: Int32, _ key: String, _ body: (Int32) throws -> R) throws -> R? {
        guard isTable(i) else { return nil }
        return try field(i, key) { idx in
            isNoneOrNil(idx) ? nil : try OptionError.naming(key, lua: self, idx) { try body(idx) }
        }
    }

    /// A table of Audio values at i.
    func audioList(_ i: Int32) throws -> [AudioClip] {
        guard isTable(i) else { throw typeError(i, "Audio or table of Audio") }
        let n = rawLength(i)
        guard n > 0 else { throw argError(i, "at least one Audio expected, got an empty table") }
        return try (1...n).map { k in
            lua_rawgeti(L, i, lua_Integer(k))
            defer { lua_settop(L, -2) }
            guard let clip = toObject(-1, as: AudioClip.self) else { throw argError(i, "Audio expected, got \(typeName(-1)) at index \(k)") }
            return clip
        }
    }

    /// A list of strings: one string, or a table of strings, at i.
    func strings(_ i: Int32, what: String = "string or table of strings") throws -> [String] {
        if isString(i) { return [try string(i)] }
        guard isTable(i) else { throw typeError(i, what) }
        return try (1...max(rawLength(i), 1)).compactMap { k -> String? in
            guard k <= rawLength(i) else { return nil }
            lua_rawgeti(L, i, lua_Integer(k))
            defer { lua_settop(L, -2) }
            guard isString(-1) else { throw argError(i, "\(what) expected, got \(typeName(-1)) at index \(k)") }
            return try string(lua_gettop(L))
        }
    }
}

/// Errors reading an option field of a table argument name the option: "option 'steps': ...".
enum OptionError {
    static func naming<R>(_ key: String, lua: Lua, _ idx: Int32, _ body: () throws -> R) throws -> R {
        do { return try body() } catch let e as LuaArgumentError {
            throw LuaArgumentError(arg: e.arg, message: e.message)
        }
    }
}

/// `__index` for userdata with fields: a field getter by name, else the metatable (methods). `hidden` names are
/// not offered by completion (getters that only explain a wrong name).
func fieldIndex<T: LuaObject>(_ type: T.Type, _ fields: [String: (Lua, T) throws -> Void], hidden: Set<String> = []) -> LuaFunction {
    var index = LuaFunction("__index") { lua in
        let L = lua.L
        if lua.isString(2), let get = fields[try lua.string(2)] {
            try get(lua, try lua.object(1, as: T.self))
            return 1
        }
        guard lua_getmetatable(L, 1) != 0 else { return 0 }
        lua_pushvalue(L, 2)
        lua_rawget(L, -2)
        return 1
    }
    index.fields = fields.keys.filter { !hidden.contains($0) }.sorted()
    return index
}

public enum AudioBindings {
    /// The log-mel front end for a clip's rate (`AudioFrontEnd.scaled(toRate:)`).
    static func logMel(rate: Int) throws -> LogMel { try AudioFrontEnd.scaled(toRate: rate).logMel() }

    /// The log-mel of a clip (mixed to mono) as a Spectrogram and its front end.
    static func melSpectrogram(_ clip: AudioClip) throws -> (Spectrogram, LogMel) {
        let m = try logMel(rate: clip.buffer.sampleRate)
        return (try m(clip.buffer.mixedToMono().samples), m)
    }

    static func attachPNG(_ path: String) { Notebook.current?.attach(path: path, kind: .png) }

    /// Writes a spectrogram picture of a clip (with its waveform strip) and attaches it.
    static func writeSpectrogram(_ clip: AudioClip, to path: String, scale: SpectrogramScale = .fixed) throws {
        try renderSpectrogram(clip, to: path, scale: scale)
        attachPNG(path)
    }

    /// The `scale` option of a spectrogram's options table at i: 'fixed' (the default) or 'auto'.
    static func spectrogramScale(_ lua: Lua, _ i: Int32) throws -> SpectrogramScale {
        guard let name = try lua.option(i, "scale", { try lua.string($0) }) else { return .fixed }
        guard let s = SpectrogramScale(rawValue: name) else {
            throw lua.argError(i, "option 'scale': 'fixed' or 'auto' expected, got '\(name)'")
        }
        return s
    }

    /// The spectrogram picture alone, attached to nothing (a kernel's display of a clip).
    static func renderSpectrogram(_ clip: AudioClip, to path: String, scale: SpectrogramScale = .fixed) throws {
        try spectrogramImage(clip, scale: scale).writePNG(to: path)
    }

    /// A clip's log-mel picture with its waveform strip.
    static func spectrogramImage(_ clip: AudioClip, scale: SpectrogramScale) throws -> RGBImage {
        let (spec, m) = try melSpectrogram(clip)
        var img = SpectrogramImage(logMel: m, sampleRate: clip.buffer.sampleRate, scale: scale)
        img.waveform = clip.buffer.mixedToMono().samples
        return try img.render(spec)
    }

    static func describe(_ b: AudioBuffer) -> String {
        let ch = b.channels == 1 ? "mono" : b.channels == 2 ? "stereo" : "\(b.channels) channels"
        return String(format: "Audio(%.3f s, %d Hz, %@, %d samples)", b.duration, b.sampleRate, ch, b.frameCount)
    }

    public static func register(_ lua: LuaState) {
        lua.register(library: "audio", help: "foley.audio: load, save, resample, analyse and draw sound.", [
            LuaFunction("load", """
            load(path[, {mono = false}]) -> Audio
            Reads a WAV, FLAC or other file libsndfile knows; mono = true mixes the channels down.
            """) { lua in
                let path = try lua.string(1)
                if !lua.isNoneOrNil(2) { try lua.checkTable(2) }
                try lua.checkOptionKeys(2, ["mono"], what: "load option")
                let mono = try lua.option(2, "mono") { try lua.bool($0) } ?? false
                lua.push(AudioClip(try AudioFile.read(path, mono: mono)))
                return 1
            },
            LuaFunction("from_tensor", """
            from_tensor(t, rate) -> Audio
            A clip from a 1-D tensor (mono samples) or a 2-D tensor [channels, samples], at `rate` Hz.
            """) { lua in
                let t = try lua.tensor(1)
                let rate = try lua.integer(2)
                guard rate > 0 else { throw lua.argError(2, "positive sample rate expected, got \(rate)") }
                let c = t
                let buffer: AudioBuffer
                switch t.rank {
                case 1: buffer = try AudioBuffer(mono: c.scalars, sampleRate: rate)
                case 2:
                    let n = t.shape[1], s = c.scalars
                    buffer = try AudioBuffer(planar: (0..<t.shape[0]).map { Array(s[($0 * n)..<(($0 + 1) * n)]) }, sampleRate: rate)
                default: throw lua.argError(1, "1-D or 2-D [channels, samples] tensor expected, got \(t.rank)-D")
                }
                lua.push(AudioClip(buffer))
                return 1
            },
            LuaFunction("is_audio", "is_audio(v) -> boolean\nWhether v is an Audio clip.") { lua in
                lua.push(lua.toObject(1, as: AudioClip.self) != nil)
                return 1
            },
        ])
        lua.register(type: AudioClip.self, help: """
        Audio: a clip of samples (fields num_frames, rate, channels; a:tensor() is the samples); methods return new clips.
        """, methods: [
            LuaMethod("save", """
            a:save(path)
            Writes the clip (WAV/FLAC by extension) atomically; the REPL notebook links it.
            """) { lua, clip in
                let path = try lua.string(2)
                try AudioFile.write(clip.buffer, to: path)
                Notebook.current?.attach(path: path, kind: .audio)
                return 0
            },
            LuaMethod("resample", "a:resample(rate) -> Audio\nThe clip at another sample rate (soxr, high quality).") { lua, clip in
                let rate = try lua.integer(2)
                guard rate > 0 else { throw lua.argError(2, "positive sample rate expected, got \(rate)") }
                lua.push(AudioClip(try clip.buffer.resampled(to: rate)))
                return 1
            },
            LuaMethod("mel", """
            a:mel([{n_mels = 64, n_fft =, hop_length =, fmin = 0, fmax = rate / 2}]) -> Tensor
            The log-mel spectrogram [frames, n_mels] of the clip mixed to mono (natural log; by default a 10 ms
            hop and an n_fft of at least 6 hops), options named as librosa names them.
            """) { lua, clip in
                if !lua.isNoneOrNil(2) { try lua.checkTable(2) }
                try lua.checkOptionKeys(2, ["n_mels", "n_fft", "hop_length", "fmin", "fmax"], what: "mel option")
                var front = AudioFrontEnd.scaled(toRate: clip.buffer.sampleRate)
                if let v = try lua.option(2, "n_mels", { try lua.integer($0) }) { front.nMels = v }
                if let v = try lua.option(2, "n_fft", { try lua.integer($0) }) { front.nFFT = v }
                if let v = try lua.option(2, "hop_length", { try lua.integer($0) }) { front.hopLength = v }
                if let v = try lua.option(2, "fmin", { try lua.number($0) }) { front.fMin = v }
                if let v = try lua.option(2, "fmax", { try lua.number($0) }) { front.fMax = v }
                let nyquist = Double(clip.buffer.sampleRate) / 2
                for (key, ok, expected) in [("n_mels", front.nMels >= 1, "an integer >= 1"), ("n_fft", front.nFFT >= 2, "an integer >= 2"),
                                            ("hop_length", front.hopLength >= 1, "an integer >= 1"),
                                            ("fmin", front.fMin >= 0 && front.fMin < front.fMax, "a frequency in [0, fmax)"),
                                            ("fmax", front.fMax > 0 && front.fMax <= nyquist, "a frequency in (0, \(nyquist)] (half the rate)")] where !ok {
                    throw lua.argError(2, "option '\(key)': expected \(expected)")
                }
                let spec: Spectrogram
                do { spec = try front.logMel()(clip.buffer.mixedToMono().samples) } catch let e as AudioError { throw lua.argError(2, "\(e)") }
                lua.push(Tensor(shape: [spec.frames, spec.bins], data: spec.values))
                return 1
            },
            LuaMethod("loudness", "a:loudness() -> number\nIntegrated loudness in LUFS (EBU R128).") { lua, clip in
                lua.push(try Loudness.integrated(clip.buffer))
                return 1
            },
            LuaMethod("peak", "a:peak() -> number\nThe largest absolute sample value.") { lua, clip in
                lua.push(Double(Loudness.samplePeak(clip.buffer)))
                return 1
            },
            LuaMethod("normalize", """
            a:normalize([lufs = -23]) -> Audio
            The clip scaled to an integrated loudness, its true peak kept under -1 dBTP.
            """) { lua, clip in
                let target = try lua.optNumber(2, -23)
                lua.push(AudioClip(try clip.buffer.loudnessNormalized(to: target)))
                return 1
            },
            LuaMethod("spectrogram", """
            a:spectrogram(path[, {scale = 'fixed'}])
            Writes a PNG of the clip's log-mel spectrogram with its waveform; the notebook shows it. scale 'fixed'
            colours 80 dB below full scale up to full scale (a silent clip looks silent); 'auto' the clip's own range.
            """) { lua, clip in
                let path = try lua.string(2)
                if !lua.isNoneOrNil(3) { try lua.checkTable(3) }
                try lua.checkOptionKeys(3, ["scale"], what: "spectrogram option")
                try writeSpectrogram(clip, to: path, scale: try spectrogramScale(lua, 3))
                return 0
            },
            LuaMethod("tensor", """
            a:tensor() -> Tensor
            The samples: 1-D for mono, [channels, samples] otherwise.
            """) { lua, clip in
                let b = clip.buffer
                if b.channels == 1 {
                    lua.push(Tensor(shape: [b.frameCount], data: b.samples))
                } else {
                    lua.push(Tensor(shape: [b.channels, b.frameCount], data: b.planar.flatMap { $0 }))
                }
                return 1
            },
            LuaMethod("duration", "a:duration() -> number\nLength in seconds.") { lua, clip in
                lua.push(clip.buffer.duration)
                return 1
            },
            LuaMethod("events", """
            a:events() -> {seconds}
            Onset times of the separate sound events (beeps, hits, plucks) the probe evaluation counts:
            #a:events() is the count.
            """) { lua, clip in
                let mono = clip.buffer.mixedToMono()
                lua.push(numbers: try EventCounter(sampleRate: mono.sampleRate).events(mono.samples).map(\.lowerBound))
                return 1
            },
            LuaMethod("pitch", """
            a:pitch() -> number or nil
            The fundamental in Hz (YIN's median over periodic frames, 50-4000 Hz), as the pitch probe reads it;
            nil when the clip has no clear pitch (noise, silence).
            """) { lua, clip in
                let mono = clip.buffer.mixedToMono()
                if let f0 = try PitchDetector(sampleRate: mono.sampleRate).fundamental(mono.samples) { lua.push(f0) } else { lua.pushNil() }
                return 1
            },
            LuaMethod("spectral_slope", """
            a:spectral_slope() -> number
            The long-term spectrum's slope in dB per octave up to 6 kHz: about 0 for white noise, -3 pink, -6 brown.
            """) { lua, clip in
                let mono = clip.buffer.mixedToMono()
                let top = min(6000, Double(mono.sampleRate) / 2)
                lua.push(try SpectralSlope(sampleRate: mono.sampleRate, fmax: top).dBPerOctave(mono.samples))
                return 1
            },
            LuaMethod("mono", "a:mono() -> Audio\nThe channels mixed down to one.") { lua, clip in
                lua.push(AudioClip(clip.buffer.mixedToMono()))
                return 1
            },
        ], metamethods: [
            fieldIndex(AudioClip.self, [
                "num_frames": { lua, c in lua.push(c.buffer.frameCount) },
                // The count was called `samples`, which reads like the data: name the two apart rather than guess.
                "samples": { lua, _ in
                    throw LuaError(message: "Audio has no field 'samples': a.num_frames is the count per channel, a:tensor() the samples")
                },
                "rate": { lua, c in lua.push(c.buffer.sampleRate) },
                "channels": { lua, c in lua.push(c.buffer.channels) },
            ], hidden: ["samples"]),
            LuaFunction("__tostring") { lua in lua.push(describe(try lua.audio(1).buffer)); return 1 },
            LuaFunction("__short") { lua in
                let b = try lua.audio(1).buffer
                lua.push(String(format: "Audio[%.2fs@%d]", b.duration, b.sampleRate))
                return 1
            },
            LuaFunction("__len") { lua in lua.push(try lua.audio(1).buffer.frameCount); return 1 },
        ])
    }
}
