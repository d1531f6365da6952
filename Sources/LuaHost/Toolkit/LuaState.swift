import CLua
import CLuaShim
import Foundation

/// Errors from running Lua code: the message Lua produced, with its chunk and line (and the
/// traceback when the chunk ran through `call`).
public struct LuaError: Error, CustomStringConvertible {
    public let message: String
    public init(message: String) { self.message = message }
    public var description: String { message }
}

/// One embedded Lua 5.4 interpreter with the standard libraries open. `LuaState()` is bare;
/// `LuaState.foley()` adds the `foley` table with every binding and the stdlib.
public final class LuaState {
    public let L: OpaquePointer
    /// The docstrings of every binding, shown by `:help`.
    public let help = HelpRegistry()
    /// Per-interpreter state of bindings (the tensor RNG, loaded models...), by a key of their own.
    public var extensions: [String: AnyObject] = [:]

    /// The most memory Lua's own heap (tables, strings, closures; not tensors) may hold, in bytes; past it Lua raises
    /// "not enough memory" where the allocation happened. Set by `--lua-memory` or FOLEY_LUA_MEMORY (e.g. `512M`,
    /// `4G`, `0` for no limit); the default is a quarter of the machine's memory, at most 4 GB.
    nonisolated(unsafe) public static var memoryLimit: Int = {
        if let text = ProcessInfo.processInfo.environment["FOLEY_LUA_MEMORY"], let n = try? parseMemorySize(text) { return n }
        return defaultMemoryLimit
    }()

    public static let defaultMemoryLimit = Int(min(ProcessInfo.processInfo.physicalMemory / 4, 4 << 30))

    /// Bytes from "1048576", "512K", "512M", "4G" (powers of 1024); "0" means no limit.
    public static func parseMemorySize(_ text: String) throws -> Int {
        var t = Substring(text.trimmingCharacters(in: .whitespaces).uppercased())
        if t.count > 1 && t.hasSuffix("B") { t = t.dropLast() }   // 512MB as 512M
        let units: [Character: Int] = ["K": 1 << 10, "M": 1 << 20, "G": 1 << 30, "T": 1 << 40]
        var digits = t, unit = 1
        if let last = t.last, let u = units[last] { digits = t.dropLast(); unit = u }
        guard let v = Double(digits), v.isFinite, v >= 0, v * Double(unit) < 1e18 else {
            throw LuaError(message: "lua memory: '\(text)' is not a size (expected bytes, or a number with K, M or G, e.g. 512M; 0 for no limit)")
        }
        let bytes = Int(v * Double(unit))
        guard bytes == 0 || bytes >= 1 << 20 else {
            throw LuaError(message: "lua memory: '\(text)' is out of range (expected 0 for no limit, or at least 1M)")
        }
        return bytes
    }

    /// Bytes Lua's heap holds now.
    public var memoryUsed: Int { Int(foley_lua_memory_used(L)) }

    public init(memoryLimit: Int = LuaState.memoryLimit) {
        _ = BindingRuntime.installed
        guard let state = foley_lua_newstate(max(0, memoryLimit)) else { fatalError("foley: cannot create a Lua state (out of memory)") }
        L = state
        // The standard libraries need a few hundred KB; the limit applies to what the code does after.
        foley_lua_set_memory_limit(L, 0)
        luaL_openlibs(L)
        // The host is reachable from a bare lua_State (bindings look it up through the registry).
        lua_pushlightuserdata(L, Unmanaged.passUnretained(self).toOpaque())
        lua_setfield(L, foley_lua_registryindex(), LuaState.hostKey)
        // The original tostring, for converting results even if a script replaces the global.
        lua_getglobal(L, "tostring")
        lua_setfield(L, foley_lua_registryindex(), LuaState.tostringKey)
        foley_lua_set_memory_limit(L, max(0, memoryLimit))
    }

    deinit { foley_lua_close(L) }

    static let hostKey = "foley.host"
    static let tostringKey = "foley.tostring"

    /// The LuaState owning `L`, if it was created by this class.
    public static func host(of L: OpaquePointer) -> LuaState? {
        lua_getfield(L, foley_lua_registryindex(), hostKey)
        defer { foley_lua_pop(L, 1) }
        guard let p = lua_touserdata(L, -1) else { return nil }
        return Unmanaged<LuaState>.fromOpaque(p).takeUnretainedValue()
    }

    /// A fresh interpreter with the `foley` table, all bindings and the stdlib loaded.
    public static func foley() -> LuaState {
        let lua = LuaState()
        FoleyBindings.registerAll(lua)
        do { try Stdlib.load(into: lua) } catch {
            // The stdlib is part of the binary; failing to load it is a bug, reported loudly.
            FileHandle.standardError.write(Data("foley: stdlib failed to load: \(error)\n".utf8))
        }
        return lua
    }

    /// Pushes the global `name` by raw access (no `_G` metamethod runs).
    public func pushGlobal(_ name: String) {
        lua_rawgeti(L, foley_lua_registryindex(), lua_Integer(LUA_RIDX_GLOBALS))
        lua_pushstring(L, name)
        lua_rawget(L, -2)
        foley_lua_remove(L, -2)
    }

    // MARK: running code

    /// Compiles `chunk`; on success the function is on the stack, else throws the syntax error.
    public func load(_ chunk: String, name: String) throws {
        let bytes = Array(chunk.utf8) + [0]
        let status = bytes.withUnsafeBufferPointer { buf in
            buf.withMemoryRebound(to: CChar.self) { foley_luaL_loadbuffer(L, $0.baseAddress!, buf.count - 1, name) }
        }
        if status != LUA_OK { throw popError() }
    }

    /// Pops the error object on top as a LuaError.
    func popError() -> LuaError {
        let msg = foley_lua_tostring(L, -1).map { String(cString: $0) } ?? "(error object is a \(String(cString: foley_typename(L, -1))) value)"
        foley_lua_pop(L, 1)
        return LuaError(message: msg)
    }

    /// Runs a chunk and returns its results converted to strings with Lua's `tostring`.
    @discardableResult
    public func run(_ chunk: String, name: String = "=(chunk)") throws -> [String] {
        let base = lua_gettop(L)
        defer { lua_settop(L, base) }
        try load(chunk, name: name)
        if foley_lua_pcall(L, 0, LUA_MULTRET, 0) != LUA_OK { throw popError() }
        return try stringsOfResults(from: base + 1)
    }

    /// Calls the function under `nargs` arguments as lua.c's docall (traceback, Ctrl-C), leaving
    /// `nresults` results (LUA_MULTRET for all); throws the message with its traceback.
    public func call(nargs: Int32, nresults: Int32) throws {
        if foley_docall(L, nargs, nresults) != LUA_OK { throw popError() }
    }

    /// `tostring` of each value from stack index `first` to the top, each in a protected call
    /// (a `__tostring` metamethod may raise).
    func stringsOfResults(from first: Int32) throws -> [String] {
        let top = lua_gettop(L)
        guard top >= first else { return [] }
        var out: [String] = []
        for i in first...top {
            lua_getfield(L, foley_lua_registryindex(), LuaState.tostringKey)
            lua_pushvalue(L, i)
            if foley_lua_pcall(L, 1, 1, 0) != LUA_OK { throw popError() }
            out.append(foley_lua_tostring(L, -1).map { String(cString: $0) } ?? "")
            foley_lua_pop(L, 1)
        }
        return out
    }

    // MARK: registration (the binding toolkit's entry points)

    /// Pushes `foley.<path>` (creating the tables on the way); "" is `foley` itself.
    func pushLibrary(_ path: String) {
        // Raw accesses only: no metamethod (which could raise) runs.
        lua_rawgeti(L, foley_lua_registryindex(), lua_Integer(LUA_RIDX_GLOBALS))
        for key in ["foley"] + path.split(separator: ".").map(String.init) {
            lua_pushstring(L, key)
            lua_rawget(L, -2)
            if lua_type(L, -1) != LUA_TTABLE {
                foley_lua_pop(L, 1)
                foley_lua_newtable(L)
                lua_pushstring(L, key)
                lua_pushvalue(L, -2)
                lua_rawset(L, -4)
            }
            foley_lua_remove(L, -2)
        }
    }

    /// Sets the global `name` to the value on top (popped), by raw access.
    public func setGlobal(_ name: String) {
        lua_rawgeti(L, foley_lua_registryindex(), lua_Integer(LUA_RIDX_GLOBALS))
        lua_pushstring(L, name)
        lua_rotate(L, -3, -1)
        lua_rawset(L, -3)
        foley_lua_pop(L, 1)
    }

    /// Adds `functions` to `foley.<library>` ("" for `foley` itself), each with its help text
    /// under "foley.<library>.<name>".
    public func register(library: String, help libraryHelp: String = "", _ functions: [LuaFunction]) {
        let prefix = library.isEmpty ? "foley." : "foley.\(library)."
        if !libraryHelp.isEmpty { help.add(String(prefix.dropLast()), libraryHelp) }
        pushLibrary(library)
        let lua = Lua(L)
        for f in functions {
            let full = prefix + f.name
            lua.setField(-1, f.name) { lua.push(function: full, f.body) }
            if !f.help.isEmpty { help.add(full, f.help) }
        }
        foley_lua_pop(L, 1)
    }

    /// Creates the metatable `foley.<T.luaTypeName>`: methods stored in it (help under
    /// "Type:method"), metamethods (`__add`, `__tostring`, ...) set as given, and `__index`
    /// the metatable itself unless a custom `__index` metamethod is passed. The metatable is
    /// also `foley.types.<Type>`, where stdlib Lua code can add methods written in Lua.
    public func register<T: LuaObject>(type: T.Type, help typeHelp: String, methods: [LuaMethod<T>],
                                       metamethods: [LuaFunction] = []) {
        let name = T.luaTypeName
        _ = foley_new_object_metatable(L, T.metatableName)
        let lua = Lua(L)
        for m in methods {
            let full = "\(name):\(m.name)"
            let body = m.body
            lua.setField(-1, m.name) {
                lua.push(function: full) { lua in try body(lua, try lua.object(1, as: T.self)) }
            }
            if !m.help.isEmpty { help.add(full, m.help) }
        }
        for f in metamethods {
            lua.setField(-1, f.name) { lua.push(function: "\(name).\(f.name)", f.body) }
            if f.fields.isEmpty { continue }
            lua.setField(-1, "__fields") {
                lua_createtable(L, 0, Int32(f.fields.count))
                for k in f.fields { lua.setField(-1, k) { lua.push(true) } }
            }
        }
        if !metamethods.contains(where: { $0.name == "__index" }) {
            lua.setField(-1, "__index") { lua_pushvalue(L, -2) }
        }
        pushLibrary("types")
        lua_pushvalue(L, -2)
        lua_setfield(L, -2, name)
        foley_lua_pop(L, 2)
        help.add(name, typeHelp)
    }
}
