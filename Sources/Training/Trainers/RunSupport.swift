import Foundation
import Tensors

/// How progress is shown.
public enum ProgressMode: Sendable {
    /// A bar on a terminal, nothing when stderr is piped.
    case auto
    case bar
    case quiet
}

/// A one-line progress bar on stderr: step, loss, steps/s and ETA.
final class ProgressBar {
    let total: Int
    let enabled: Bool
    private var lastDraw = 0.0
    private var drew = false

    init(total: Int, mode: ProgressMode) {
        self.total = total
        switch mode {
        case .auto: enabled = isatty(STDERR_FILENO) != 0
        case .bar: enabled = true
        case .quiet: enabled = false
        }
    }

    static func clock(_ s: Double) -> String {
        guard s.isFinite, s >= 0 else { return "--:--" }
        let t = Int(s.rounded())
        return t >= 3600 ? String(format: "%d:%02d:%02d", t / 3600, t / 60 % 60, t % 60) : String(format: "%02d:%02d", t / 60, t % 60)
    }

    func update(step: Int, loss: Double, stepsPerSecond: Double, force: Bool = false) {
        guard enabled else { return }
        let now = Date().timeIntervalSinceReferenceDate
        guard force || now - lastDraw >= 0.1 || step == total else { return }
        lastDraw = now
        let width = 24
        let filled = total > 0 ? min(width, width * step / total) : 0
        let bar = String(repeating: "#", count: filled) + String(repeating: "-", count: width - filled)
        let eta = stepsPerSecond > 0 ? Double(total - step) / stepsPerSecond : .infinity
        let line = String(format: "\r[%@] %d/%d loss %.4f  %.2f steps/s  ETA %@ ", bar, step, total, loss, stepsPerSecond, Self.clock(eta))
        FileHandle.standardError.write(Data(line.utf8))
        drew = true
    }

    /// Ends the bar's line before other output.
    func clearLine() {
        guard enabled, drew else { return }
        FileHandle.standardError.write(Data("\n".utf8))
        drew = false
    }
}

/// The experiment's `log.jsonl`: one JSON object per logged step (and per validation).
final class RunLog {
    let path: String
    private var handle: FileHandle?

    /// Opens the log; with `truncateAfter`, drops records past that step (a resumed run rewrites what it redoes).
    init(path: String, truncateAfter step: Int?) throws {
        self.path = path
        let fm = FileManager.default
        if let step, let data = fm.contents(atPath: path) {
            let kept = String(decoding: data, as: UTF8.self).split(separator: "\n").filter { line in
                guard let o = try? JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any],
                      let s = (o["step"] as? NSNumber)?.intValue else { return false }
                return s <= step
            }
            try AtomicFileWrite.write(kept.isEmpty ? "" : kept.joined(separator: "\n") + "\n", to: path)
        } else if step == nil || !fm.fileExists(atPath: path) {
            try AtomicFileWrite.write("", to: path)
        }
        handle = FileHandle(forWritingAtPath: path)
        handle?.seekToEndOfFile()
    }

    func append(_ record: [String: Any]) {
        guard let data = try? JSONSerialization.data(withJSONObject: record, options: [.sortedKeys, .withoutEscapingSlashes]) else { return }
        handle?.write(data + Data("\n".utf8))
    }

    deinit { try? handle?.close() }
}

enum AtomicFileWrite {
    static func write(_ text: String, to path: String) throws {
        try AtomicFile.write(Data(text.utf8), to: path)
    }
}

