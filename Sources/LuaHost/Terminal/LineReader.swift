import CEdit
import Foundation

/// Where the REPL reads its lines from.
public protocol LineReader: AnyObject {
    /// The next line without its newline, `LineReaderInterrupted` when Ctrl-C abandoned it, or nil at end of input.
    func readLine(prompt: String) -> String?
    /// Remembers a complete entry (and saves the history, if any).
    func addHistory(_ entry: String)
}

/// What `readLine` returns when Ctrl-C at the prompt abandoned the line being typed (ETX, the byte Ctrl-C types).
public let LineReaderInterrupted = "\u{3}"

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
        // Foley handles SIGINT itself (readLine's handler at the prompt, Interrupt while code runs).
        rl_catch_signals = 0
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

    /// The line the callback interface handed over (nil: end of input), and whether it has.
    nonisolated(unsafe) static var received: String?
    nonisolated(unsafe) static var lineDone = false
    /// Set by the prompt's SIGINT handler.
    nonisolated(unsafe) static var promptInterrupted: sig_atomic_t = 0

    /// Reads through libedit's callback interface so that Ctrl-C at an idle prompt abandons the line instead of
    /// killing the process (as Python, Julia and Node do): while waiting for a key a SIGINT handler only sets a
    /// flag, the wait returns, and the line is dropped. Ctrl-D on an empty line still ends the input.
    public func readLine(prompt: String) -> String? {
        EditLineReader.received = nil
        EditLineReader.lineDone = false
        EditLineReader.promptInterrupted = 0
        var action = sigaction(), previous = sigaction()
        action.__sigaction_handler.sa_handler = { _ in EditLineReader.promptInterrupted = 1 }
        sigemptyset(&action.sa_mask)
        action.sa_flags = 0   // no SA_RESTART: the wait below must return on the signal
        sigaction(SIGINT, &action, &previous)
        defer { sigaction(SIGINT, &previous, nil) }
        rl_callback_handler_install(prompt) { line in
            EditLineReader.received = line.map { String(cString: $0) }
            if let line { free(line) }
            EditLineReader.lineDone = true
        }
        defer { rl_callback_handler_remove() }
        while !EditLineReader.lineDone {
            var fds = pollfd(fd: STDIN_FILENO, events: Int16(POLLIN), revents: 0)
            let ready = poll(&fds, 1, -1)
            if EditLineReader.promptInterrupted != 0 {
                // The terminal goes back to cooked mode when the handler is removed; show where the line ended.
                FileHandle.standardOutput.write(Data("^C\n".utf8))
                return LineReaderInterrupted
            }
            if ready < 0 { if errno == EINTR { continue } else { return nil } }
            if fds.revents & Int16(POLLIN | POLLHUP | POLLERR) != 0 { rl_callback_read_char() }
        }
        return EditLineReader.received
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
