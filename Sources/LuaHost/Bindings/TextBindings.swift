import Diffusion
import Foundation
import Tensors
import Text

// Lua bindings of the sentence encoder: `foley.text.encode` and `foley.text.similarity`, through the
// default MiniLM (FoleyPaths.miniLM), loaded once per interpreter.

public enum TextBindings {
    static func conditioner(_ lua: Lua) throws -> TextConditioner {
        let host = LuaState.host(of: lua.L)
        if let c = host?.extensions["text.minilm"] as? TextConditioner { return c }
        let folder = FoleyPaths.miniLM
        guard FileManager.default.fileExists(atPath: folder.path) else {
            throw LuaRuntimeError("the MiniLM sentence encoder is not installed at \(folder.path)")
        }
        let c = try TextConditioner.load(encoderFolder: folder)
        host?.extensions["text.minilm"] = c
        return c
    }

    /// Unit-norm sentence embeddings [n, 384] of texts.
    static func embed(_ lua: Lua, _ texts: [String]) throws -> Tensor {
        let c = try conditioner(lua)
        return try GradMode.noGrad { try c.encode(texts).normalizedPooled }
    }

    /// A vector from a string (embedded) or a tensor (flattened) at i.
    static func vector(_ lua: Lua, _ i: Int32) throws -> Tensor {
        if lua.isString(i) { return try embed(lua, [try lua.string(i)]).reshape([-1]) }
        guard let t = lua.toObject(i, as: Tensor.self) else { throw lua.typeError(i, "string or Tensor") }
        return try t.reshape([-1])
    }

    public static func register(_ lua: LuaState) {
        lua.register(library: "text", help: "foley.text: sentence embeddings (MiniLM) for prompts.", [
            LuaFunction("encode", """
            encode(text or {texts}) -> Tensor
            Unit-norm sentence embeddings [n, 384], one row per text (the default MiniLM encoder).
            """) { lua in
                let texts = try lua.strings(1)
                guard !texts.isEmpty else { throw lua.argError(1, "at least one text expected") }
                lua.push(try embed(lua, texts))
                return 1
            },
            LuaFunction("similarity", """
            similarity(a, b) -> number
            Cosine similarity of two texts (embedded with MiniLM) or two vectors (Tensors).
            """) { lua in
                let a = try vector(lua, 1), b = try vector(lua, 2)
                guard a.count == b.count else { throw lua.argError(2, "vector of \(a.count) values expected, got \(b.count)") }
                let x = a.scalars, y = b.scalars
                var dot = 0.0, na = 0.0, nb = 0.0
                for k in 0..<x.count {
                    dot += Double(x[k]) * Double(y[k]); na += Double(x[k] * x[k]); nb += Double(y[k] * y[k])
                }
                lua.push(na == 0 || nb == 0 ? 0 : dot / (na.squareRoot() * nb.squareRoot()))
                return 1
            },
            ModuleBindings.tokenizerLoader,
        ])
    }
}
