import CLua
import Diffusion
import Foundation
import NN
import Tensors
import Text

// One module alone, for showing what is inside a model: foley.models.unet/vae/vocoder/text_encoder(path) and
// foley.text.tokenizer(dir). `path` is a diffusers/transformers folder (config.json + its usual weights file) or a
// weights file of any name (*.safetensors) whose folder holds config.json. They convert and call.

extension UNet2DConditionModel: LuaObject { public static var luaTypeName: String { "UNet" } }
extension AutoencoderKL: LuaObject { public static var luaTypeName: String { "VAE" } }
extension HiFiGAN: LuaObject { public static var luaTypeName: String { "Vocoder" } }

/// A text encoder loaded alone (BERT, T5, CLAP or CLIP text tower).
public final class TextEncoderObject: LuaObject {
    public static var luaTypeName: String { "TextEncoder" }
    let encoder: any TextEncoder
    init(_ e: any TextEncoder) { encoder = e }
}

/// A tokenizer loaded alone (tokenizer.json or the legacy vocabulary files).
public final class TokenizerObject: LuaObject {
    public static var luaTypeName: String { "Tokenizer" }
    let tokenizer: any Tokenizer
    init(_ t: any Tokenizer) { tokenizer = t }
}

enum ModuleBindings {
    /// The folder holding config.json, and the weights file when the argument names one.
    static func source(_ lua: Lua, _ i: Int32) throws -> (folder: URL, file: URL?) {
        let path = try lua.string(i)
        var isDir: ObjCBool = false
        guard FileManager.default.fileExists(atPath: path, isDirectory: &isDir) else {
            throw lua.argError(i, "no such folder or file: \(path)")
        }
        if isDir.boolValue { return (URL(fileURLWithPath: path), nil) }
        guard path.hasSuffix(".safetensors") else { throw lua.argError(i, "a model folder or a .safetensors weights file expected, got \(path)") }
        let file = URL(fileURLWithPath: path)
        return (file.deletingLastPathComponent(), file)
    }

    /// Builds a module from its folder's config.json and loads `file` (strict keys), or loads the folder as diffusers does.
    static func module<M: Module, C: Decodable>(_ lua: Lua, _ i: Int32, config: C.Type, build: (C) throws -> M,
                                               folderLoad: (URL) throws -> M) throws -> M {
        let (folder, file) = try source(lua, i)
        guard let file else { return try folderLoad(folder) }
        let m = try build(try ModelConfig.read(C.self, file: folder.appendingPathComponent("config.json")))
        try m.load(safetensors: file.path)
        m.eval()
        return m
    }

    static let loaders: [LuaFunction] = [
        LuaFunction("unet", """
        unet(path) -> UNet
        A UNet2DConditionModel alone, from a diffusers unet/ folder or a weights file (*.safetensors) beside its
        config.json. u:forward(x, t[, {encoder_hidden_states=, class_labels=, encoder_attention_mask=}]).
        """) { lua in
            lua.push(try module(lua, 1, config: UNet2DConditionConfig.self, build: { try UNet2DConditionModel(config: $0) },
                                folderLoad: { try UNet2DConditionModel.load(folder: $0) }))
            return 1
        },
        LuaFunction("vae", """
        vae(path) -> VAE
        An AutoencoderKL alone (a diffusers vae/ folder or a weights file beside config.json): v:encode(x[, seed])
        gives the posterior's mean and log-variance (and a sample when seeded), v:decode(z) the reconstruction.
        """) { lua in
            lua.push(try module(lua, 1, config: AutoencoderKLConfig.self, build: { try AutoencoderKL(config: $0) },
                                folderLoad: { try AutoencoderKL.load(folder: $0) }))
            return 1
        },
        LuaFunction("vocoder", """
        vocoder(path) -> Vocoder
        A SpeechT5HifiGan alone (a vocoder/ folder or a weights file beside config.json): voc:forward(mel) -> waveform.
        """) { lua in
            lua.push(try module(lua, 1, config: HiFiGANConfig.self, build: { try HiFiGAN(config: $0) },
                                folderLoad: { try HiFiGAN.load(folder: $0) }))
            return 1
        },
        LuaFunction("text_encoder", """
        text_encoder(path) -> TextEncoder
        A text encoder alone (BERT/RoBERTa, T5, CLAP or CLIP text; a folder or a weights file beside config.json):
        te:forward(ids[, mask]) -> hidden states [B, T, H], pooled [B, P], neither normalized.
        """) { lua in
            let (folder, file) = try source(lua, 1)
            lua.push(TextEncoderObject(try TextEncoderLoader.load(folder: folder.path, weightsFile: file?.path)))
            return 1
        },
    ]

    static let tokenizerLoader = LuaFunction("tokenizer", """
    tokenizer(dir) -> Tokenizer
    A tokenizer alone (tokenizer.json, or vocab.txt / vocab.json + merges.txt / spiece): tok:encode, tok:decode.
    """) { lua in
        lua.push(TokenizerObject(try AutoTokenizer.load(folder: URL(fileURLWithPath: try lua.string(1)))))
        return 1
    }

    /// Ids as {{...}, ...}, one {...} (a batch of one), or a Tensor [B, T] / [T].
    static func idRows(_ lua: Lua, _ i: Int32) throws -> [[Int]] {
        if let t = lua.toObject(i, as: Tensor.self) {
            guard t.rank == 1 || t.rank == 2 else { throw lua.argError(i - 1, "ids tensor [B, T] or [T] expected, got \(t.shape)") }
            let cols = t.shape.last!, v = t.scalars.map { Int($0) }
            return stride(from: 0, to: v.count, by: max(cols, 1)).map { Array(v[$0..<($0 + cols)]) }
        }
        try lua.checkTable(i)
        lua_rawgeti(lua.L, i, 1)
        let nested = lua_type(lua.L, -1) == LUA_TTABLE
        lua_settop(lua.L, -2)
        guard nested else { return [try lua.integers(i)] }
        return try (1...lua.rawLength(i)).map { k in
            lua_rawgeti(lua.L, i, lua_Integer(k))
            defer { lua_settop(lua.L, -2) }
            return try lua.integers(-1)
        }
    }

    static func pushRows(_ lua: Lua, _ rows: [[Int]], single: Bool) {
        if single { lua.push(integers: rows[0]); return }
        lua_createtable(lua.L, Int32(rows.count), 0)
        for (k, r) in rows.enumerated() {
            lua.push(integers: r)
            lua_rawseti(lua.L, -2, lua_Integer(k + 1))
        }
    }

    static func register(_ lua: LuaState) {
        lua.register(type: UNet2DConditionModel.self, help: "UNet: a UNet2DConditionModel loaded alone (foley.models.unet).", methods: [
            LuaMethod("forward", """
            u:forward(x, t[, {encoder_hidden_states=, class_labels=, encoder_attention_mask=}]) -> Tensor
            The prediction for x [B, C, H, W] at timestep t (a number, or a table of one per row).
            """) { lua, u in
                let x = try lua.tensor(2)
                let ts: [Float] = try lua.toObject(3, as: Tensor.self)?.scalars
                    ?? (lua.isTable(3) ? try lua.numbers(3).map(Float.init) : [Float(try lua.number(3))])
                var states: Tensor?, labels: Tensor?, mask: Tensor?
                if !lua.isNoneOrNil(4) {
                    try lua.checkOptionKeys(4, ["encoder_hidden_states", "class_labels", "encoder_attention_mask"], what: "UNet input")
                    func field(_ k: String) throws -> Tensor? {
                        lua_getfield(lua.L, 4, k)
                        defer { lua_settop(lua.L, -2) }
                        return lua.isNoneOrNil(-1) ? nil : try lua.tensor(-1)
                    }
                    states = try field("encoder_hidden_states"); labels = try field("class_labels"); mask = try field("encoder_attention_mask")
                }
                lua.push(try GradMode.noGrad { try u(x, timesteps: ts, encoderHiddenStates: states, classLabels: labels, encoderAttentionMask: mask) })
                return 1
            },
        ])
        lua.register(type: AutoencoderKL.self, help: "VAE: an AutoencoderKL loaded alone (foley.models.vae).", methods: [
            LuaMethod("encode", """
            v:encode(x[, seed]) -> mean, logvar[, sample]
            The posterior of x [B, in_channels, H, W]: its mean and log-variance (clamped to [-30, 20] as diffusers
            does), and with a seed a sample mean + std * noise.
            """) { lua, v in
                let x = try lua.tensor(2)
                let seed = try lua.optInteger(3)
                let p = try GradMode.noGrad { try v.encode(x) }
                lua.push(p.mean)
                lua.push(p.logvar)
                guard let seed else { return 2 }
                lua.push(try p.sample(generator: RandomGenerator(seed: UInt64(truncatingIfNeeded: seed))))
                return 3
            },
            LuaMethod("decode", "v:decode(z) -> Tensor\nThe decoder's output for latents z [B, latent_channels, h, w] (unscaled).") { lua, v in
                let z = try lua.tensor(2)
                lua.push(try GradMode.noGrad { try v.decode(z) })
                return 1
            },
        ])
        lua.register(type: HiFiGAN.self, help: "Vocoder: a SpeechT5HifiGan loaded alone (foley.models.vocoder).", methods: [
            LuaMethod("forward", "voc:forward(mel) -> Tensor\nThe waveform for a log-mel [B, frames, mels] (or [frames, mels]).") { lua, voc in
                let mel = try lua.tensor(2)
                lua.push(try GradMode.noGrad { try voc(mel) })
                return 1
            },
        ])
        lua.register(type: TextEncoderObject.self, help: "TextEncoder: a text encoder loaded alone (foley.models.text_encoder).", methods: [
            LuaMethod("forward", """
            te:forward(ids[, mask]) -> hidden_states, pooled
            Token ids ({...} or {{...}, ...}; mask alike, default all ones) to hidden states [B, T, H] and the
            pooled vector [B, P], without normalization.
            """) { lua, te in
                let ids = try idRows(lua, 2)
                let mask = lua.isNoneOrNil(3) ? ids.map { [Int](repeating: 1, count: $0.count) } : try idRows(lua, 3)
                let out = try GradMode.noGrad { try te.encoder.encode(ids: ids, mask: mask) }
                lua.push(out.hiddenStates)
                lua.push(out.pooled)
                return 2
            },
        ])
        lua.register(type: TokenizerObject.self, help: "Tokenizer: a tokenizer loaded alone (foley.text.tokenizer).", methods: [
            LuaMethod("encode", """
            tok:encode(text or {texts}[, {max_length=, padding='longest'|'max_length'|false, truncation=true,
                       add_special_tokens=true}]) -> ids, mask
            Ids as transformers' tokenizer(text) gives them; one text gives flat tables. add_special_tokens=false
            gives the bare ids, unpadded and untruncated.
            """) { lua, tok in
                let single = lua.isString(2)
                let texts = try lua.strings(2)
                var maxLength: Int?, padding: Padding = .longest, truncation = true
                if !lua.isNoneOrNil(3) {
                    try lua.checkOptionKeys(3, ["max_length", "padding", "truncation", "add_special_tokens"], what: "tokenizer option")
                    lua_getfield(lua.L, 3, "add_special_tokens")
                    let special = try lua.optBool(-1, true)
                    lua_settop(lua.L, -2)
                    if !special {
                        let rows = texts.map { tok.tokenizer.encode($0, addSpecialTokens: false) }
                        pushRows(lua, rows, single: single)
                        pushRows(lua, rows.map { [Int](repeating: 1, count: $0.count) }, single: single)
                        return 2
                    }
                    lua_getfield(lua.L, 3, "max_length"); maxLength = try lua.optInteger(-1); lua_settop(lua.L, -2)
                    lua_getfield(lua.L, 3, "truncation"); truncation = try lua.optBool(-1, true); lua_settop(lua.L, -2)
                    lua_getfield(lua.L, 3, "padding")
                    defer { lua_settop(lua.L, -2) }
                    if lua_type(lua.L, -1) == LUA_TBOOLEAN { padding = lua_toboolean(lua.L, -1) != 0 ? .longest : .none } else if !lua.isNoneOrNil(-1) {
                        switch try lua.string(-1) {
                        case "longest": padding = .longest
                        case "max_length": padding = .maxLength
                        case let other: throw lua.argError(3, "option 'padding': 'longest', 'max_length' or false expected, got '\(other)'")
                        }
                    }
                }
                if padding == .maxLength && maxLength == nil { throw lua.argError(3, "option 'padding' = 'max_length' needs max_length") }
                let r = tok.tokenizer.encode(batch: texts, maxLength: maxLength, padding: padding, truncation: truncation)
                pushRows(lua, r.ids, single: single)
                pushRows(lua, r.attentionMask, single: single)
                return 2
            },
            LuaMethod("decode", "tok:decode(ids[, skip_special_tokens=true]) -> string\nThe text for ids, through the tokenizer's decoder.") { lua, tok in
                let ids = try lua.integers(2)
                lua.push(tok.tokenizer.decode(ids, skipSpecialTokens: try lua.optBool(3, true)))
                return 1
            },
        ], metamethods: [
            LuaFunction("__index", "") { lua in
                // Methods first (the metatable), then the read-only field vocab_size.
                if lua.isString(2), try lua.string(2) == "vocab_size" { lua.push(try lua.object(1, as: TokenizerObject.self).tokenizer.vocabSize); return 1 }
                lua_getmetatable(lua.L, 1)
                lua_pushvalue(lua.L, 2)
                lua_rawget(lua.L, -2)
                return 1
            },
        ])
    }
}
