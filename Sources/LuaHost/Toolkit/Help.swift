import CLua
import CLuaShim
import Foundation

/// Docstrings by name: "foley.tensor.zeros", "Tensor:reshape", "Tensor" (a type), "foley.tensor"
/// (a library). The first line of each is its signature, listed by `:help <library>`.
public final class HelpRegistry {
    public private(set) var entries: [String: String] = [:]

    public func add(_ name: String, _ text: String) {
        entries[name] = text.trimmingCharacters(in: .whitespacesAndNewlines)
    }

    public func text(_ name: String) -> String? { entries[name] }

    /// Entries directly under a library ("foley.tensor" -> "foley.tensor.zeros") or a type
    /// ("Tensor" -> "Tensor:reshape"), sorted.
    public func members(of name: String) -> [String] {
        entries.keys.filter { k in
            for sep in [".", ":"] where k.hasPrefix(name + sep) {
                return !k.dropFirst(name.count + 1).contains(where: { $0 == "." || $0 == ":" })
            }
            return false
        }.sorted()
    }

    /// Names whose last component is `short` ("zeros" -> "foley.tensor.zeros").
    public func matches(short: String) -> [String] {
        entries.keys.filter { k in k.hasSuffix("." + short) || k.hasSuffix(":" + short) }.sorted()
    }

    static func firstLine(_ s: String) -> String { String(s.split(separator: "\n", omittingEmptySubsequences: false).first ?? "") }

    /// The text `:help name` shows for a registered name, or nil.
    public func render(_ name: String) -> String? {
        let own = entries[name]
        let kids = members(of: name)
        if own == nil && kids.isEmpty { return nil }
        var out = own.map { [$0] } ?? ["\(name)"]
        if !kids.isEmpty {
            out.append("")
            let width = min(kids.map(\.count).max() ?? 0, 36)
            for k in kids {
                let line = HelpRegistry.firstLine(entries[k] ?? "")
                out.append("  " + k.padding(toLength: max(width, k.count), withPad: " ", startingAt: 0) + "  " + line)
            }
        }
        return out.joined(separator: "\n")
    }

    /// The overview `:help` shows with no name.
    public func overview(commands: [(String, String)]) -> String {
        var out = ["Foley: text-to-audio in Swift, driven from Lua. `:help <name>` tells more about a name",
                   "(foley.tensor, foley.tensor.zeros, Tensor, Tensor:reshape, t:reshape, or any value).", ""]
        let isLibrary = { (k: String) in (k == "foley" || k.hasPrefix("foley.")) && !self.members(of: k).isEmpty }
        let libs = entries.keys.filter(isLibrary).sorted()
        let types = entries.keys.filter { !isLibrary($0) && !$0.contains(".") && !$0.contains(":") && !self.members(of: $0).isEmpty }.sorted()
        if !libs.isEmpty { out.append("Libraries: " + libs.joined(separator: ", ")) }
        if !types.isEmpty { out.append("Types: " + types.joined(separator: ", ")) }
        let globals = entries.keys.filter { !$0.contains(".") && !$0.contains(":") && members(of: $0).isEmpty }.sorted()
        if !globals.isEmpty { out.append("Globals: " + globals.joined(separator: ", ")) }
        out.append("")
        out.append("REPL commands:")
        for (c, h) in commands { out.append("  " + c.padding(toLength: 16, withPad: " ", startingAt: 0) + h) }
        return out.joined(separator: "\n")
    }
}

extension LuaState {
    /// What `:help query` prints: a registered name; `expr:method` or any expression whose value
    /// is a bound function or object; else names ending in `query`.
    public func helpText(_ query: String) -> String {
        let q = query.trimmingCharacters(in: .whitespaces)
        if let r = help.render(q) { return r }
        if let name = resolveHelpName(q), let r = help.render(name) { return r }
        let found = help.matches(short: q)
        if found.count == 1, let r = help.render(found[0]) { return r }
        if found.count > 1 {
            return "'\(q)' could be:\n" + found.map { "  \($0)  \(HelpRegistry.firstLine(help.entries[$0] ?? ""))" }.joined(separator: "\n")
        }
        return "no help for '\(q)' (`:help` lists the libraries and types)"
    }

    /// Evaluates `expr` (or the object part of `expr:method`) and names what it is.
    func resolveHelpName(_ expr: String) -> String? {
        var objectExpr = expr, method: String? = nil
        if let colon = expr.lastIndex(of: ":") {
            objectExpr = String(expr[..<colon])
            method = String(expr[expr.index(after: colon)...])
        }
        let base = lua_gettop(L)
        defer { lua_settop(L, base) }
        guard (try? load("return " + objectExpr, name: "=help")) != nil,
              foley_lua_pcall(L, 0, 1, 0) == LUA_OK else { return nil }
        var typeName = String(cString: foley_typename(L, -1))
        if typeName.hasPrefix("foley.") {
            typeName.removeFirst(6)
            return method.map { "\(typeName):\($0)" } ?? typeName
        }
        guard method == nil else { return nil }
        if lua_type(L, -1) == LUA_TFUNCTION || lua_type(L, -1) == LUA_TTABLE { return nameOfValue(at: lua_gettop(L)) }
        return nil
    }

    /// The dotted path under `foley` (two levels deep) or `Type:method` holding the value at idx.
    func nameOfValue(at idx: Int32) -> String? {
        let base = lua_gettop(L)
        defer { lua_settop(L, base) }
        lua_rawgeti(L, foley_lua_registryindex(), lua_Integer(LUA_RIDX_GLOBALS))
        lua_pushstring(L, "foley")
        lua_rawget(L, -2)
        guard lua_type(L, -1) == LUA_TTABLE else { return nil }
        if lua_rawequal(L, -1, idx) != 0 { return "foley" }
        let foleyIdx = lua_gettop(L)
        for (k, tIdx) in tableEntries(foleyIdx) {
            if lua_rawequal(L, tIdx, idx) != 0 { return "foley.\(k)" }
            if lua_type(L, tIdx) == LUA_TTABLE {
                let isTypes = k == "types"
                for (k2, vIdx) in tableEntries(tIdx) {
                    if lua_rawequal(L, vIdx, idx) != 0 { return isTypes ? k2 : "foley.\(k).\(k2)" }
                    if isTypes && lua_type(L, vIdx) == LUA_TTABLE {
                        for (m, mIdx) in tableEntries(vIdx) where lua_rawequal(L, mIdx, idx) != 0 { return "\(k2):\(m)" }
                    }
                }
            }
        }
        return nil
    }

    /// String keys of the table at idx; each value is left on the stack at the returned index
    /// (the caller's `settop` cleans up).
    func tableEntries(_ idx: Int32) -> [(String, Int32)] {
        var out: [(String, Int32)] = []
        lua_pushnil(L)
        while lua_next(L, idx) != 0 {
            guard lua_checkstack(L, 4) != 0 else { foley_lua_pop(L, 2); break }
            if lua_type(L, -2) == LUA_TSTRING, let k = foley_lua_tostring(L, -2) {
                let key = String(cString: k)
                lua_pushvalue(L, -1)
                foley_lua_insert(L, -3)   // keep a copy of the value below the key
                out.append((key, lua_gettop(L) - 2))
            }
            foley_lua_pop(L, 1)
        }
        return out
    }
}
