import Foundation

/// Finds the model `foley generate` uses when none is named.
public enum DefaultModel {
    /// Where a default model was found, for `foley info` to say.
    public enum Source: String {
        case environment = "FOLEY_MODEL", checkout = "the source tree of this executable", home = "FOLEY_HOME (installed)"
    }

    /// `$FOLEY_MODEL`, else `models/default` in the source tree holding this executable, else `$FOLEY_HOME/models/default`.
    public static func locate(executable: String? = nil) -> URL? { find(executable: executable)?.folder }

    /// The folder and which rule found it. The executable is the running program's real file (`/proc/self/exe`), not
    /// `argv[0]`, so a binary found through PATH or a symlink still finds the checkout it was built in.
    public static func find(executable: String? = nil) -> (folder: URL, source: Source)? {
        let fm = FileManager.default
        if let m = ProcessInfo.processInfo.environment["FOLEY_MODEL"], !m.isEmpty { return (URL(fileURLWithPath: m), .environment) }
        var dir = URL(fileURLWithPath: executable ?? runningExecutable()).resolvingSymlinksInPath().deletingLastPathComponent()
        for _ in 0..<6 {
            let candidate = dir.appendingPathComponent("models/default")
            if fm.fileExists(atPath: candidate.appendingPathComponent("foley.yaml").path) { return (candidate, .checkout) }
            dir.deleteLastPathComponent()
        }
        let home = FoleyPaths.home.appendingPathComponent("models/default")
        return fm.fileExists(atPath: home.appendingPathComponent("foley.yaml").path) ? (home, .home) : nil
    }

    /// The running program's path: `/proc/self/exe` where there is one, else `argv[0]`.
    static func runningExecutable() -> String {
        (try? FileManager.default.destinationOfSymbolicLink(atPath: "/proc/self/exe")) ?? CommandLine.arguments.first ?? ""
    }
}
