import Foundation

/// What model loading says: quiet by default; `FOLEY_LOG=info` (or a command's `--verbose`) prints each model's
/// hyperparameters to stderr as it loads (as whisper.cpp logs its model), so a run's log shows exactly which
/// architecture it used. Every loader, from text encoders to vocoders, reports through here.
public enum LoadLog {
    /// Set by `--verbose`; `FOLEY_LOG` is read on every call, so a script may turn it on mid-session.
    nonisolated(unsafe) public static var verbose = false
    /// Where messages go (stderr unless a test captures them).
    nonisolated(unsafe) public static var sink: (String) -> Void = { FileHandle.standardError.write(Data(($0 + "\n").utf8)) }

    /// Whether `--verbose` or `FOLEY_LOG` asks for info messages.
    public static var enabled: Bool {
        verbose || ["info", "debug"].contains(ProcessInfo.processInfo.environment["FOLEY_LOG"]?.lowercased() ?? "")
    }

    /// `loaded <Class> from <folder>: <config as sorted JSON>`, when enabled.
    public static func loaded<C: Encodable>(_ className: String, from folder: URL, config: C) {
        guard enabled else { return }
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        encoder.nonConformingFloatEncodingStrategy = .convertToString(positiveInfinity: "Infinity", negativeInfinity: "-Infinity", nan: "NaN")
        let json = (try? encoder.encode(config)).map { String(decoding: $0, as: UTF8.self) } ?? "{}"
        sink("loaded \(className) from \(folder.path): \(json)")
    }

    /// The same for a config held as parsed JSON (a transformers config.json, whose keys vary by family).
    public static func loaded(_ className: String, from folder: URL, values: [String: Any]) {
        guard enabled else { return }
        let data = (try? JSONSerialization.data(withJSONObject: values, options: [.sortedKeys])) ?? Data("{}".utf8)
        sink("loaded \(className) from \(folder.path): \(String(decoding: data, as: UTF8.self))")
    }
}
