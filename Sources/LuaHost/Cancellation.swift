import CLuaShim

/// Ctrl-C while a cell or script runs: the SIGINT handler (in CLuaShim, installed around each
/// chunk as lua.c does) sets a Lua hook raising "interrupted!" at the next safe point in Lua code
/// and sets this flag. Long Swift loops (generation, training) poll it between steps and stop by
/// throwing `Cancellation.Interrupted`, which the binding boundary turns into the Lua error.
public enum Cancellation {
    /// Whether Ctrl-C was pressed since the running chunk started.
    public static var requested: Bool { foley_cancel_requested() != 0 }

    /// Sets the flag as Ctrl-C would (tests, or a binding that wants its own loop to stop).
    public static func request() { foley_cancel_request() }

    /// Clears the flag (each chunk run through `LuaState.call` starts cleared).
    public static func reset() { foley_cancel_reset() }

    /// Throws `Interrupted` if Ctrl-C was pressed: `try Cancellation.check()` in a loop.
    public static func check() throws {
        if requested { throw Interrupted() }
    }

    /// The error a cancelled Swift loop throws; Lua sees "interrupted!".
    public struct Interrupted: Error, CustomStringConvertible {
        public init() {}
        public var description: String { "interrupted!" }
    }
}
