import CLua
import CLuaShim

extension Lua {
    /// The table at `i` as a JSON-like value for Swift decoders: a sequence becomes an array, any other table a
    /// dictionary of string keys; numbers are Int when Lua has an integer, else Double. Errors name argument `i`.
    public func value(_ i: Int32) throws -> Any { try value(i, argument: i, depth: 0) }

    func value(_ i: Int32, argument: Int32, depth: Int) throws -> Any {
        let t = lua_absindex(L, i)
        guard depth < 16 else { throw argError(argument, "table nested too deeply") }
        func scalar(_ v: Int32) throws -> Any {
            switch type(v) {
            case LUA_TNUMBER: return lua_isinteger(L, v) != 0 ? Int(lua_tointegerx(L, v, nil)) as Any : lua_tonumberx(L, v, nil) as Any
            case LUA_TBOOLEAN: return lua_toboolean(L, v) != 0
            case LUA_TSTRING: return try string(v)
            case LUA_TTABLE: return try value(v, argument: argument, depth: depth + 1)
            default: throw argError(argument, "values must be numbers, booleans, strings or tables, got \(typeName(v))")
            }
        }
        let n = rawLength(t)
        if n > 0 {
            // lua_next order is unspecified for the array part: read it in order.
            return try (1...n).map { k -> Any in
                lua_rawgeti(L, t, lua_Integer(k))
                defer { lua_settop(L, -2) }
                return try scalar(lua_gettop(L))
            }
        }
        var dict: [String: Any] = [:]
        lua_pushnil(L)
        while lua_next(L, t) != 0 {
            defer { lua_settop(L, -2) }
            guard isString(-2) else { throw argError(argument, "keys must be strings, got \(typeName(-2))") }
            dict[try string(lua_gettop(L) - 1)] = try scalar(lua_gettop(L))
        }
        return dict
    }
}
