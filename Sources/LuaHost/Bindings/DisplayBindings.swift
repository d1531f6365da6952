import CLua
import CLuaShim
import Foundation

/// How values and progress are shown when something richer than a terminal is attached (a Jupyter kernel sets
/// these hooks); without one, `foley.display` prints as the prompt does and progress is not drawn.
public enum Display {
    /// Shows the value at a stack index richly; nil at the prompt.
    nonisolated(unsafe) public static var handler: ((Lua, Int32) throws -> Void)?
    /// Draws `done` of `total` steps of long work named `label` (a kernel's progress bar, updated in place).
    nonisolated(unsafe) public static var progress: ((_ label: String, _ done: Int, _ total: Int) -> Void)?

    public static func register(_ lua: LuaState) {
        lua.register(library: "", [
            LuaFunction("display", """
            foley.display(v, ...)
            Shows each value as a notebook cell's result does: in Jupyter an Audio clip becomes an audio player with
            its spectrogram, anything else its printed form; at the prompt it prints as foley.show.
            """) { lua in
                let n = lua_gettop(lua.L)
                if let handler {
                    for i in stride(from: 1, through: n, by: 1) { try handler(lua, i) }
                    return 0
                }
                let L = lua.L
                lua_getglobal(L, "foley")
                lua_getfield(L, -1, "show")
                foley_lua_remove(L, -2)
                foley_lua_insert(L, 1)
                _ = try lua.callFunctionArgument()
                return 0
            },
        ])
    }
}
