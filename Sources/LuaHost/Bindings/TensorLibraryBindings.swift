import CLua
import CLuaShim
import Foundation
import Tensors

// `foley.tensor.*`: the constructors (zeros, ones, full, arange, linspace, randn, rand, from), seeding, cat/stack,
// matmul, no_grad and safetensors I/O. The Tensor methods are in TensorBindings.swift and TensorViewBindings.swift.

extension TensorBindings {
    static let functions: [LuaFunction] = [
        LuaFunction("zeros", "zeros(shape) -> Tensor\nA tensor of zeros: zeros{2, 3} or zeros(2, 3).") { lua in
            lua.push(Tensor.zeros(try lua.shape(1))); return 1
        },
        LuaFunction("ones", "ones(shape) -> Tensor\nA tensor of ones: ones{2, 3} or ones(2, 3).") { lua in
            lua.push(Tensor.ones(try lua.shape(1))); return 1
        },
        LuaFunction("full", "full(shape, value) -> Tensor\nA tensor filled with value: full({2, 3}, 7).") { lua in
            let s = try lua.shape(1, varargs: false)
            lua.push(Tensor.full(s, Float(try lua.number(2)))); return 1
        },
        LuaFunction("arange", """
        arange(n) | arange(start, stop[, step]) -> Tensor
        Values start, start+step, ... below stop, as torch.arange (arange(4) is 0, 1, 2, 3).
        """) { lua in
            let a = try lua.number(1)
            let (start, stop) = lua.isNoneOrNil(2) ? (0, a) : (a, try lua.number(2))
            let step = try lua.optNumber(3, 1)
            guard step != 0 else { throw lua.argError(3, "step must not be zero") }
            guard start.isFinite, stop.isFinite, step.isFinite else { throw LuaRuntimeError("arange: bounds and step must be finite") }
            let n = max(0, ((stop - start) / step).rounded(.up))
            guard n <= Double(maxElements) else { throw lua.argError(2, "range too large") }
            lua.push(Tensor.arange(Float(start), Float(stop), step: Float(step))); return 1
        },
        LuaFunction("linspace", "linspace(start, stop, n) -> Tensor\nn evenly spaced values from start to stop inclusive.") { lua in
            let a = try lua.number(1), b = try lua.number(2), n = try lua.integer(3)
            guard n >= 1, n <= maxElements else { throw lua.argError(3, "count must be at least 1, got \(n)") }
            lua.push(Tensor.linspace(Float(a), Float(b), n)); return 1
        },
        LuaFunction("randn", """
        randn(shape[, seed]) -> Tensor
        Standard normal values: randn({2, 3}, 42) from a generator seeded 42; randn{2, 3} or
        randn(2, 3) from the shared generator (see manual_seed).
        """) { lua in
            let (s, g) = try randomArgs(lua)
            lua.push(Tensor.randn(s, generator: g)); return 1
        },
        LuaFunction("rand", """
        rand(shape[, seed]) -> Tensor
        Uniform values in [0, 1): rand({2, 3}, 42) seeded, rand{2, 3} from the shared generator.
        """) { lua in
            let (s, g) = try randomArgs(lua)
            lua.push(Tensor.rand(s, generator: g)); return 1
        },
        LuaFunction("manual_seed", "manual_seed(seed)\nReseeds the shared generator used by randn/rand without a seed.") { lua in
            let s = try lua.integer(1)
            LuaState.host(of: lua.L)?.extensions["tensor.generator"] = RandomGenerator(seed: UInt64(bitPattern: Int64(s)))
            return 0
        },
        LuaFunction("from", """
        from(values) -> Tensor
        A tensor from a number (0-d) or nested tables of numbers: from{{1, 2}, {3, 4}} is 2x2.
        Also foley.tensor{...}.
        """) { lua in lua.push(try fromLua(lua, 1)); return 1 },
        LuaFunction("is_tensor", "is_tensor(v) -> boolean") { lua in
            lua.push(lua.toObject(1, as: Tensor.self) != nil); return 1
        },
        LuaFunction("cat", "cat({tensors}[, dim]) -> Tensor\nJoins tensors along dim (default 1).") { lua in
            let ts = try tensorList(lua, 1)
            let d = try lua.isNoneOrNil(2) ? 0 : lua.dim(2, rank: ts[0].rank)
            lua.push(try Tensor.concat(ts, axis: d)); return 1
        },
        LuaFunction("stack", "stack({tensors}[, dim]) -> Tensor\nStacks same-shaped tensors along a new dim (default 1).") { lua in
            let ts = try tensorList(lua, 1)
            guard ts.allSatisfy({ $0.shape == ts[0].shape }) else { throw lua.argError(1, "tensors of different shapes") }
            let d = try lua.isNoneOrNil(2) ? 0 : axis(try lua.integer(2), rank: ts[0].rank + 1, arg: 2, lua: lua)
            lua.push(try Tensor.stack(ts, axis: d)); return 1
        },
        LuaFunction("matmul", "matmul(a, b) -> Tensor\nMatrix product (batched, broadcasting; 1-D operands as in torch.matmul).") { lua in
            lua.push(try matmul(try lua.tensor(1), try lua.tensor(2))); return 1
        },
        LuaFunction("no_grad", "no_grad(fn, ...) -> results of fn\nCalls fn with autograd recording off.") { lua in
            try GradMode.noGrad { try lua.callFunctionArgument() }
        },
        LuaFunction("save", """
        save(path, {name = tensor, ...}[, {dtype = "f16", metadata = {k = "v"}}])
        Writes a safetensors file (float32 unless dtype is "f16"), atomically.
        """) { lua in
            let path = try lua.string(1)
            try lua.checkTable(2)
            var tensors: [String: Tensor] = [:]
            let L = lua.L
            lua_pushnil(L)
            while lua_next(L, 2) != 0 {
                defer { lua_settop(L, -2) }
                guard lua_type(L, -2) == LUA_TSTRING else { throw lua.argError(2, "table of Tensors by name expected, got a \(lua.typeName(-2)) key") }
                let key = String(cString: lua_tolstring(L, -2, nil))
                guard let t = lua.toObject(-1, as: Tensor.self) else {
                    throw lua.argError(2, "table of Tensors expected, got \(lua.typeName(-1)) at key '\(key)'")
                }
                tensors[key] = t
            }
            var type = SafeTensorsFile.StorageType.f32
            var meta: [String: String] = [:]
            if !lua.isNoneOrNil(3) {
                try lua.checkTable(3)
                if let d = try lua.field(3, "dtype", { lua.isNoneOrNil($0) ? nil : try lua.string($0) }) {
                    switch d.lowercased() {
                    case "f32", "float32": type = .f32
                    case "f16", "float16": type = .f16
                    default: throw lua.argError(3, "dtype must be \"f32\" or \"f16\", got \"\(d)\"")
                    }
                }
                try lua.field(3, "metadata") { m in
                    guard !lua.isNoneOrNil(m) else { return }
                    guard lua.isTable(m) else { throw lua.argError(3, "metadata must be a table of strings") }
                    lua_pushnil(L)
                    while lua_next(L, m) != 0 {
                        if lua_type(L, -2) == LUA_TSTRING, lua_type(L, -1) == LUA_TSTRING {
                            meta[String(cString: lua_tolstring(L, -2, nil))] = String(cString: lua_tolstring(L, -1, nil))
                        }
                        lua_settop(L, -2)
                    }
                }
            }
            try SafeTensorsFile.save(tensors, to: path, as: type, metadata: meta)
            return 0
        },
        LuaFunction("load", """
        load(path) -> {name = tensor, ...}, metadata
        Reads every tensor of a safetensors file (any float or int dtype, as float32).
        """) { lua in
            let file = try SafeTensorsFile(path: try lua.string(1))
            let all = try file.all()
            lua_createtable(lua.L, 0, Int32(all.count))
            for k in all.keys.sorted() { lua.setField(-1, k) { lua.push(all[k]!) } }
            lua_createtable(lua.L, 0, Int32(file.metadata.count))
            for (k, v) in file.metadata { lua.setField(-1, k) { lua.push(v) } }
            return 2
        },
    ]

    static func tensorList(_ lua: Lua, _ i: Int32) throws -> [Tensor] {
        try lua.checkTable(i)
        let n = lua.rawLength(i)
        guard n > 0 else { throw lua.argError(i, "non-empty table of Tensors expected") }
        return try (1...n).map { k in
            lua_rawgeti(lua.L, i, lua_Integer(k))
            defer { lua_settop(lua.L, -2) }
            guard let t = lua.toObject(-1, as: Tensor.self) else {
                throw lua.argError(i, "table of Tensors expected, got \(lua.typeName(-1)) at index \(k)")
            }
            return t
        }
    }
}
