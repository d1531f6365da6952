import CLua
import CLuaShim
import Foundation

/// Running code without a prompt: `foley run script.lua [args...]`, `foley -e chunk` and
/// `foley run session.md` (or `notebook.ipynb`). Errors print as lua.c's ("foley: script.lua:3: message" and a
/// traceback) and give exit status 1.
public enum Runner {
    static func report(_ message: String) {
        Output.emitError("foley: \(message)\n")
    }

    /// Runs a script file with lua.c's `arg` table (arg[0] the script, arg[1...] its arguments,
    /// arg[-1] the executable), the arguments also passed as `...`. A `.md` file runs as a
    /// notebook. Returns the exit status.
    public static func runFile(_ path: String, args: [String], lua: LuaState = .foley(), executable: String = "foley") -> Int32 {
        if [".md", ".markdown", ".ipynb"].contains(where: path.lowercased().hasSuffix) {
            return runNotebook(path, lua: lua)
        }
        let L = lua.L
        let base = lua_gettop(L)
        defer { lua_settop(L, base) }
        setArgTable(lua, script: path, args: args, executable: executable)
        guard luaL_loadfilex(L, path, nil) == LUA_OK else {
            report(lua.popError().message)
            return 1
        }
        let pushed = args.filter { _ in lua_checkstack(L, 1) != 0 }
        for a in pushed { Lua(L).push(a) }
        do {
            try lua.call(nargs: Int32(pushed.count), nresults: 0)
        } catch {
            report("\(error)")
            return 1
        }
        fflush(stdout)
        return 0
    }

    /// lua.c's createargtable.
    static func setArgTable(_ lua: LuaState, script: String, args: [String], executable: String) {
        let L = lua.L
        let l = Lua(L)
        lua_createtable(L, Int32(args.count), 2)
        l.push(executable)
        lua_rawseti(L, -2, -1)
        l.push(script)
        lua_rawseti(L, -2, 0)
        for (i, a) in args.enumerated() {
            l.push(a)
            lua_rawseti(L, -2, lua_Integer(i + 1))
        }
        lua.setGlobal("arg")
    }

    /// Runs a chunk (`foley -e`), printing what it returns as the REPL does.
    public static func runChunk(_ chunk: String, lua: LuaState = .foley()) -> Int32 {
        let L = lua.L
        let base = lua_gettop(L)
        defer { lua_settop(L, base) }
        // As the prompt does (and lua.c 5.4 for its own REPL): an expression is returned, so `foley -e '1+1'` prints 2.
        do {
            if (try? lua.load("return " + chunk + ";", name: "=(command line)")) == nil {
                try lua.load(chunk, name: "=(command line)")
            }
        } catch {
            report("\(error)")
            return 1
        }
        let repl = Repl(lua: lua, reader: nil, interactive: false)
        guard repl.callAndPrint(errorPrefix: "foley: ") else { return 1 }
        return 0
    }

    /// Re-runs the ```lua blocks of a saved notebook (or an .ipynb's code cells) in order, each as a REPL entry (so `=expr`
    /// and `:time` cells work and results print); stops at the first failing cell.
    public static func runNotebook(_ path: String, lua: LuaState = .foley()) -> Int32 {
        guard let data = FileManager.default.contents(atPath: path), let text = String(data: data, encoding: .utf8) else {
            report("cannot open \(path)")
            return 1
        }
        let blocks: [String]
        if path.lowercased().hasSuffix(".ipynb") {
            do { blocks = try Notebook.codeCells(ipynb: data, name: path) } catch {
                report("\(error)")
                return 1
            }
        } else {
            blocks = Notebook.luaBlocks(markdown: text)
        }
        let repl = Repl(lua: lua, reader: nil, interactive: false)
        for (i, block) in blocks.enumerated() {
            if !repl.execute(block) {
                report("\(path): cell \(i + 1) failed")
                return 1
            }
        }
        fflush(stdout)
        return 0
    }
}
