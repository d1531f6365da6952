import Foundation

/// Finds the model `foley generate` uses when none is named.
public enum DefaultModel {
    /// `$FOLEY_MODEL`, else `models/default` in the source tree holding this executable, else `$FOLEY_HOME/models/default`.
    public static func locate(executable: String = CommandLine.arguments.first ?? "") -> URL? {
        let fm = FileManager.default
        if let m = ProcessInfo.processInfo.environment["FOLEY_MODEL"], !m.isEmpty { return URL(fileURLWithPath: m) }
        var dir = URL(fileURLWithPath: executable).resolvingSymlinksInPath().deletingLastPathComponent()
        for _ in 0..<6 {
            let candidate = dir.appendingPathComponent("models/default")
            if fm.fileExists(atPath: candidate.appendingPathComponent("foley.yaml").path) { return candidate }
            dir.deleteLastPathComponent()
        }
        let home = FoleyPaths.home.appendingPathComponent("models/default")
        return fm.fileExists(atPath: home.appendingPathComponent("foley.yaml").path) ? home : nil
    }
}
