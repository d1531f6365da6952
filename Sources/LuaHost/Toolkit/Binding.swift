import Tensors
import CLua
import CLuaShim
import Foundation

// The binding toolkit: how Swift functions and objects become Lua functions and userdata.
//
// A binding is a Swift closure `(Lua) throws -> Int32` returning how many results it pushed.
// It never raises a Lua error itself: a thrown Swift error is turned into a Lua error message in
// ONE place (`dispatch` below), and the C trampoline in CLuaShim raises it after the Swift frame
// has returned, so Lua's longjmp never crosses Swift code holding resources. Inside a binding,
// use only raw or non-raising Lua API calls (the `Lua` helpers do), and `lua_pcall` (never
// `lua_call`) to call back into Lua.
//
// Objects: a userdata holds one retained Swift object; its metatable `foley.<Type>` releases it
// in `__gc` and `__close` (`local x <close> = ...` frees early; later use is an error). Methods
// live in the metatable itself (as Torch7's luaT does), with `__index` the metatable or a
// function falling back to it, so completion can list them; `foley.types.<Type>` is the
// metatable, where stdlib Lua code may add methods and `__tostring`/`__short` printers.
//
// A binding file, one per Lua-visible type (see TensorBindings.swift for a full one):
//
//     extension AudioClip: LuaObject { public static var luaTypeName: String { "Audio" } }
//
//     public enum AudioBindings {
//         public static func register(_ lua: LuaState) {
//             lua.register(library: "audio", help: "foley.audio: load, save, play with sound.", [
//                 LuaFunction("load", "load(path) -> Audio\nReads a WAV or FLAC file.") { lua in
//                     let clip = try AudioClip(path: try lua.string(1))   // Swift errors -> Lua errors
//                     lua.push(clip, externalBytes: clip.byteCount)
//                     return 1
//                 },
//             ])
//             lua.register(type: AudioClip.self, help: "Audio: a clip of samples.", methods: [
//                 LuaMethod("save", "a:save(path)\nWrites the clip; the REPL notebook links it.") { lua, clip in
//                     let path = try lua.string(2)                   // arg 1 is self
//                     try clip.write(to: path)
//                     Notebook.current?.attach(path: path, kind: .audio)
//                     return 0
//                 },
//             ], metamethods: [
//                 LuaFunction("__tostring") { lua in lua.push("Audio(...)"); return 1 },
//             ])
//         }
//     }
//
// then one line in `FoleyBindings.registerAll`. Help strings: first line the signature (listed
// by `:help foley.audio`), then a description; names are "foley.audio.load", "Audio:save",
// "Audio". Argument checks (`lua.integer(2)`, `lua.shape(1)`, `lua.object(1, as:)`, ...) throw
// `LuaArgumentError`, shown as "bad argument #2 to 'foley.audio.load' (string expected, got
// number)"; method calls are numbered from the first explicit argument, as Lua does. Long
// loops poll `try Interrupt.check()` (Tensors) so Ctrl-C stops them.

/// A Swift class visible from Lua as userdata with the metatable `foley.<luaTypeName>`.
public protocol LuaObject: AnyObject {
    /// The type's short name ("Tensor"); its metatable is `foley.Tensor`.
    static var luaTypeName: String { get }
}

extension LuaObject {
    static var metatableName: String { "foley." + luaTypeName }
}

/// The body of a binding: reads arguments from `lua`, pushes results, returns their count.
public typealias LuaBody = (Lua) throws -> Int32

/// A function for a library table (`foley.tensor.zeros`) or a metamethod, with its help text.
public struct LuaFunction {
    public let name: String
    public let help: String
    public let body: LuaBody
    /// For an `__index` that serves fields (`fieldIndex`): their names, kept in the metatable's `__fields` so that
    /// completion can offer them without calling the getter.
    public var fields: [String] = []

    /// `help`'s first line is the signature, as `:help` lists it: "zeros(shape) -> Tensor".
    public init(_ name: String, _ help: String = "", _ body: @escaping LuaBody) {
        self.name = name
        self.help = help
        self.body = body
    }
}

/// A method of a userdata type, called as `obj:name(...)`; `self` is argument 1.
public struct LuaMethod<T: LuaObject> {
    public let name: String
    public let help: String
    public let body: (Lua, T) throws -> Int32

    public init(_ name: String, _ help: String = "", _ body: @escaping (Lua, T) throws -> Int32) {
        self.name = name
        self.help = help
        self.body = body
    }
}

/// A bad argument: becomes "bad argument #n to 'name' (message)".
public struct LuaArgumentError: Error, CustomStringConvertible {
    public let arg: Int32
    public let message: String
    public var description: String { "bad argument #\(arg) (\(message))" }
}

/// An error raised from Swift with a plain message; the boundary prefixes the Lua position.
public struct LuaRuntimeError: Error, CustomStringConvertible {
    public let message: String
    public init(_ message: String) { self.message = message }
    public var description: String { message }
}

/// A boxed Swift closure held by a Lua C closure's upvalue.
final class FunctionBox {
    let name: String
    let body: LuaBody
    init(name: String, body: @escaping LuaBody) {
        self.name = name
        self.body = body
    }
}

/// The single point where Swift errors become Lua errors. Everything Swift allocated in the
/// binding is released when this closure returns; only then does the trampoline call lua_error.
private let dispatch: foley_swift_dispatch_fn = { L, raw in
    let box = Unmanaged<FunctionBox>.fromOpaque(raw!).takeUnretainedValue()
    do {
        return try box.body(Lua(L!, name: box.name))
    } catch let e as LuaArgumentError {
        foley_push_argerror(L, e.arg, box.name, e.message)
    } catch let e as LuaError {
        // An error that already carries its Lua position (from a nested protected call).
        Lua(L!).push(e.message)
    } catch {
        let text = Array("\(error)".utf8)
        text.withUnsafeBufferPointer { b in
            b.baseAddress!.withMemoryRebound(to: CChar.self, capacity: max(b.count, 1)) {
                foley_push_where_message(L, $0, b.count)
            }
        }
    }
    return -1
}

private let release: foley_swift_release_fn = { raw in
    Unmanaged<AnyObject>.fromOpaque(raw!).release()
}

enum BindingRuntime {
    /// Installs the dispatch and release callbacks (process-wide, idempotent).
    static let installed: Bool = {
        foley_set_swift_callbacks(dispatch, release)
        // Ctrl-C inside a chunk sets the process's one interrupt flag, which Swift loops poll.
        foley_cancel_bind(Interrupt.flag)
        return true
    }()
}

/// The view of a lua_State inside a binding call: argument checks that throw
/// `LuaArgumentError`, and pushes. Argument indices are Lua stack indices (1-based).
public struct Lua {
    public let L: OpaquePointer
    /// The binding's registered name, used in error messages.
    public let name: String

    public init(_ L: OpaquePointer, name: String = "?") {
        self.L = L
        self.name = name
    }

    /// Number of arguments passed.
    public var argCount: Int32 { lua_gettop(L) }

    public func type(_ i: Int32) -> Int32 { lua_type(L, i) }
    public func isNoneOrNil(_ i: Int32) -> Bool { lua_type(L, i) <= LUA_TNIL }
    public func isNumber(_ i: Int32) -> Bool { lua_type(L, i) == LUA_TNUMBER }
    public func isTable(_ i: Int32) -> Bool { lua_type(L, i) == LUA_TTABLE }
    public func isString(_ i: Int32) -> Bool { lua_type(L, i) == LUA_TSTRING }

    /// What Lua calls the value's type in messages ("number", "Tensor" for foley.Tensor).
    public func typeName(_ i: Int32) -> String {
        let n = String(cString: foley_typename(L, i))
        return n.hasPrefix("foley.") ? String(n.dropFirst(6)) : n
    }

    /// Calls argument 1, a function, with the arguments after it in a protected call (`foley.no_grad`,
    /// `foley.profile` wrap it in a mode); leaves its results on the stack and returns their count.
    public func callFunctionArgument() throws -> Int32 {
        guard lua_type(L, 1) == LUA_TFUNCTION else { throw typeError(1, "function") }
        if foley_lua_pcall(L, lua_gettop(L) - 1, LUA_MULTRET, 0) != LUA_OK {
            throw LuaError(message: foley_lua_tostring(L, -1).map { String(cString: $0) } ?? "error in \(name)")
        }
        return lua_gettop(L)
    }

    // MARK: errors

    /// "bad argument #i to 'name' (message)".
    public func argError(_ i: Int32, _ message: String) -> LuaArgumentError {
        LuaArgumentError(arg: i, message: message)
    }

    /// "bad argument #i to 'name' (expected expected, got <type>)".
    public func typeError(_ i: Int32, _ expected: String) -> LuaArgumentError {
        LuaArgumentError(arg: i, message: "\(expected) expected, got \(isNoneOrNil(i) && i > argCount ? "no value" : typeName(i))")
    }

    // MARK: checks

    public func number(_ i: Int32) throws -> Double {
        guard lua_type(L, i) == LUA_TNUMBER else { throw typeError(i, "number") }
        return lua_tonumberx(L, i, nil)
    }

    public func optNumber(_ i: Int32, _ def: Double) throws -> Double { isNoneOrNil(i) ? def : try number(i) }
    public func optNumber(_ i: Int32) throws -> Double? { isNoneOrNil(i) ? nil : try number(i) }

    /// An integer, or a float with an integral value.
    public func integer(_ i: Int32) throws -> Int {
        guard lua_type(L, i) == LUA_TNUMBER else { throw typeError(i, "number") }
        var ok: Int32 = 0
        let v = lua_tointegerx(L, i, &ok)
        guard ok != 0 else { throw argError(i, "number has no integer representation") }
        return Int(v)
    }

    public func optInteger(_ i: Int32, _ def: Int) throws -> Int { isNoneOrNil(i) ? def : try integer(i) }
    public func optInteger(_ i: Int32) throws -> Int? { isNoneOrNil(i) ? nil : try integer(i) }

    public func string(_ i: Int32) throws -> String {
        guard lua_type(L, i) == LUA_TSTRING else { throw typeError(i, "string") }
        var len = 0
        let p = lua_tolstring(L, i, &len)!
        return String(decoding: UnsafeRawBufferPointer(start: p, count: len), as: UTF8.self)
    }

    public func optString(_ i: Int32) throws -> String? { isNoneOrNil(i) ? nil : try string(i) }

    public func bool(_ i: Int32) throws -> Bool {
        guard lua_type(L, i) == LUA_TBOOLEAN else { throw typeError(i, "boolean") }
        return lua_toboolean(L, i) != 0
    }

    public func optBool(_ i: Int32, _ def: Bool) throws -> Bool { isNoneOrNil(i) ? def : try bool(i) }

    public func checkTable(_ i: Int32) throws {
        guard lua_type(L, i) == LUA_TTABLE else { throw typeError(i, "table") }
    }

    /// Raw length of the table at i (no metamethods).
    public func rawLength(_ i: Int32) -> Int { Int(lua_rawlen(L, i)) }

    /// A sequence of integers `{2, 3}` (raw access; no metamethods run).
    public func integers(_ i: Int32, what: String = "table of integers") throws -> [Int] {
        guard lua_type(L, i) == LUA_TTABLE else { throw typeError(i, what) }
        let n = rawLength(i)
        var out: [Int] = []
        out.reserveCapacity(n)
        for k in 0..<n {
            lua_rawgeti(L, i, lua_Integer(k + 1))
            defer { lua_settop(L, -2) }
            var ok: Int32 = 0
            let v = lua_tointegerx(L, -1, &ok)
            guard lua_type(L, -1) == LUA_TNUMBER, ok != 0 else {
                throw argError(i, "\(what) expected, got \(typeName(-1)) at index \(k + 1)")
            }
            out.append(Int(v))
        }
        return out
    }

    /// A sequence of numbers `{0, 2.5}` (raw access; no metamethods run).
    public func numbers(_ i: Int32, what: String = "table of numbers") throws -> [Double] {
        guard lua_type(L, i) == LUA_TTABLE else { throw typeError(i, what) }
        return try (0..<rawLength(i)).map { k in
            lua_rawgeti(L, i, lua_Integer(k + 1))
            defer { lua_settop(L, -2) }
            guard lua_type(L, -1) == LUA_TNUMBER else { throw argError(i, "\(what) expected, got \(typeName(-1)) at index \(k + 1)") }
            return lua_tonumberx(L, -1, nil)
        }
    }

    /// The keys of the table at i (raw; order unspecified); a key that is not a string is an error.
    public func keys(_ i: Int32) throws -> [String] {
        guard lua_type(L, i) == LUA_TTABLE else { throw typeError(i, "table") }
        let t = lua_absindex(L, i)
        var out: [String] = []
        lua_pushnil(L)
        while lua_next(L, t) != 0 {
            defer { lua_settop(L, -2) }
            guard lua_type(L, -2) == LUA_TSTRING else { throw argError(i, "option names must be strings, got \(typeName(-2))") }
            out.append(try string(lua_gettop(L) - 1))
        }
        return out
    }

    /// Integers either as one table at `i` or as the arguments from `i` on: f({2, 3}) or f(2, 3).
    public func integersOrVarargs(_ i: Int32, what: String = "table of integers") throws -> [Int] {
        if lua_type(L, i) == LUA_TTABLE { return try integers(i, what: what) }
        guard lua_type(L, i) == LUA_TNUMBER else { throw typeError(i, what) }
        var out: [Int] = []
        var k = i
        while k <= argCount && !(k > i && lua_type(L, k) == LUA_TNIL) {
            guard lua_type(L, k) == LUA_TNUMBER else { throw typeError(k, "integer") }
            out.append(try integer(k))
            k += 1
        }
        return out
    }

    /// The Swift object in the userdata at i, of type T.
    public func object<T: LuaObject>(_ i: Int32, as: T.Type = T.self) throws -> T {
        var closed: Int32 = 0
        guard let p = foley_to_object(L, i, T.metatableName, &closed) else {
            if closed != 0 { throw argError(i, "attempt to use a closed \(T.luaTypeName)") }
            throw typeError(i, T.luaTypeName)
        }
        return Unmanaged<T>.fromOpaque(p).takeUnretainedValue()
    }

    /// The object if the value at i is a live T, else nil (no error).
    public func toObject<T: LuaObject>(_ i: Int32, as: T.Type = T.self) -> T? {
        var closed: Int32 = 0
        guard let p = foley_to_object(L, i, T.metatableName, &closed) else { return nil }
        return Unmanaged<T>.fromOpaque(p).takeUnretainedValue()
    }

    public func optObject<T: LuaObject>(_ i: Int32, as: T.Type = T.self) throws -> T? {
        isNoneOrNil(i) ? nil : try object(i, as: T.self)
    }

    /// Reads field `key` of the table at i (raw) and passes its stack index to `body`; pops it.
    public func field<R>(_ i: Int32, _ key: String, _ body: (Int32) throws -> R) rethrows -> R {
        let t = lua_absindex(L, i)
        push(key)
        lua_rawget(L, t)
        defer { lua_settop(L, -2) }
        return try body(lua_gettop(L))
    }

    // MARK: pushes

    public func push(_ v: Double) { lua_pushnumber(L, v) }
    public func push(_ v: Float) { lua_pushnumber(L, Double(v)) }
    public func push(_ v: Int) { lua_pushinteger(L, lua_Integer(v)) }
    public func push(_ v: Bool) { lua_pushboolean(L, v ? 1 : 0) }
    public func pushNil() { lua_pushnil(L) }

    public func push(_ s: String) {
        var s = s
        s.withUTF8 { b in
            b.baseAddress.map { p in p.withMemoryRebound(to: CChar.self, capacity: b.count) { _ = lua_pushlstring(L, $0, b.count) } }
                ?? { _ = lua_pushlstring(L, "", 0) }()
        }
    }

    /// A Lua sequence of integers.
    public func push(integers: [Int]) {
        lua_createtable(L, Int32(integers.count), 0)
        for (k, v) in integers.enumerated() {
            lua_pushinteger(L, lua_Integer(v))
            lua_rawseti(L, -2, lua_Integer(k + 1))
        }
    }

    /// A Lua sequence of strings.
    public func push(strings: [String]) {
        lua_createtable(L, Int32(strings.count), 0)
        for (k, v) in strings.enumerated() {
            push(v)
            lua_rawseti(L, -2, lua_Integer(k + 1))
        }
    }

    /// A Lua sequence of numbers.
    public func push(numbers: [Double]) {
        lua_createtable(L, Int32(numbers.count), 0)
        for (k, v) in numbers.enumerated() {
            lua_pushnumber(L, v)
            lua_rawseti(L, -2, lua_Integer(k + 1))
        }
    }

    /// A userdata holding `object` (retained until `__gc` or `__close`). `bytes` of memory held
    /// outside Lua (a tensor's buffer) is reported to the collector so big garbage goes soon.
    public func push<T: LuaObject>(_ object: T, externalBytes bytes: Int = 0) {
        foley_push_object(L, Unmanaged.passRetained(object).toOpaque(), T.metatableName)
        if bytes >= 1 << 14 { foley_lua_gcstep(L, Int32(min(bytes >> 10, Int(Int32.max)))) }
    }

    /// A Lua function calling `body`.
    public func push(function name: String, _ body: @escaping LuaBody) {
        _ = BindingRuntime.installed
        foley_push_swift_function(L, Unmanaged.passRetained(FunctionBox(name: name, body: body)).toOpaque())
    }

    /// Sets field `key` of the table at i (raw) to the value pushed by `value`.
    public func setField(_ i: Int32, _ key: String, _ value: () -> Void) {
        let t = lua_absindex(L, i)
        push(key)
        value()
        lua_rawset(L, t)
    }
}
