import Foundation

/// A one-line progress bar (steps, it/s, ETA) on a terminal; silent when stderr is piped.
final class ProgressBar {
    let label: String
    let start = Date()
    let enabled = isatty(STDERR_FILENO) != 0
    var total: Int

    init(total: Int, label: String) {
        self.total = total
        self.label = label
    }

    func update(_ done: Int, total: Int? = nil, extra: String = "") {
        if let total { self.total = total }
        guard enabled else { return }
        let elapsed = Date().timeIntervalSince(start)
        let rate = elapsed > 0 ? Double(done) / elapsed : 0
        let eta = rate > 0 ? Double(self.total - done) / rate : 0
        let width = 30, filled = self.total > 0 ? width * done / self.total : 0
        let bar = String(repeating: "#", count: filled) + String(repeating: "-", count: width - filled)
        let line = String(format: "\r%@ [%@] %d/%d  %.2f it/s  ETA %.0fs %@", label, bar, done, self.total, rate, eta, extra)
        FileHandle.standardError.write(Data(line.utf8))
    }

    func finish() { if enabled { FileHandle.standardError.write(Data("\n".utf8)) } }
}
