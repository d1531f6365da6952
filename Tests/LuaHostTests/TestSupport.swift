import Foundation
import LuaHost
import TestSupport
import XCTest

/// The repository root (for examples/ and stdlib/).
let repoRoot: URL = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()

/// The built `foley` executable next to the test bundle (.build/<config>/foley).
func foleyBinary(file: StaticString = #filePath, line: UInt = #line) throws -> String {
    if let path = TestSupport.foleyExecutable() { return path }
    XCTFail("the foley executable was not found next to \(TestSupport.testExecutable): build it (swift build) first", file: file, line: line)
    throw MissingPrerequisite("no foley binary")
}

/// A fresh temporary folder, removed at the end of the test.
func temporaryDirectory(_ test: XCTestCase) throws -> URL {
    let dir = FileManager.default.temporaryDirectory.appendingPathComponent("foley-tests-\(UUID().uuidString)")
    try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
    test.addTeardownBlock { try? FileManager.default.removeItem(at: dir) }
    return dir
}

struct ProcessResult {
    let status: Int32
    let stdout: String
    let stderr: String
}

/// Runs the foley binary with `args` and `stdin` (not a terminal), killing it after `timeout`.
func runFoley(_ args: [String], stdin: String = "", environment: [String: String] = [:], cwd: URL? = nil,
              timeout: TimeInterval = 60) throws -> ProcessResult {
    let p = Process()
    p.executableURL = URL(fileURLWithPath: try foleyBinary())
    p.arguments = args
    var env = ProcessInfo.processInfo.environment
    env.removeValue(forKey: "FOLEY_STDLIB")
    for (k, v) in environment { env[k] = v }
    p.environment = env
    if let cwd { p.currentDirectoryURL = cwd }
    let inPipe = Pipe(), outPipe = Pipe(), errPipe = Pipe()
    p.standardInput = inPipe
    p.standardOutput = outPipe
    p.standardError = errPipe
    try p.run()
    // Read both pipes concurrently so a chatty child never blocks on a full pipe.
    final class Sink: @unchecked Sendable { var data = Data() }
    let out = Sink(), err = Sink()
    let group = DispatchGroup()
    group.enter()
    DispatchQueue.global().async { out.data = outPipe.fileHandleForReading.readDataToEndOfFile(); group.leave() }
    group.enter()
    DispatchQueue.global().async { err.data = errPipe.fileHandleForReading.readDataToEndOfFile(); group.leave() }
    inPipe.fileHandleForWriting.write(Data(stdin.utf8))
    try? inPipe.fileHandleForWriting.close()
    let deadline = Date().addingTimeInterval(timeout)
    while p.isRunning && Date() < deadline { usleep(10_000) }
    if p.isRunning {
        p.terminate()
        kill(p.processIdentifier, SIGKILL)
        XCTFail("foley \(args) timed out after \(timeout) s")
    }
    p.waitUntilExit()
    group.wait()
    return ProcessResult(status: p.terminationStatus, stdout: String(decoding: out.data, as: UTF8.self),
                         stderr: String(decoding: err.data, as: UTF8.self))
}

/// The foley binary on a pseudo-terminal: write keystrokes, wait for output with a timeout.
final class PtySession {
    let pid: pid_t
    let master: Int32
    /// Everything read so far that `expect` has not consumed.
    private(set) var pending = ""
    private var exited: Int32?

    init(arguments: [String] = [], environment: [String: String]) throws {
        let exe = try foleyBinary()
        var env = ProcessInfo.processInfo.environment
        env.removeValue(forKey: "FOLEY_STDLIB")
        env["TERM"] = "xterm"
        for (k, v) in environment { env[k] = v }
        // Everything the child needs is allocated before fork: it only calls execve.
        let argv = UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>.allocate(capacity: arguments.count + 2)
        argv[0] = strdup(exe)
        for (i, a) in arguments.enumerated() { argv[i + 1] = strdup(a) }
        argv[arguments.count + 1] = nil
        let pairs = env.map { "\($0.key)=\($0.value)" }
        let envp = UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>.allocate(capacity: pairs.count + 1)
        for (i, s) in pairs.enumerated() { envp[i] = strdup(s) }
        envp[pairs.count] = nil
        let path = strdup(exe)!
        var ws = winsize(ws_row: 40, ws_col: 120, ws_xpixel: 0, ws_ypixel: 0)
        var m: Int32 = -1
        let pid = forkpty(&m, nil, nil, &ws)
        if pid == 0 {
            execve(path, argv, envp)
            _exit(127)
        }
        for i in 0..<(arguments.count + 1) { free(argv[i]) }
        argv.deallocate()
        for i in 0..<pairs.count { free(envp[i]) }
        envp.deallocate()
        free(path)
        guard pid > 0 else { throw NSError(domain: "forkpty", code: Int(errno)) }
        self.pid = pid
        master = m
    }

    deinit {
        if exited == nil {
            kill(pid, SIGKILL)
            var st: Int32 = 0
            waitpid(pid, &st, 0)
        }
        close(master)
    }

    func send(_ text: String) {
        let bytes = Array(text.utf8)
        var off = 0
        while off < bytes.count {
            let n = bytes[off...].withUnsafeBufferPointer { write(master, $0.baseAddress, $0.count) }
            if n <= 0 { break }
            off += n
        }
    }

    /// Reads what is available within `ms` milliseconds; false at end of output.
    @discardableResult
    func pump(ms: Int32) -> Bool {
        var fds = pollfd(fd: master, events: Int16(POLLIN), revents: 0)
        guard poll(&fds, 1, ms) > 0 else { return true }
        var buf = [UInt8](repeating: 0, count: 4096)
        let n = read(master, &buf, buf.count)
        guard n > 0 else { return false }
        pending += String(decoding: buf[0..<n], as: UTF8.self)
        return true
    }

    /// Waits until the output contains `text`; returns the output up to and including it and
    /// consumes it. Fails (rather than hangs) after `timeout` seconds.
    @discardableResult
    func expect(_ text: String, timeout: TimeInterval = 15, file: StaticString = #filePath, line: UInt = #line) -> String? {
        let deadline = Date().addingTimeInterval(timeout)
        while true {
            if let r = pending.range(of: text) {
                let got = String(pending[..<r.upperBound])
                pending = String(pending[r.upperBound...])
                return got
            }
            if Date() >= deadline {
                XCTFail("timed out waiting for \(text.debugDescription); got \(pending.debugDescription)", file: file, line: line)
                return nil
            }
            if !pump(ms: 50) {
                if pending.range(of: text) == nil {
                    XCTFail("foley ended while waiting for \(text.debugDescription); got \(pending.debugDescription)", file: file, line: line)
                    return nil
                }
            }
        }
    }

    /// Waits for the process to end; its wait status, or nil on timeout.
    func waitForExit(timeout: TimeInterval = 10) -> Int32? {
        let deadline = Date().addingTimeInterval(timeout)
        while Date() < deadline {
            var st: Int32 = 0
            let r = waitpid(pid, &st, WNOHANG)
            if r == pid { exited = st; return st }
            _ = pump(ms: 20)
        }
        print("waitForExit timed out; output: \(pending.debugDescription)")
        return nil
    }
}

/// A LuaState with the foley bindings, and helpers to run chunks and capture their printing.
final class LuaHarness {
    let lua = LuaState.foley()

    /// Runs `chunk`, returning its results as strings (throws the Lua error).
    @discardableResult
    func run(_ chunk: String) throws -> [String] { try lua.run(chunk, name: "=test") }

    /// The error message `chunk` raises, or nil if it runs.
    func error(_ chunk: String) -> String? {
        do { try lua.run(chunk, name: "=test"); return nil } catch { return "\(error)" }
    }

    /// What `chunk` prints (print, io.write, REPL result printing) when run as a REPL entry.
    func printed(_ chunk: String) -> String {
        let repl = Repl(lua: lua, reader: nil, interactive: false)
        let saved = Notebook.current
        Notebook.current = repl.notebook
        defer { Notebook.current = saved }
        repl.execute(chunk)
        return repl.notebook.cells.last?.output ?? ""
    }
}
