import CLuaShim
import CZMQ
import Foundation
import LuaHost

/// A Jupyter kernel (messaging protocol 5.3) running Foley's Lua through the REPL: shell requests and cells run on
/// the thread that calls `run` (the execution thread); control and heartbeat have threads of their own, so an
/// interrupt or a shutdown is answered while a cell runs.
public final class Kernel {
    let connection: ConnectionInfo
    let signer: MessageSigner
    let session = UUID().uuidString.lowercased()
    let context: ZMQContext
    let shell, control, stdin, iopub, heartbeat: ZMQSocket
    /// iopub is written by the execution and control threads; zmq sockets need one writer at a time.
    let iopubLock = NSLock()
    public let repl: Repl
    var executionCount = 0
    /// (execution count, code) of every stored cell, for history requests.
    var history: [(Int, String)] = []
    /// The request a cell's output belongs to (its header is the parent of every iopub message it causes).
    var current: WireMessage?
    var executionThread = pthread_self()
    var progress = ProgressDisplay()

    /// Binds the five channels the connection file names; nothing runs until `run`.
    public init(connection: ConnectionInfo, lua: LuaState = .foley()) throws {
        self.connection = connection
        signer = MessageSigner(key: connection.key)
        context = try ZMQContext()
        shell = try ZMQSocket(context, type: ZMQ_ROUTER, name: "shell")
        control = try ZMQSocket(context, type: ZMQ_ROUTER, name: "control")
        stdin = try ZMQSocket(context, type: ZMQ_ROUTER, name: "stdin")
        iopub = try ZMQSocket(context, type: ZMQ_PUB, name: "iopub")
        heartbeat = try ZMQSocket(context, type: ZMQ_REP, name: "heartbeat")
        try shell.bind(connection.endpoint(connection.shellPort))
        try control.bind(connection.endpoint(connection.controlPort))
        try stdin.bind(connection.endpoint(connection.stdinPort))
        try iopub.bind(connection.endpoint(connection.iopubPort))
        try heartbeat.bind(connection.endpoint(connection.hbPort))
        repl = Repl(lua: lua, reader: nil, interactive: false)
    }

    /// Serves requests until a shutdown request ends the process.
    public func run() -> Never {
        executionThread = pthread_self()
        // Every SIGINT (Jupyter's interrupt_mode "signal") stops the running cell; none kills the kernel.
        foley_sigint_persistent()
        // What reaches the process's stdout bypassing Output (Lua's raw io.write) goes to the server's log, never
        // mixed into whatever started Jupyter; the notebook gets it through Output's sink.
        dup2(STDERR_FILENO, STDOUT_FILENO)
        installHooks()
        installInput()
        startThread("heartbeat") { [self] in
            while true {
                guard let ping = try? heartbeat.receive() else { continue }
                try? heartbeat.send(ping)
            }
        }
        startThread("control") { [self] in
            while true {
                do { handle(try WireMessage.parse(try control.receive(), signer: signer, channel: "control"), on: control) } catch {
                    log("\(error)")
                }
            }
        }
        publish("status", ["execution_state": "starting"], parent: [:])
        while true {
            do { handle(try WireMessage.parse(try shell.receive(), signer: signer, channel: "shell"), on: shell) } catch {
                log("\(error)")
            }
        }
    }

    /// A thread that never takes SIGINT, so the signal lands on the execution thread (or another that passes it on).
    func startThread(_ name: String, _ body: @escaping () -> Void) {
        let t = Thread {
            var set = sigset_t()
            sigemptyset(&set)
            sigaddset(&set, SIGINT)
            pthread_sigmask(SIG_BLOCK, &set, nil)
            body()
        }
        t.name = "foley-kernel-\(name)"
        t.stackSize = 1 << 20
        t.start()
    }

    func log(_ message: String) {
        FileHandle.standardError.write(Data("foley kernel: \(message)\n".utf8))
    }

    // MARK: sending

    /// Publishes an iopub message caused by `parent` (the current request by default).
    func publish(_ type: String, _ content: [String: Any], parent: [String: Any]? = nil, metadata: [String: Any] = [:]) {
        let m = WireMessage(identities: [Data("kernel.\(session).\(type)".utf8)],
                            header: WireMessage.header(type: type, session: session),
                            parentHeader: parent ?? current?.header ?? [:], metadata: metadata, content: content)
        iopubLock.lock()
        defer { iopubLock.unlock() }
        do { try iopub.send(try m.frames(signer: signer)) } catch { log("\(error)") }
    }

    /// Sends `type` back to whoever sent `request` on `socket`.
    func reply(_ request: WireMessage, _ type: String, _ content: [String: Any], on socket: ZMQSocket,
               metadata: [String: Any] = [:]) {
        let m = WireMessage(identities: request.identities, header: WireMessage.header(type: type, session: session),
                            parentHeader: request.header, metadata: metadata, content: content)
        do { try socket.send(try m.frames(signer: signer)) } catch { log("\(error)") }
    }

    // MARK: dispatch

    /// One request: busy, the handler, idle (on iopub, as every kernel brackets its work).
    func handle(_ request: WireMessage, on socket: ZMQSocket) {
        publish("status", ["execution_state": "busy"], parent: request.header)
        defer { publish("status", ["execution_state": "idle"], parent: request.header) }
        let type = request.msgType
        switch type {
        case "kernel_info_request": reply(request, "kernel_info_reply", kernelInfo(), on: socket)
        case "shutdown_request": shutdown(request, on: socket)
        case "interrupt_request":
            // The signal's handler stops the cell on the execution thread, as Ctrl-C does at the prompt.
            pthread_kill(executionThread, SIGINT)
            reply(request, "interrupt_reply", ["status": "ok"], on: socket)
        case _ where socket === control:
            reply(request, type.replacingOccurrences(of: "_request", with: "_reply"),
                  ["status": "error", "ename": "UnsupportedRequest", "evalue": "\(type) is not answered on control",
                   "traceback": [String]()], on: socket)
        case "execute_request": execute(request)
        case "complete_request": reply(request, "complete_reply", complete(request.content), on: socket)
        case "inspect_request": reply(request, "inspect_reply", inspect(request.content), on: socket)
        case "is_complete_request": reply(request, "is_complete_reply", isComplete(request.content), on: socket)
        case "history_request": reply(request, "history_reply", historyReply(request.content), on: socket)
        case "comm_info_request": reply(request, "comm_info_reply", ["status": "ok", "comms": [String: Any]()], on: socket)
        case "comm_open", "comm_msg", "comm_close": break   // no comms: Foley has no widgets
        default: log("ignoring a \(type) message")
        }
    }

    func kernelInfo() -> [String: Any] {
        ["status": "ok", "protocol_version": WireMessage.protocolVersion, "implementation": "foley",
         "implementation_version": FoleyBindings.foleyVersion,
         "language_info": Notebook.ipynbMetadata["language_info"] ?? [:],
         "banner": "Foley \(FoleyBindings.foleyVersion) (Lua 5.4): text-to-audio latent diffusion. :help for help.",
         "help_links": [["text": "Lua 5.4 manual", "url": "https://www.lua.org/manual/5.4/"],
                        ["text": "Programming in Lua", "url": "https://www.lua.org/pil/"]],
         "debugger": false]
    }

    /// Replies, then ends the process: Jupyter restarts a kernel by starting a new one.
    func shutdown(_ request: WireMessage, on socket: ZMQSocket) {
        let restart = request.content["restart"] as? Bool ?? false
        reply(request, "shutdown_reply", ["status": "ok", "restart": restart], on: socket)
        publish("status", ["execution_state": "idle"], parent: request.header)
        // zmq's I/O thread delivers queued messages in the background; give it a moment, then leave.
        usleep(200_000)
        exit(0)
    }
}
