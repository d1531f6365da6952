import CLua
import CLuaShim
import Foundation

/// Errors from running Lua code: the message Lua produced, with its chunk and line.
public struct LuaError: Error, CustomStringConvertible {
    public let message: String
    public var description: String { message }
}

/// One embedded Lua 5.4 interpreter with the standard libraries open.
public final class LuaState {
    public let L: OpaquePointer

    public init() {
        L = luaL_newstate()
        luaL_openlibs(L)
    }

    deinit { lua_close(L) }

    /// Runs a chunk and returns its results converted to strings with Lua's `tostring`.
    @discardableResult
    public func run(_ chunk: String, name: String = "=(chunk)") throws -> [String] {
        let base = lua_gettop(L)
        let bytes = Array(chunk.utf8)
        var status = bytes.withUnsafeBufferPointer { buf in
            buf.baseAddress!.withMemoryRebound(to: CChar.self, capacity: max(1, bytes.count)) {
                foley_luaL_loadbuffer(L, $0, bytes.count, name)
            }
        }
        if status == LUA_OK { status = foley_lua_pcall(L, 0, LUA_MULTRET, 0) }
        if status != LUA_OK {
            let msg = foley_lua_tostring(L, -1).map { String(cString: $0) } ?? "(error object is not a string)"
            lua_settop(L, base)
            throw LuaError(message: msg)
        }
        var out: [String] = []
        let top = lua_gettop(L)
        if top > base {
            for i in (base + 1)...top {
                out.append(String(cString: luaL_tolstring(L, i, nil)))
                foley_lua_pop(L, 1)
            }
        }
        lua_settop(L, base)
        return out
    }
}
