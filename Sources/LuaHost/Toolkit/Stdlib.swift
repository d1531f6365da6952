import CLua
import CLuaShim
import Foundation

/// The Lua half of the host (`stdlib/*.lua`: printing, io routing, range/grid/sweep/timeit).
/// The sources are embedded in the binary by `stdlib/embed.sh` (StdlibSources.swift), so the
/// executable needs no files at run time; `FOLEY_STDLIB=<dir>` loads `<dir>/*.lua` instead, to
/// try edits without rebuilding.
public enum Stdlib {
    /// The copies embedded in the binary (file name, source), in load order.
    public static var embedded: [(name: String, source: String)] { StdlibSources.files }

    /// (file name, source) in load order.
    public static func sources() -> [(name: String, source: String)] {
        if let dir = ProcessInfo.processInfo.environment["FOLEY_STDLIB"], !dir.isEmpty,
           let names = try? FileManager.default.contentsOfDirectory(atPath: dir) {
            return names.filter { $0.hasSuffix(".lua") }.sorted().compactMap { n in
                (try? String(contentsOfFile: dir + "/" + n, encoding: .utf8)).map { (n, $0) }
            }
        }
        return StdlibSources.files
    }

    /// Runs each stdlib file in `lua` (after the bindings are registered).
    public static func load(into lua: LuaState) throws {
        let L = lua.L
        for (name, source) in sources() {
            let base = lua_gettop(L)
            defer { lua_settop(L, base) }
            try lua.load(source, name: "@stdlib/" + name)
            try lua.call(nargs: 0, nresults: 0)
        }
    }
}
