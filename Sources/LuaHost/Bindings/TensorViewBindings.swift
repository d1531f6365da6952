import CLua
import CLuaShim
import Foundation
import Tensors

// The Tensor methods a Torch7 or PyTorch user reaches for first: view/narrow/select, std/var, the in-place
// family (add_, mul_, copy_, ...), and indexing with ranges (t[{{1, 3}, 2}]). They convert and call: the
// arithmetic is Tensors', and in-place results are computed as usual, then written over the tensor's memory.

extension TensorBindings {
    static let viewMethods: [LuaMethod<Tensor>] = [
        LuaMethod("view", """
        t:view(shape) -> Tensor
        The same values in a new shape (one size may be -1), sharing t's memory: writing one writes the other.
        """) { lua, t in
            lua.push(try t.reshape(try lua.shape(2))); return 1
        },
        LuaMethod("narrow", """
        t:narrow(dim, start, length) -> Tensor
        `length` elements along dim from `start` (1-based), as torch.narrow (a copy; t:slice takes first..last).
        """) { lua, t in
            let a = try lua.dim(2, rank: t.rank), n = t.shape[a]
            let start = try index(try lua.integer(3), size: n, lua: lua, arg: 3), length = try lua.integer(4)
            guard length >= 0, start + length <= n else {
                throw lua.argError(4, "length \(length) from index \(start + 1) runs past the dimension's size \(n)")
            }
            lua.push(try t.slice(axis: a, start: start, end: start + length)); return 1
        },
        LuaMethod("select", """
        t:select(dim, index) -> Tensor
        The slice at `index` (1-based, negative from the end) along dim, that dimension removed.
        """) { lua, t in
            let a = try lua.dim(2, rank: t.rank)
            let i = try index(try lua.integer(3), size: t.shape[a], lua: lua, arg: 3)
            var shape = t.shape
            shape.remove(at: a)
            lua.push(try t.slice(axis: a, start: i, end: i + 1).reshape(shape)); return 1
        },
        reduction("var") { t, d, k in try t.variance(axes: d, keepDim: k) },
        reduction("std") { t, d, k in try t.variance(axes: d, keepDim: k).sqrt() },
        inPlace("add_", "t + x") { try $0 + $1 } scalar: { $0 + $1 },
        inPlace("sub_", "t - x") { try $0 - $1 } scalar: { $0 - $1 },
        inPlace("mul_", "t * x") { try $0 * $1 } scalar: { $0 * $1 },
        inPlace("div_", "t / x") { try $0 / $1 } scalar: { $0 / $1 },
        LuaMethod("copy_", "t:copy_(src) -> t\nWrites src's values (broadcast to t's size) into t, in place.") { lua, t in
            try writeInPlace(lua, t, try lua.tensor(2).expand(t.shape)); return 1
        },
        LuaMethod("zero_", "t:zero_() -> t\nSets every element to 0, in place.") { lua, t in
            try fillInPlace(lua, t, 0); return 1
        },
        LuaMethod("fill_", "t:fill_(value) -> t\nSets every element to value, in place (as t:fill).") { lua, t in
            try fillInPlace(lua, t, Float(try lua.number(2))); return 1
        },
    ]

    /// An in-place arithmetic method: `t:name(x)` computes `op` and writes it over t, which must keep its size.
    static func inPlace(_ name: String, _ what: String, _ tensor: @escaping (Tensor, Tensor) throws -> Tensor,
                        scalar: @escaping (Tensor, Float) -> Tensor) -> LuaMethod<Tensor> {
        LuaMethod(name, "t:\(name)(x) -> t\n\(what), written into t (x a Tensor broadcast to t's size, or a number).") { lua, t in
            let result = try lua.toObject(2, as: Tensor.self).map { try tensor(t, $0) } ?? scalar(t, Float(try lua.number(2)))
            try writeInPlace(lua, t, result)
            return 1
        }
    }

    /// Refuses an in-place change where autograd would be fooled.
    static func checkInPlace(_ t: Tensor) throws {
        guard !t.requiresGrad else {
            throw LuaRuntimeError("a tensor that records gradients cannot be changed in place (use the out-of-place method, or t:detach())")
        }
    }

    /// Sets every element of t to `value` and leaves t on the stack.
    static func fillInPlace(_ lua: Lua, _ t: Tensor, _ value: Float) throws {
        try checkInPlace(t)
        t.pointer.update(repeating: value, count: t.count)
        lua_pushvalue(lua.L, 1)
    }

    /// Writes `values` over t's memory and leaves t on the stack.
    static func writeInPlace(_ lua: Lua, _ t: Tensor, _ values: Tensor) throws {
        try checkInPlace(t)
        guard values.shape == t.shape else {
            throw LuaRuntimeError("in-place result of size \(shapeString(values.shape)) does not fit a tensor of size \(shapeString(t.shape))")
        }
        if values.pointer != t.pointer { t.pointer.update(from: values.pointer, count: t.count) }
        lua_pushvalue(lua.L, 1)
    }

    // MARK: indexing with ranges

    /// The positions a `t[{...}]` index with ranges addresses, per dimension: `i` one index (that dimension is
    /// dropped), `{first, last}` an inclusive range (negative from the end), `{}` the whole dimension; dimensions
    /// not named are whole. Nil when the index holds no range (the plain path handles it).
    static func rangeIndex(_ lua: Lua, _ t: Tensor, _ arg: Int32) throws -> (positions: [[Int]], shape: [Int])? {
        guard lua.isTable(arg) else { return nil }
        let L = lua.L, n = lua.rawLength(arg)
        var hasRange = false
        for k in 0..<n {
            lua_rawgeti(L, arg, lua_Integer(k + 1))
            hasRange = hasRange || lua_type(L, -1) == LUA_TTABLE
            lua_settop(L, -2)
        }
        guard hasRange else { return nil }
        guard n <= t.rank else { throw LuaRuntimeError("too many indices (\(n)) for a \(t.rank)-d tensor") }
        var positions: [[Int]] = [], shape: [Int] = []
        for d in 0..<t.rank {
            let size = t.shape[d]
            guard d < n else { positions.append(Array(0..<size)); shape.append(size); continue }
            lua_rawgeti(L, arg, lua_Integer(d + 1))
            defer { lua_settop(L, -2) }
            let top = lua_gettop(L)
            if lua.isNumber(top) {
                positions.append([try position(try lua.integer(top), size: size, dim: d)])
                continue
            }
            let bounds = try lua.integers(top, what: "range {first, last}")
            guard bounds.count <= 2 else { throw LuaRuntimeError("a range is {first, last} or {}, got \(bounds.count) numbers for dimension \(d + 1)") }
            let first = bounds.isEmpty ? 0 : try position(bounds[0], size: size, dim: d)
            let last = bounds.count < 2 ? (bounds.isEmpty ? size - 1 : first) : try position(bounds[1], size: size, dim: d)
            guard first <= last else { throw LuaRuntimeError("range {\(bounds[0]), \(bounds[1])} is empty for dimension \(d + 1)") }
            positions.append(Array(first...last))
            shape.append(last - first + 1)
        }
        return (positions, shape)
    }

    /// A 1-based (or negative) Lua index as a 0-based position, or an error naming the dimension.
    static func position(_ i: Int, size: Int, dim: Int) throws -> Int {
        guard i >= 1 && i <= size || i <= -1 && i >= -size else {
            throw LuaRuntimeError("index \(i) out of range for dimension \(dim + 1) of size \(size)")
        }
        return i > 0 ? i - 1 : size + i
    }

    /// Calls `body(flat offset in t, running element number)` for every element of the region, in row-major order.
    static func forEachElement(_ t: Tensor, _ positions: [[Int]], _ body: (Int, Int) -> Void) {
        let strides = Tensor.strides(of: t.shape)
        var counter = [Int](repeating: 0, count: positions.count), k = 0
        let total = positions.reduce(1) { $0 * $1.count }
        guard total > 0 else { return }
        while true {
            var offset = 0
            for d in 0..<positions.count { offset += positions[d][counter[d]] * strides[d] }
            body(offset, k)
            k += 1
            var d = positions.count - 1
            while d >= 0 {
                counter[d] += 1
                if counter[d] < positions[d].count { break }
                counter[d] = 0
                d -= 1
            }
            if d < 0 { return }
        }
    }

    /// `t[{...}]` with ranges: a copy of the region (a number when every dimension was a single index).
    static func readRange(_ lua: Lua, _ t: Tensor, _ region: (positions: [[Int]], shape: [Int])) {
        let out = Tensor.zeros(region.shape)
        forEachElement(t, region.positions) { offset, k in out.pointer[k] = t.pointer[offset] }
        if region.shape.isEmpty { lua.push(out.pointer[0]) } else { lua.push(out) }
    }

    /// `t[{...}] = v` with ranges: v a number, or a tensor with the region's element count.
    static func writeRange(_ lua: Lua, _ t: Tensor, _ region: (positions: [[Int]], shape: [Int]), value: Int32) throws {
        let count = region.positions.reduce(1) { $0 * $1.count }
        if lua.isNumber(value) {
            let v = Float(try lua.number(value))
            forEachElement(t, region.positions) { offset, _ in t.pointer[offset] = v }
        } else if let v = lua.toObject(value, as: Tensor.self) {
            guard v.count == count else {
                throw LuaRuntimeError("cannot assign a tensor of size \(shapeString(v.shape)) to a region of size \(shapeString(region.shape))")
            }
            forEachElement(t, region.positions) { offset, k in t.pointer[offset] = v.pointer[k] }
        } else {
            throw LuaRuntimeError("cannot assign a \(lua.typeName(value)) to a Tensor region (number or Tensor expected)")
        }
    }
}
