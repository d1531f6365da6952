import CLua
import CLuaShim
import Foundation

/// Tab completion of Lua names, as torch/trepl does: globals and keywords, then dotted fields of
/// tables and `:` methods of userdata, following `__index` chains (tables) and, for userdata
/// whose `__index` is a function, the methods stored in the metatable itself. Candidates end in
/// `.` (table), `(` (function) or `:` (object with methods); names starting with `_` are hidden
/// unless the typed prefix starts with `_`. Only raw accesses: no Lua code runs while completing.
public enum Completion {
    static let keywords = ["and", "break", "do", "else", "elseif", "end", "false", "for", "function", "goto", "if",
                           "in", "local", "nil", "not", "or", "repeat", "return", "then", "true", "until", "while"]

    static func isIdentifier<S: StringProtocol>(_ s: S) -> Bool {
        guard let f = s.first, f == "_" || f.isLetter && f.isASCII else { return false }
        return s.allSatisfy { $0 == "_" || ($0.isASCII && ($0.isLetter || $0.isNumber)) }
    }

    /// Full replacement words for `text` (the word before the cursor), sorted.
    public static func candidates(for text: String, in lua: LuaState) -> [String] {
        let L = lua.L
        let base = lua_gettop(L)
        defer { lua_settop(L, base) }
        guard lua_checkstack(L, 40) != 0 else { return [] }
        let sepIndex = text.lastIndex(where: { $0 == "." || $0 == ":" })
        let partial = sepIndex.map { String(text[text.index(after: $0)...]) } ?? text
        guard partial.isEmpty || isIdentifier(partial) else { return [] }
        let showHidden = partial.hasPrefix("_")

        lua_rawgeti(L, foley_lua_registryindex(), lua_Integer(LUA_RIDX_GLOBALS))
        var head = ""
        var methodsOnly = false
        if let s = sepIndex {
            head = String(text[..<s])
            methodsOnly = text[s] == ":"
            let parts = head.split(separator: ".", omittingEmptySubsequences: false)
            guard parts.allSatisfy({ isIdentifier($0) }) else { return [] }
            for p in parts {
                guard lookup(L, String(p)) else { return [] }
            }
        }
        var seen = Set<String>()
        var out: [String] = []
        for (name, type, hasMeta) in fields(L, lua_gettop(L)) where name.hasPrefix(partial) && !seen.contains(name) {
            seen.insert(name)
            if name.hasPrefix("__") || (!showHidden && name.hasPrefix("_")) { continue }
            if methodsOnly && type != LUA_TFUNCTION { continue }
            let suffix: String
            switch type {
            case LUA_TTABLE: suffix = "."
            case LUA_TFUNCTION: suffix = "("
            case LUA_TUSERDATA where hasMeta: suffix = ":"
            default: suffix = ""
            }
            out.append((sepIndex == nil ? "" : String(text[...sepIndex!])) + name + suffix)
        }
        if sepIndex == nil {
            for k in keywords where k.hasPrefix(partial) && !seen.contains(k) { out.append(k) }
        }
        return out.sorted()
    }

    /// Replaces the value on top with its field `key`, following __index as `fields` does.
    static func lookup(_ L: OpaquePointer, _ key: String, depth: Int = 0) -> Bool {
        guard depth < 8 else { return false }
        let t = lua_gettop(L)
        switch lua_type(L, t) {
        case LUA_TTABLE:
            lua_pushstring(L, key)
            lua_rawget(L, t)
            if lua_type(L, -1) != LUA_TNIL { foley_lua_replace(L, t); return true }
            foley_lua_pop(L, 1)
            guard lua_getmetatable(L, t) != 0 else { return false }
            lua_pushstring(L, "__index")
            lua_rawget(L, -2)
            foley_lua_remove(L, -2)
            guard lua_type(L, -1) == LUA_TTABLE, lookup(L, key, depth: depth + 1) else { lua_settop(L, t); return false }
            foley_lua_replace(L, t)
            return true
        case LUA_TUSERDATA, LUA_TSTRING:
            guard pushMethodTable(L, t) else { return false }
            guard lookup(L, key, depth: depth + 1) else { lua_settop(L, t); return false }
            foley_lua_replace(L, t)
            return true
        default:
            return false
        }
    }

    /// Pushes where the methods of the userdata/string at idx live: its metatable's __index
    /// table, or (luaT convention, __index a function) the metatable itself.
    static func pushMethodTable(_ L: OpaquePointer, _ idx: Int32) -> Bool {
        guard lua_getmetatable(L, idx) != 0 else { return false }
        lua_pushstring(L, "__index")
        lua_rawget(L, -2)
        if lua_type(L, -1) == LUA_TTABLE { foley_lua_remove(L, -2); return true }
        foley_lua_pop(L, 1)
        return true
    }

    /// (name, value type, value has a metatable) of the string keys reachable from the value at idx.
    static func fields(_ L: OpaquePointer, _ idx: Int32, depth: Int = 0) -> [(String, Int32, Bool)] {
        guard depth < 8, lua_checkstack(L, 8) != 0 else { return [] }
        var out: [(String, Int32, Bool)] = []
        switch lua_type(L, idx) {
        case LUA_TTABLE:
            lua_pushnil(L)
            while lua_next(L, idx) != 0 {
                if lua_type(L, -2) == LUA_TSTRING, let k = foley_lua_tostring(L, -2) {
                    let hasMeta = lua_getmetatable(L, -1) != 0
                    if hasMeta { foley_lua_pop(L, 1) }
                    out.append((String(cString: k), lua_type(L, -1), hasMeta))
                }
                foley_lua_pop(L, 1)
            }
            if lua_getmetatable(L, idx) != 0 {
                lua_pushstring(L, "__index")
                lua_rawget(L, -2)
                if lua_type(L, -1) == LUA_TTABLE { out += fields(L, lua_gettop(L), depth: depth + 1) }
                foley_lua_pop(L, 2)
            }
        case LUA_TUSERDATA, LUA_TSTRING:
            if pushMethodTable(L, idx) {
                out += fields(L, lua_gettop(L), depth: depth + 1)
                foley_lua_pop(L, 1)
            }
            // Fields an __index function serves (p.sample_rate) are listed in the metatable's __fields; their
            // values are not fetched (that would run the getter), so they complete without a suffix.
            if lua_type(L, idx) == LUA_TUSERDATA, lua_getmetatable(L, idx) != 0 {
                lua_pushstring(L, "__fields")
                lua_rawget(L, -2)
                if lua_type(L, -1) == LUA_TTABLE {
                    lua_pushnil(L)
                    while lua_next(L, -2) != 0 {
                        if lua_type(L, -2) == LUA_TSTRING, let k = foley_lua_tostring(L, -2) { out.append((String(cString: k), LUA_TNONE, false)) }
                        foley_lua_pop(L, 1)
                    }
                }
                foley_lua_pop(L, 2)
            }
        default:
            break
        }
        return out
    }
}
