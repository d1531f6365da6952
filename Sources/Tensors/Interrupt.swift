import Foundation

/// The one Ctrl-C flag of the process, as lua.c has one. A signal handler only sets it; long loops
/// (denoising, training, probe runs) poll it between steps and stop cleanly. The word lives at a fixed
/// address so that C signal handlers (Lua's chunk runner in CLuaShim) write the same flag Swift reads.
public enum Interrupt {
    /// Allocated once and never freed: a signal handler may write it at any time.
    nonisolated(unsafe) public static let flag: UnsafeMutablePointer<sig_atomic_t> = {
        let p = UnsafeMutablePointer<sig_atomic_t>.allocate(capacity: 1)
        p.initialize(to: 0)
        return p
    }()
    nonisolated(unsafe) static var installed = 0
    nonisolated(unsafe) static var installedSignals: [Int32] = []

    /// Whether Ctrl-C (or a `request`) came since the last `reset`.
    public static var requested: Bool { flag.pointee != 0 }

    /// Sets the flag as Ctrl-C would (tests, or code that wants a running loop to stop at its next step).
    public static func request() { flag.pointee = 1 }

    /// Clears the flag (each Lua chunk and each command-line run starts cleared).
    public static func reset() { flag.pointee = 0 }

    /// Throws `Interrupted` if the flag is set: `try Interrupt.check()` between steps of a loop.
    public static func check() throws {
        if requested { throw Interrupted() }
    }

    /// The error a stopped loop throws; Lua shows it as "interrupted!".
    public struct Interrupted: Error, CustomStringConvertible {
        public init() {}
        public var description: String { "interrupted!" }
    }

    /// Routes `signals` to the flag for a command-line run: the first signal sets it and restores the default
    /// action, so a second Ctrl-C kills the process as usual. Calls nest; the outermost `uninstall` restores.
    public static func install(signals: [Int32] = [SIGINT, SIGTERM]) {
        _ = flag   // initialized here, never first inside a handler
        installed += 1
        guard installed == 1 else { return }
        installedSignals = signals
        for s in signals {
            signal(s) { sig in
                Interrupt.flag.pointee = sig   // non-zero: the flag, and which signal set it
                signal(sig, SIG_DFL)
            }
        }
    }

    /// The exit status of a process stopped by the flag, as a shell reports a signal's: 128 + the signal that set
    /// it (130 for SIGINT, 143 for SIGTERM); 130 when it was set otherwise (Lua's Ctrl-C, `request`).
    public static var exitStatus: Int32 {
        let s = flag.pointee
        return 128 + (s > 1 && s < 64 ? Int32(s) : SIGINT)
    }

    /// Undoes one `install`; the last restores the default actions.
    public static func uninstall() {
        guard installed > 0 else { return }
        installed -= 1
        guard installed == 0 else { return }
        for s in installedSignals { signal(s, SIG_DFL) }
        installedSignals = []
    }
}
