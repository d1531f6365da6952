import CLua
import CLuaShim
import Foundation
import Tensors

/// The interactive prompt, following lua.c (5.4): each line is first tried as `return <line>;`
/// (so bare expressions print their values; `=expr` works too), else as a statement, reading
/// more lines with the second prompt (`>> `) while the syntax error ends in `<eof>`; results
/// print through the global `print` (via `foley.show`: tables pretty, tensors in full); errors
/// print with their traceback; Ctrl-C interrupts the running entry (see Tensors' Interrupt). Every
/// entry is a numbered notebook cell; lines starting with `:` are REPL commands.
public final class Repl {
    public let lua: LuaState
    public let notebook = Notebook()
    let reader: LineReader?
    let interactive: Bool
    /// Whether Ctrl-C abandoned the entry being typed (set by the continuation-line reader).
    var abandoned = false
    /// The chunk name of entries, as lua.c's.
    static let chunkName = "=stdin"
    /// Where an entry's error (syntax or run time, with its traceback) goes instead of stderr: a Jupyter kernel
    /// turns it into an `error` message.
    public var onError: ((String) -> Void)?
    /// Shows an entry's results (stack indices first..first+count-1) instead of printing them with `foley.show`;
    /// false if showing failed. A Jupyter kernel makes rich displays of them.
    public var presentResults: ((_ first: Int32, _ count: Int32) -> Bool)?

    public static let commands: [(String, String)] = [
        (":help [name]", "help on a name or value (foley.tensor, zeros, t:reshape), or this overview"),
        (":time <code>", "runs the code and prints its wall-clock time"),
        (":profile <code>", "runs the code and prints time per op and per layer (foley.profile)"),
        (":save <file>", "saves the session as .md or .ipynb (re-run with `foley run file.md`) or .html"),
        (":quit", "leaves (as does Ctrl-D)"),
    ]

    /// `reader` nil: entries come only through `execute` (notebook replay).
    public init(lua: LuaState, reader: LineReader?, interactive: Bool) {
        self.lua = lua
        self.reader = reader
        self.interactive = interactive
    }

    /// The REPL on this process's terminal, or plain stdin lines without prompts when stdin is not one.
    public static func standard(lua: LuaState = .foley()) -> Repl {
        let tty = isatty(STDIN_FILENO) != 0
        let reader: LineReader = tty ? EditLineReader(lua: lua) : PlainLineReader()
        return Repl(lua: lua, reader: reader, interactive: tty)
    }

    /// Reads and runs entries until end of input or `:quit`; returns the exit status.
    @discardableResult
    public func run() -> Int32 {
        Notebook.current = notebook
        defer { Notebook.current = nil }
        if interactive {
            Output.emit("Foley \(FoleyBindings.foleyVersion) (Lua \(Int(lua_version(lua.L)) / 100).\(Int(lua_version(lua.L)) % 100))  :help for help, Ctrl-D to quit\n")
        }
        while let line = reader?.readLine(prompt: prompt(first: true)) {
            if line == LineReaderInterrupted { continue }
            abandoned = false
            let more = { [self] () -> String? in
                let next = reader?.readLine(prompt: prompt(first: false))
                if next == LineReaderInterrupted { abandoned = true; return nil }
                return next
            }
            if !handle(firstLine: line, more: more) { break }
        }
        if interactive { Output.emit("\n") }
        return 0
    }

    /// Runs one complete entry as typed (a notebook cell): false if it failed.
    @discardableResult
    public func execute(_ entry: String) -> Bool {
        var failed = false
        _ = handle(firstLine: entry, more: { nil }, failed: &failed)
        return !failed
    }

    func prompt(first: Bool) -> String {
        guard interactive else { return "" }
        let L = lua.L
        lua.pushGlobal(first ? "_PROMPT" : "_PROMPT2")
        defer { foley_lua_pop(L, 1) }
        if lua_type(L, -1) == LUA_TSTRING, let p = foley_lua_tostring(L, -1) { return String(cString: p) }
        return first ? "> " : ">> "
    }

    func handle(firstLine: String, more: () -> String?) -> Bool {
        var failed = false
        return handle(firstLine: firstLine, more: more, failed: &failed)
    }

    /// One entry starting with `firstLine`; false when the REPL should stop.
    func handle(firstLine: String, more: () -> String?, failed: inout Bool) -> Bool {
        let trimmed = firstLine.trimmingCharacters(in: .whitespaces)
        if trimmed.isEmpty { return true }
        if trimmed.hasPrefix(":"), !trimmed.hasPrefix("::") {
            return command(trimmed, more: more, failed: &failed)
        }
        let (code, syntaxError) = compile(firstLine, more: more)
        // Ctrl-C on a continuation line drops the whole entry, as at the first line.
        if abandoned { return true }
        reader?.addHistory(code)
        notebook.begin(code: code)
        defer { notebook.end() }
        if let syntaxError { reportError(syntaxError); failed = true; return true }
        if !callAndPrint() { failed = true }
        return true
    }

    /// Compiles an entry as lua.c's loadline; the function is left on the stack when there is
    /// no error. Returns the entry's text as typed and the syntax error, if any.
    func compile(_ firstLine: String, more: () -> String?) -> (String, String?) {
        var line = firstLine
        if line.hasPrefix("=") { line = "return " + line.dropFirst() }
        if (try? lua.load("return " + line + ";", name: Repl.chunkName)) != nil { return (firstLine, nil) }
        var typed = firstLine, buffer = line
        while true {
            do {
                try lua.load(buffer, name: Repl.chunkName)
                return (typed, nil)
            } catch {
                let message = "\(error)"
                if Repl.wantsMoreInput(message), let next = more() {
                    typed += "\n" + next
                    buffer += "\n" + next
                    continue
                }
                return (typed, message)
            }
        }
    }

    /// lua.c's incomplete-input rule: a syntax error at the end of the text means "read another line".
    static func wantsMoreInput(_ syntaxError: String) -> Bool { syntaxError.hasSuffix("<eof>") }

    /// Whether an entry is ready to run, as the prompt decides between `> ` and `>> ` (a Jupyter is_complete).
    public enum Completeness: String { case complete, incomplete, invalid }

    /// `code` judged by the rule the prompt reads lines with; REPL commands (`:help`) are complete.
    public func completeness(of code: String) -> Completeness {
        let L = lua.L
        let base = lua_gettop(L)
        defer { lua_settop(L, base) }
        let t = code.trimmingCharacters(in: .whitespacesAndNewlines)
        if t.isEmpty || (t.hasPrefix(":") && !t.hasPrefix("::")) { return .complete }
        let (_, syntaxError) = compile(code, more: { nil })
        guard let syntaxError else { return .complete }
        return Repl.wantsMoreInput(syntaxError) ? .incomplete : .invalid
    }

    /// An entry's error, to `onError` when set, else to stderr.
    func reportError(_ message: String) {
        if let onError { onError(message) } else { Output.emitError(message + "\n") }
    }

    /// Calls the compiled entry on top of the stack and prints its results; false on error.
    func callAndPrint(errorPrefix: String = "") -> Bool {
        let L = lua.L
        let base = lua_gettop(L) - 1
        defer { lua_settop(L, base); fflush(stdout) }
        do {
            try lua.call(nargs: 0, nresults: LUA_MULTRET)
        } catch {
            reportError("\(errorPrefix)\(error)")
            return false
        }
        let n = lua_gettop(L) - base
        guard n > 0 else { return true }
        if let presentResults { return presentResults(base + 1, n) }
        // lua.c's l_print, through foley.show (pretty tables), falling back to print.
        lua.pushGlobal("foley")
        if lua_type(L, -1) == LUA_TTABLE { lua_pushstring(L, "show"); lua_rawget(L, -2); foley_lua_remove(L, -2) }
        if lua_type(L, -1) != LUA_TFUNCTION { foley_lua_pop(L, 1); lua.pushGlobal("print") }
        foley_lua_insert(L, base + 1)
        if foley_lua_pcall(L, n, 0, 0) != LUA_OK {
            reportError("error calling 'print' (\(lua.popError().message))")
            return false
        }
        return true
    }

    // MARK: commands

    /// A command that runs code (`:time`, `:profile`): compiles `rest` (reading more lines as lua.c does),
    /// records the entry in history and the notebook, then `run` calls the compiled chunk on the stack top.
    func codeCell(_ name: String, _ rest: String, more: () -> String?, failed: inout Bool, run: () -> Bool) {
        guard !rest.isEmpty else { Output.emitError("usage: :\(name) <code>\n"); failed = true; return }
        let (code, syntaxError) = compile(rest, more: more)
        let entry = ":\(name) " + code
        reader?.addHistory(entry)
        notebook.begin(code: entry)
        defer { notebook.end() }
        if let syntaxError { reportError(syntaxError); failed = true; return }
        if !run() { failed = true }
    }

    func command(_ text: String, more: () -> String?, failed: inout Bool) -> Bool {
        let body = text.dropFirst()
        let name = String(body.prefix(while: { !$0.isWhitespace }))
        let rest = body.dropFirst(name.count).trimmingCharacters(in: .whitespaces)
        switch name {
        case "help", "h", "?":
            reader?.addHistory(text)
            Output.emit((rest.isEmpty ? lua.help.overview(commands: Repl.commands) : lua.helpText(rest)) + "\n")
        case "time", "t":
            codeCell(name, rest, more: more, failed: &failed) {
                var t0 = timespec(), t1 = timespec()
                clock_gettime(CLOCK_MONOTONIC, &t0)
                let good = callAndPrint()
                clock_gettime(CLOCK_MONOTONIC, &t1)
                let dt = Double(t1.tv_sec - t0.tv_sec) + Double(t1.tv_nsec - t0.tv_nsec) * 1e-9
                Output.emit("time: \(Repl.formatDuration(dt))\n")
                return good
            }
        case "profile", "p":
            codeCell(name, rest, more: more, failed: &failed) {
                do {
                    let (good, report) = try Profiler.record { callAndPrint() }
                    Output.emit(report.table())
                    return good
                } catch {
                    foley_lua_pop(lua.L, 1)  // the compiled chunk: a profile was already recording, nothing ran
                    Output.emitError("\(error)\n")
                    return false
                }
            }
        case "save", "s":
            reader?.addHistory(text)
            guard !rest.isEmpty else { reportError("usage: :save <file.md | file.ipynb | file.html>"); failed = true; return true }
            do {
                try notebook.save(to: rest)
                Output.emit("saved \(notebook.cells.count) cells to \(rest)\n")
            } catch {
                reportError("\(error)")
                failed = true
            }
        case "quit", "q", "exit":
            return false
        default:
            reportError("unknown command :\(name) (:help lists the commands)")
            failed = true
        }
        return true
    }

    static func formatDuration(_ s: Double) -> String {
        if s < 1e-3 { return String(format: "%.1f µs", s * 1e6) }
        if s < 1 { return String(format: "%.2f ms", s * 1e3) }
        return String(format: "%.3f s", s)
    }
}
