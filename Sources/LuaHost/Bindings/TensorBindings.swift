import CLua
import CLuaShim
import Foundation
import Tensors

// Lua bindings of `Tensor`: `foley.tensor.*` constructors and I/O, `Tensor` methods, operators.
//
// Lua conventions (as Torch7, Lua being 1-based):
// - dimensions are 1-based, negative ones count from the end (-1 is the last);
// - `t[i]` indexes the first dimension, 1-based (negative from the end): a number for a 1-D
//   tensor, else a COPY of the sub-tensor (so `t[1][2] = v` does not write into t: write with
//   `t[{1, 2}] = v`); `t[{i, j, ...}]` indexes several dimensions, `t[{{1, 3}, 2}]` takes ranges
//   ({first, last}, {} for all; TensorViewBindings.swift); `t[i] = v` writes in place;
// - `t:slice(dim, first, last[, step])` is inclusive on both ends, like string.sub;
// - full reductions (`t:sum()`, `t:max()`, ...) return numbers; with dimensions, tensors;
// - indices returned (argmax) are 1-based.

extension Tensor: LuaObject {
    public static var luaTypeName: String { "Tensor" }
}

extension Lua {
    /// Pushes a tensor, telling the collector about its buffer.
    public func push(_ t: Tensor) { push(t, externalBytes: t.count * MemoryLayout<Float>.size) }

    /// A tensor argument.
    public func tensor(_ i: Int32) throws -> Tensor { try object(i, as: Tensor.self) }

    /// A 0-based axis from a 1-based (or negative) Lua dimension at argument i.
    public func dim(_ i: Int32, rank: Int) throws -> Int {
        try TensorBindings.axis(try integer(i), rank: rank, arg: i, lua: self)
    }

    /// One dimension or a table of dimensions at i, as 0-based axes; nil if absent.
    public func optDims(_ i: Int32, rank: Int) throws -> [Int]? {
        if isNoneOrNil(i) { return nil }
        if isTable(i) {
            return try integers(i, what: "dimension or table of dimensions").map {
                try TensorBindings.axis($0, rank: rank, arg: i, lua: self)
            }
        }
        guard isNumber(i) else { throw typeError(i, "dimension or table of dimensions") }
        return [try dim(i, rank: rank)]
    }

    /// A shape: a table of non-negative integers at i, or the integers from i on.
    public func shape(_ i: Int32, varargs: Bool = true) throws -> [Int] {
        let s = varargs ? try integersOrVarargs(i, what: "table of integers") : try integers(i)
        try TensorBindings.checkShape(s, arg: i, lua: self)
        try Tensor.checkAllocation(s)   // "not enough memory for a tensor of shape ..." instead of a failed allocation
        return s
    }
}

public enum TensorBindings {
    /// The largest tensor the bindings create (elements); beyond is surely a typo.
    static let maxElements = 1 << 30

    static func axis(_ d: Int, rank: Int, arg: Int32, lua: Lua) throws -> Int {
        if d >= 1 && d <= rank { return d - 1 }
        if d <= -1 && d >= -rank { return rank + d }
        throw lua.argError(arg, rank == 0 ? "dimension \(d) out of range (the tensor is 0-d)"
                                          : "dimension \(d) out of range (expected 1..\(rank) or -\(rank)..-1)")
    }

    static func checkShape(_ s: [Int], arg: Int32, lua: Lua) throws {
        if let bad = s.first(where: { $0 < 0 }) { throw lua.argError(arg, "negative size \(bad) in shape") }
        var n = 1
        for d in s {
            let (m, o) = n.multipliedReportingOverflow(by: d)
            guard !o, m <= maxElements else { throw lua.argError(arg, "shape \(shapeString(s)) is too large") }
            n = m
        }
    }

    static func shapeString(_ s: [Int]) -> String { s.isEmpty ? "()" : s.map(String.init).joined(separator: "x") }

    /// A 1-based (negative from the end) index into a dimension of size n, as 0-based.
    static func index(_ i: Int, size n: Int, lua: Lua, arg: Int32) throws -> Int {
        if i >= 1 && i <= n { return i - 1 }
        if i <= -1 && i >= -n { return n + i }
        throw lua.argError(arg, "index \(i) out of range for a dimension of size \(n)")
    }

    static func generator(_ lua: Lua) -> RandomGenerator {
        guard let host = LuaState.host(of: lua.L) else { return RandomGenerator(seed: defaultSeed) }
        if let g = host.extensions["tensor.generator"] as? RandomGenerator { return g }
        let g = RandomGenerator(seed: defaultSeed)
        host.extensions["tensor.generator"] = g
        return g
    }

    /// The seed of the shared generator until `manual_seed` (fixed: scripts are reproducible).
    static let defaultSeed: UInt64 = 67_280_421_310_721

    static func seedOrShared(_ lua: Lua, _ i: Int32) throws -> RandomGenerator {
        if let s = try lua.optInteger(i) { return RandomGenerator(seed: UInt64(bitPattern: Int64(s))) }
        return generator(lua)
    }

    /// randn/rand arguments: (shape_table[, seed]) or (d1, d2, ...).
    static func randomArgs(_ lua: Lua) throws -> ([Int], RandomGenerator) {
        if lua.isTable(1) { return (try lua.shape(1), try seedOrShared(lua, 2)) }
        return (try lua.shape(1), generator(lua))
    }

    // MARK: nested tables

    /// A tensor from a number or a (nested) table of numbers at i.
    static func fromLua(_ lua: Lua, _ i: Int32) throws -> Tensor {
        let L = lua.L
        if lua.isNumber(i) { return Tensor(scalar: Float(try lua.number(i))) }
        guard lua.isTable(i) else { throw lua.typeError(i, "number or nested table of numbers") }
        // The shape follows the first element at each depth.
        var shape: [Int] = []
        lua_pushvalue(L, i)
        while lua_type(L, -1) == LUA_TTABLE {
            guard shape.count < 32, lua_checkstack(L, 2) != 0 else {
                lua_settop(L, -2 - Int32(shape.count))
                throw lua.argError(i, "table nested too deeply")
            }
            let n = Int(lua_rawlen(L, -1))
            shape.append(n)
            if n == 0 { break }
            lua_rawgeti(L, -1, 1)
        }
        lua_settop(L, -2 - Int32(shape.count - (shape.last == 0 ? 1 : 0)))
        try checkShape(shape, arg: i, lua: lua)
        var data = [Float]()
        data.reserveCapacity(Tensor.count(of: shape))
        func fill(_ idx: Int32, depth: Int, path: String) throws {
            let n = Int(lua_rawlen(L, idx))
            if n != shape[depth] {
                throw lua.argError(i, "ragged nested table: \(path.isEmpty ? "the table" : path) has \(n) elements, expected \(shape[depth])")
            }
            for k in 1...max(n, 1) where n > 0 {
                lua_rawgeti(L, idx, lua_Integer(k))
                defer { lua_settop(L, -2) }
                let here = "\(path)[\(k)]"
                if depth == shape.count - 1 {
                    guard lua_type(L, -1) == LUA_TNUMBER else {
                        throw lua.argError(i, "nested table of numbers expected, got \(lua.typeName(-1)) at \(here)")
                    }
                    data.append(Float(lua_tonumberx(L, -1, nil)))
                } else {
                    guard lua_type(L, -1) == LUA_TTABLE else {
                        throw lua.argError(i, "ragged nested table: \(here) is a \(lua.typeName(-1)), expected a table")
                    }
                    guard lua_checkstack(L, 2) != 0 else { throw lua.argError(i, "table nested too deeply") }
                    try fill(lua_gettop(L), depth: depth + 1, path: here)
                }
            }
        }
        try fill(lua_absindex(L, i), depth: 0, path: "")
        return Tensor(shape: shape, data: data)
    }

    /// Pushes the values as nested tables (a number for a 0-d tensor).
    static func pushTable(_ lua: Lua, _ t: Tensor) {
        let L = lua.L
        if t.rank == 0 { lua.push(t.pointer[0]); return }
        let st = Tensor.strides(of: t.shape)
        func build(_ depth: Int, _ offset: Int) {
            let n = t.shape[depth]
            lua_createtable(L, Int32(n), 0)
            for k in 0..<n {
                if depth == t.rank - 1 { lua_pushnumber(L, Double(t.pointer[offset + k])) } else {
                    _ = lua_checkstack(L, 2)
                    build(depth + 1, offset + k * st[depth])
                }
                lua_rawseti(L, -2, lua_Integer(k + 1))
            }
        }
        build(0, 0)
    }

    // MARK: element access

    /// The 0-based indices for `t[k]` with k an integer or a table of integers at `arg`.
    static func elementIndices(_ lua: Lua, _ t: Tensor, _ arg: Int32) throws -> [Int]? {
        let raw: [Int]
        if lua.isNumber(arg) { raw = [try lua.integer(arg)] } else if lua.isTable(arg) { raw = try lua.integers(arg, what: "table of indices") } else { return nil }
        guard t.rank > 0 else { throw LuaRuntimeError("cannot index a 0-d tensor (use t:item())") }
        guard raw.count <= t.rank else {
            throw LuaRuntimeError("too many indices (\(raw.count)) for a \(t.rank)-d tensor")
        }
        return try raw.enumerated().map { d, i in try position(i, size: t.shape[d], dim: d) }
    }

    /// The flat offset, shape and element count of the block `t[idx]` addresses.
    static func block(_ t: Tensor, _ idx: [Int]) -> (offset: Int, shape: [Int], count: Int) {
        let st = Tensor.strides(of: t.shape)
        let offset = zip(idx, st).map(*).reduce(0, +)
        let sub = Array(t.shape[idx.count...])
        return (offset, sub, Tensor.count(of: sub))
    }

    static func index(_ lua: Lua) throws -> Int32 {
        let L = lua.L
        if lua.isString(2) {
            // Methods live in the metatable.
            guard lua_getmetatable(L, 1) != 0 else { return 0 }
            lua_pushvalue(L, 2)
            lua_rawget(L, -2)
            return 1
        }
        let t = try lua.tensor(1)
        if let region = try rangeIndex(lua, t, 2) { readRange(lua, t, region); return 1 }
        guard let idx = try elementIndices(lua, t, 2) else { lua.pushNil(); return 1 }
        let (offset, sub, n) = block(t, idx)
        if sub.isEmpty {
            lua.push(t.pointer[offset])
        } else {
            let out = Tensor.zeros(sub)
            out.pointer.update(from: t.pointer + offset, count: n)
            lua.push(out)
        }
        return 1
    }

    static func newindex(_ lua: Lua) throws -> Int32 {
        let t = try lua.tensor(1)
        if let region = try rangeIndex(lua, t, 2) { try writeRange(lua, t, region, value: 3); return 0 }
        guard let idx = try elementIndices(lua, t, 2) else {
            throw LuaRuntimeError("cannot set field '\(lua.isString(2) ? try lua.string(2) : lua.typeName(2))' of a Tensor (index with integers)")
        }
        let (offset, sub, n) = block(t, idx)
        if lua.isNumber(3) {
            (t.pointer + offset).update(repeating: Float(try lua.number(3)), count: n)
        } else if let v = lua.toObject(3, as: Tensor.self) {
            guard v.count == n else {
                throw LuaRuntimeError("cannot assign a tensor of size \(shapeString(v.shape)) to a block of size \(shapeString(sub))")
            }
            (t.pointer + offset).update(from: v.pointer, count: n)
        } else {
            throw LuaRuntimeError("cannot assign a \(lua.typeName(3)) to a Tensor element (number or Tensor expected)")
        }
        return 0
    }

    // MARK: arithmetic

    /// A binary operator or method: each side a Tensor or a number.
    static func binary(_ lua: Lua, _ symbol: String,
                       _ tt: (Tensor, Tensor) throws -> Tensor,
                       _ ts: (Tensor, Float) throws -> Tensor,
                       _ st: (Float, Tensor) throws -> Tensor) throws -> Int32 {
        let a = lua.toObject(1, as: Tensor.self), b = lua.toObject(2, as: Tensor.self)
        let result: Tensor
        if let a, let b { result = try tt(a, b) } else if let a, lua.isNumber(2) {
            result = try ts(a, Float(try lua.number(2)))
        } else if let b, lua.isNumber(1) {
            result = try st(Float(try lua.number(1)), b)
        } else {
            throw LuaRuntimeError("attempt to perform '\(symbol)' on \(lua.typeName(1)) and \(lua.typeName(2)) (Tensor or number expected)")
        }
        lua.push(result)
        return 1
    }

    static func unary(_ name: String, _ help: String, _ f: @escaping (Tensor) throws -> Tensor) -> LuaMethod<Tensor> {
        LuaMethod(name, help) { lua, t in lua.push(try f(t)); return 1 }
    }

    /// sum/mean/max/min: a number for a full reduction, else a tensor over the given dims.
    static func reduction(_ name: String, _ f: @escaping (Tensor, [Int]?, Bool) throws -> Tensor) -> LuaMethod<Tensor> {
        LuaMethod(name, """
        t:\(name)([dim | {dims}][, keepdim]) -> number | Tensor
        \(name.capitalized) over all elements (a number; a 0-d tensor when t records gradients)
        or over the given dimensions (a tensor; keepdim keeps them as size 1).
        """) { lua, t in
            let dims = try lua.optDims(2, rank: t.rank)
            let keep = try lua.optBool(3, false)
            if (name == "max" || name == "min"), t.count == 0 || (dims ?? []).contains(where: { t.shape[$0] == 0 }) {
                throw LuaRuntimeError("\(name) of an empty tensor")
            }
            let r = try f(t, dims, keep)
            // A full reduction is a number, unless it is part of a recorded graph (loss:backward()).
            if dims == nil && !r.requiresGrad { lua.push(r.pointer[0]) } else { lua.push(r) }
            return 1
        }
    }

    static func matmul(_ a: Tensor, _ b: Tensor) throws -> Tensor {
        guard a.count > 0, b.count > 0 else {
            throw LuaRuntimeError("matmul: empty operand (sizes \(shapeString(a.shape)) and \(shapeString(b.shape)))")
        }
        guard a.rank >= 1, b.rank >= 1 else { throw LuaRuntimeError("matmul: both operands need at least 1 dimension, got \(shapeString(a.shape)) and \(shapeString(b.shape))") }
        if a.rank == 1 && b.rank == 1 {
            guard a.count == b.count else { throw LuaRuntimeError("matmul: vectors of sizes \(a.count) and \(b.count)") }
            return try (a * b).sum()
        }
        return try a.matmul(b)
    }

    // MARK: registration

    public static func register(_ lua: LuaState) {
        lua.register(library: "tensor", help: """
        foley.tensor: n-d float32 tensors.
        Create with zeros/ones/full/arange/linspace/randn/rand or from nested tables
        (foley.tensor{{1,2},{3,4}}); operators + - * / ^ and unary -; t[i] indexes the first
        dimension (1-based, a copy for sub-tensors), t[{i,j}] several, t[{{1,3},{}}] ranges ({} all),
        t[i] = v writes in place; view/narrow/select and add_/mul_/copy_ as in Torch.
        Dimensions are 1-based, negative from the end. `:help Tensor` lists the methods.
        """, functions)
        lua.register(type: Tensor.self, help: """
        Tensor: an n-d float32 array (row-major, contiguous) with autograd.
        print(t) shows the values with a shared format and a `[Tensor of size 2x3]` footer;
        inside tables it shows as Tensor[2x3]. `#t` is the size of the first dimension.
        """, methods: methods + viewMethods, metamethods: metamethods)
        // foley.tensor{...} is foley.tensor.from{...}.
        let L = lua.L
        lua.pushLibrary("tensor")
        foley_lua_newtable(L)
        Lua(L).setField(-1, "__call") {
            Lua(L).push(function: "foley.tensor") { lua in
                foley_lua_remove(lua.L, 1)   // the library table: count arguments as foley.tensor.from does
                lua.push(try fromLua(lua, 1))
                return 1
            }
        }
        lua_setmetatable(L, -2)
        foley_lua_pop(L, 1)
    }

    static let methods: [LuaMethod<Tensor>] = [
        LuaMethod("shape", "t:shape() -> {sizes}\nThe sizes of the dimensions as a table ({} for a 0-d tensor).") { lua, t in
            lua.push(integers: t.shape); return 1
        },
        LuaMethod("size", "t:size([dim]) -> integer | {sizes}\nThe size of dimension dim, or the shape as a table.") { lua, t in
            if lua.isNoneOrNil(2) { lua.push(integers: t.shape) } else { lua.push(t.shape[try lua.dim(2, rank: t.rank)]) }
            return 1
        },
        LuaMethod("numel", "t:numel() -> integer\nThe number of elements.") { lua, t in lua.push(t.count); return 1 },
        LuaMethod("dim", "t:dim() -> integer\nThe number of dimensions (0 for a scalar tensor).") { lua, t in lua.push(t.rank); return 1 },
        LuaMethod("reshape", """
        t:reshape(shape) -> Tensor
        The same values in a new shape (one size may be -1): t:reshape{3, -1} or t:reshape(3, 2).
        Shares memory with t.
        """) { lua, t in
            let s = try lua.integersOrVarargs(2)
            if let bad = s.first(where: { $0 < -1 }) { throw lua.argError(2, "negative size \(bad) in shape") }
            guard s.filter({ $0 == -1 }).count <= 1 else { throw lua.argError(2, "only one size can be -1") }
            lua.push(try t.reshape(s)); return 1
        },
        LuaMethod("flatten", "t:flatten() -> Tensor\nThe values as a 1-D tensor (shares memory).") { lua, t in
            lua.push(try t.reshape([t.count])); return 1
        },
        LuaMethod("squeeze", "t:squeeze([dim]) -> Tensor\nRemoves dimension dim if its size is 1, or every size-1 dimension.") { lua, t in
            if lua.isNoneOrNil(2) { lua.push(try t.reshape(t.shape.filter { $0 != 1 })) } else { lua.push(try t.squeeze(try lua.dim(2, rank: t.rank))) }
            return 1
        },
        LuaMethod("unsqueeze", "t:unsqueeze(dim) -> Tensor\nInserts a size-1 dimension at position dim (1..rank+1, or -1 for last).") { lua, t in
            let a = try axis(try lua.integer(2), rank: t.rank + 1, arg: 2, lua: lua)
            lua.push(try t.unsqueeze(a)); return 1
        },
        LuaMethod("permute", "t:permute(dims) -> Tensor\nReorders dimensions: t:permute{2, 1} or t:permute(2, 1).") { lua, t in
            let d = try lua.integersOrVarargs(2, what: "table of dimensions").map { try axis($0, rank: t.rank, arg: 2, lua: lua) }
            guard d.count == t.rank, Set(d).count == t.rank else {
                throw lua.argError(2, "a permutation of the \(t.rank) dimensions expected")
            }
            lua.push(try t.permute(d)); return 1
        },
        LuaMethod("transpose", "t:transpose(dim1, dim2) -> Tensor\nSwaps two dimensions.") { lua, t in
            lua.push(try t.transpose(try lua.dim(2, rank: t.rank), try lua.dim(3, rank: t.rank))); return 1
        },
        LuaMethod("t", "t:t() -> Tensor\nThe transpose of a 2-D tensor.") { lua, t in
            guard t.rank == 2 else { throw LuaRuntimeError("t(): expected a 2-D tensor, got \(shapeString(t.shape))") }
            lua.push(try t.transpose(0, 1)); return 1
        },
        LuaMethod("expand", "t:expand(shape) -> Tensor\nBroadcasts size-1 dimensions to shape (a copy).") { lua, t in
            lua.push(try t.expand(try lua.shape(2))); return 1
        },
        LuaMethod("slice", """
        t:slice(dim, first[, last[, step]]) -> Tensor
        Elements first..last (inclusive, 1-based, negative from the end; last defaults to -1)
        along dim: t:slice(2, 1, 3) keeps the first three columns.
        """) { lua, t in
            let a = try lua.dim(2, rank: t.rank), n = t.shape[a]
            var first = try lua.integer(3), last = try lua.optInteger(4, -1)
            let step = try lua.optInteger(5, 1)
            guard step >= 1 else { throw lua.argError(5, "step must be positive, got \(step)") }
            if first < 0 { first += n + 1 }
            if last < 0 { last += n + 1 }
            lua.push(try t.slice(axis: a, start: max(first - 1, 0), end: max(last, max(first - 1, 0)), step: step)); return 1
        },
        LuaMethod("index", "t:index(dim, {indices}) -> Tensor\nPicks the given 1-based indices along dim (index_select).") { lua, t in
            let a = try lua.dim(2, rank: t.rank)
            let idx = try lua.integers(3, what: "table of indices").map { try index($0, size: t.shape[a], lua: lua, arg: 3) }
            lua.push(try t.indexSelect(axis: a, idx)); return 1
        },
        reduction("sum") { t, d, k in try t.sum(axes: d, keepDim: k) },
        reduction("mean") { t, d, k in try t.mean(axes: d, keepDim: k) },
        reduction("max") { t, d, k in try t.max(axes: d, keepDim: k) },
        reduction("min") { t, d, k in try t.min(axes: d, keepDim: k) },
        LuaMethod("argmax", """
        t:argmax([dim]) -> integer | Tensor
        1-based index of the largest value: over all elements (a number), or along dim (a tensor
        of indices with that dimension removed).
        """) { lua, t in
            guard t.count > 0 else { throw LuaRuntimeError("argmax of an empty tensor") }
            if lua.isNoneOrNil(2) {
                lua.push(try t.reshape([t.count]).argmax(axis: 0)[0] + 1)
            } else {
                let a = try lua.dim(2, rank: t.rank)
                var s = t.shape
                s.remove(at: a)
                lua.push(Tensor(shape: s, data: try t.argmax(axis: a).map { Float($0 + 1) }))
            }
            return 1
        },
        LuaMethod("softmax", "t:softmax([dim]) -> Tensor\nSoftmax along dim (default -1, the last).") { lua, t in
            guard t.rank > 0 else { throw LuaRuntimeError("softmax of a 0-d tensor") }
            lua.push(try t.softmax(axis: lua.isNoneOrNil(2) ? t.rank - 1 : try lua.dim(2, rank: t.rank))); return 1
        },
        LuaMethod("log_softmax", "t:log_softmax([dim]) -> Tensor\nLog of softmax along dim (default -1).") { lua, t in
            guard t.rank > 0 else { throw LuaRuntimeError("log_softmax of a 0-d tensor") }
            lua.push(try t.logSoftmax(axis: lua.isNoneOrNil(2) ? t.rank - 1 : try lua.dim(2, rank: t.rank))); return 1
        },
        LuaMethod("matmul", "t:matmul(other) -> Tensor\nMatrix product (batched, broadcasting).") { lua, t in
            lua.push(try matmul(t, try lua.tensor(2))); return 1
        },
        unary("exp", "t:exp() -> Tensor") { $0.exp() },
        unary("log", "t:log() -> Tensor\nNatural logarithm.") { $0.log() },
        unary("sqrt", "t:sqrt() -> Tensor") { $0.sqrt() },
        unary("tanh", "t:tanh() -> Tensor") { $0.tanh() },
        unary("sigmoid", "t:sigmoid() -> Tensor") { $0.sigmoid() },
        unary("silu", "t:silu() -> Tensor\nx * sigmoid(x).") { $0.silu() },
        unary("relu", "t:relu() -> Tensor") { $0.relu() },
        unary("abs", "t:abs() -> Tensor") { $0.abs() },
        unary("sin", "t:sin() -> Tensor") { $0.sin() },
        unary("cos", "t:cos() -> Tensor") { $0.cos() },
        unary("neg", "t:neg() -> Tensor\n-t.") { -$0 },
        LuaMethod("gelu", "t:gelu([\"tanh\"]) -> Tensor\nGELU, exact (erf) or with the tanh approximation.") { lua, t in
            let approx = try lua.optString(2)
            if let approx, approx != "tanh" { throw lua.argError(2, "\"tanh\" or nothing expected, got \"\(approx)\"") }
            lua.push(t.gelu(approximate: approx != nil)); return 1
        },
        LuaMethod("clamp", "t:clamp([min][, max]) -> Tensor\nLimits values to [min, max]; either bound may be nil.") { lua, t in
            let lo = try lua.optNumber(2), hi = try lua.optNumber(3)
            lua.push(t.clamp(min: lo.map(Float.init) ?? -.infinity, max: hi.map(Float.init) ?? .infinity)); return 1
        },
        LuaMethod("pow", "t:pow(e) -> Tensor\nElementwise power, e a number or a Tensor (also t ^ e).") { lua, t in
            if let e = lua.toObject(2, as: Tensor.self) { lua.push(try t.pow(e)) } else { lua.push(t.pow(Float(try lua.number(2)))) }
            return 1
        },
        LuaMethod("add", "t:add(x) -> Tensor\nt + x, x a Tensor or a number.") { lua, _ in
            try binary(lua, "+", { try $0 + $1 }, { $0 + $1 }, { $0 + $1 })
        },
        LuaMethod("sub", "t:sub(x) -> Tensor\nt - x.") { lua, _ in
            try binary(lua, "-", { try $0 - $1 }, { $0 - $1 }, { $0 - $1 })
        },
        LuaMethod("mul", "t:mul(x) -> Tensor\nt * x (elementwise).") { lua, _ in
            try binary(lua, "*", { try $0 * $1 }, { $0 * $1 }, { $0 * $1 })
        },
        LuaMethod("div", "t:div(x) -> Tensor\nt / x.") { lua, _ in
            try binary(lua, "/", { try $0 / $1 }, { $0 / $1 }, { try $0 / $1 })
        },
        LuaMethod("item", "t:item() -> number\nThe value of a one-element tensor.") { lua, t in
            guard t.count == 1 else { throw LuaRuntimeError("item: the tensor has \(t.count) elements (size \(shapeString(t.shape))), expected 1") }
            lua.push(t.pointer[0]); return 1
        },
        LuaMethod("totable", "t:totable() -> table | number\nThe values as nested tables (a number for a 0-d tensor).") { lua, t in
            pushTable(lua, t); return 1
        },
        LuaMethod("clone", "t:clone() -> Tensor\nA copy with its own memory.") { lua, t in lua.push(t.copy()); return 1 },
        LuaMethod("fill", "t:fill(value) -> t\nSets every element to value, in place.") { lua, t in
            t.pointer.update(repeating: Float(try lua.number(2)), count: t.count)
            lua_pushvalue(lua.L, 1); return 1
        },
        LuaMethod("equal", "t:equal(other) -> boolean\nSame shape and exactly the same values.") { lua, t in
            let o = try lua.tensor(2)
            lua.push(o.shape == t.shape && (0..<t.count).allSatisfy { t.pointer[$0] == o.pointer[$0] }); return 1
        },
        LuaMethod("allclose", "t:allclose(other[, rtol[, atol]]) -> boolean\n|t - other| <= atol + rtol * |other| everywhere (defaults 1e-5, 1e-8).") { lua, t in
            let o = try lua.tensor(2)
            let rtol = Float(try lua.optNumber(3, 1e-5)), atol = Float(try lua.optNumber(4, 1e-8))
            lua.push(o.shape == t.shape && (0..<t.count).allSatisfy {
                Swift.abs(t.pointer[$0] - o.pointer[$0]) <= atol + rtol * Swift.abs(o.pointer[$0])
            })
            return 1
        },
        LuaMethod("requires_grad", "t:requires_grad([flag]) -> t\nMarks t as a leaf that accumulates gradients (flag defaults to true).") { lua, t in
            t.requiresGrad = try lua.optBool(2, true)
            lua_pushvalue(lua.L, 1); return 1
        },
        LuaMethod("backward", "t:backward([gradient])\nBack-propagates from t (a one-element tensor unless gradient is given).") { lua, t in
            let g = try lua.optObject(2, as: Tensor.self)
            if let g, g.shape != t.shape {
                throw lua.argError(2, "gradient of size \(shapeString(g.shape)) for a tensor of size \(shapeString(t.shape))")
            }
            try t.backward(g); return 0
        },
        LuaMethod("grad", "t:grad() -> Tensor | nil\nThe gradient accumulated by backward().") { lua, t in
            if let g = t.grad { lua.push(g) } else { lua.pushNil() }
            return 1
        },
        LuaMethod("zero_grad", "t:zero_grad() -> t\nForgets the accumulated gradient.") { lua, t in
            t.grad = nil
            lua_pushvalue(lua.L, 1); return 1
        },
        LuaMethod("detach", "t:detach() -> Tensor\nThe same values without autograd history (shares memory).") { lua, t in
            lua.push(t.detach()); return 1
        },
    ]

    static let metamethods: [LuaFunction] = [
        LuaFunction("__index", "", index),
        LuaFunction("__newindex", "", newindex),
        LuaFunction("__len") { lua in
            let t = try lua.tensor(1)
            guard t.rank > 0 else { throw LuaRuntimeError("attempt to get the length of a 0-d tensor") }
            lua.push(t.shape[0]); return 1
        },
        LuaFunction("__add") { lua in try binary(lua, "+", { try $0 + $1 }, { $0 + $1 }, { $0 + $1 }) },
        LuaFunction("__sub") { lua in try binary(lua, "-", { try $0 - $1 }, { $0 - $1 }, { $0 - $1 }) },
        LuaFunction("__mul") { lua in try binary(lua, "*", { try $0 * $1 }, { $0 * $1 }, { $0 * $1 }) },
        LuaFunction("__div") { lua in try binary(lua, "/", { try $0 / $1 }, { $0 / $1 }, { try $0 / $1 }) },
        LuaFunction("__pow") { lua in
            try binary(lua, "^", { try $0.pow($1) }, { $0.pow($1) }, { try Tensor(scalar: $0).pow($1) })
        },
        LuaFunction("__unm") { lua in lua.push(-(try lua.tensor(1))); return 1 },
    ]
}
