import Foundation

/// Foley's version, recorded beside every output and shown by the REPL and `foley --version`.
public let foleyVersion = "0.1.0"

/// Where Foley keeps downloaded models: `$FOLEY_HOME`, else `~/.cache/foley`.
public enum FoleyPaths {
    public static var home: URL {
        if let h = ProcessInfo.processInfo.environment["FOLEY_HOME"], !h.isEmpty {
            return URL(fileURLWithPath: h)
        }
        return FileManager.default.homeDirectoryForCurrentUser.appendingPathComponent(".cache/foley")
    }

    /// The default text encoder's folder (all-MiniLM-L6-v2, fetched by scripts/setup).
    public static var miniLM: URL { home.appendingPathComponent("models/all-MiniLM-L6-v2") }
}
