import CEdit
import Foundation

/// Where the REPL reads its lines from.
public protocol LineReader: AnyObject {
    /// The next line without its newline, or nil at end of input.
    func readLine(prompt: String) -> String?
    /// Remembers a complete entry (and saves the history, if any).
    func addHistory(_ entry: String)
}

/// Lines from stdin without editing or prompts: when stdin is not a terminal (tests pipe chunks).
public final class PlainLineReader: LineReader {
    public init() {}
    public func readLine(prompt: String) -> String? { Swift.readLine(strippingNewline: true) }
    public func addHistory(_ entry: String) {}
}

/// libedit line editing through its readline API: history kept in `FOLEY_HISTORY` (default
/// `~/.foley_history`), written after each entry; Tab completes Lua names (Completion.swift).
public final class EditLineReader: LineReader {
    let lua: LuaState
    public let historyPath: String
    /// The reader whose interpreter the (context-free) C completion callback uses.
    nonisolated(unsafe) static weak var active: EditLineReader?

    public static var defaultHistoryPath: String {
        if let p = ProcessInfo.processInfo.environment["FOLEY_HISTORY"], !p.isEmpty { return p }
        return FileManager.default.homeDirectoryForCurrentUser.appendingPathComponent(".foley_history").path
    }

    public init(lua: LuaState, historyPath: String = EditLineReader.defaultHistoryPath) {
        self.lua = lua
        self.historyPath = historyPath
        EditLineReader.active = self
        rl_readline_name = UnsafePointer(strdup("foley"))
        rl_initialize()
        // '.' and ':' are not word breaks, so `foley.ten` and `t:resh` complete as one word.
        rl_basic_word_break_characters = UnsafePointer(strdup(" \t\n\"\\'`@$><=;|&{}()[],+-*/%^~#"))
        rl_completer_word_break_characters = strdup(" \t\n\"\\'`@$><=;|&{}()[],+-*/%^~#")
        rl_attempted_completion_function = editlineComplete
        rl_completion_append_character = 0
        using_history()
        stifle_history(1000)
        _ = read_history(historyPath)
    }

    public func readLine(prompt: String) -> String? {
        guard let p = readline(prompt) else { return nil }
        defer { free(p) }
        return String(cString: p)
    }

    public func addHistory(_ entry: String) {
        guard !entry.trimmingCharacters(in: .whitespaces).isEmpty else { return }
        _ = add_history(entry)
        _ = write_history(historyPath)
    }
}

/// libedit's attempted-completion hook: GNU readline's convention, matches[0] the text that
/// replaces the word (the common prefix), then the matches, NULL-terminated, all malloc'ed.
private let editlineComplete: @convention(c) (UnsafePointer<CChar>?, Int32, Int32) -> UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>? = { text, _, _ in
    rl_attempted_completion_over = 1
    guard let text, let reader = EditLineReader.active else { return nil }
    let matches = Completion.candidates(for: String(cString: text), in: reader.lua)
    guard !matches.isEmpty else { return nil }
    var prefix = matches[0]
    for m in matches.dropFirst() {
        prefix = String(zip(prefix, m).prefix(while: { $0 == $1 }).map(\.0))
    }
    let list = matches.count == 1 ? [matches[0]] : [prefix] + matches
    // Two NULLs at the end: libedit looks at matches[2] to decide whether the match is single.
    let out = malloc((list.count + 2) * MemoryLayout<UnsafeMutablePointer<CChar>?>.stride)!
        .bindMemory(to: UnsafeMutablePointer<CChar>?.self, capacity: list.count + 2)
    for (i, s) in list.enumerated() { out[i] = strdup(s) }
    out[list.count] = nil
    out[list.count + 1] = nil
    return out
}
