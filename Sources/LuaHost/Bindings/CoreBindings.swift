import CLua
import Tensors
import CLuaShim
import Diffusion
import Foundation

/// Where printed text goes: stdout, and the open notebook cell if a REPL records one.
public enum Output {
    /// Which stream printed text belongs to.
    public enum Stream: String { case stdout, stderr }

    /// Where text goes instead of the process's stdout and stderr (a Jupyter kernel's iopub stream messages).
    nonisolated(unsafe) public static var sink: ((String, Stream) -> Void)?

    /// Writes `text` to stdout (flushed, so it interleaves with stderr as lua.c's print does)
    /// and records it in the current notebook cell.
    public static func emit(_ text: String) {
        Notebook.current?.record(text)
        if let sink { return sink(text, .stdout) }
        var t = text
        t.withUTF8 { b in _ = fwrite(b.baseAddress, 1, b.count, stdout) }
        fflush(stdout)
    }

    /// Writes `text` to stderr and records it in the current notebook cell.
    public static func emitError(_ text: String) {
        Notebook.current?.record(text)
        if let sink { return sink(text, .stderr) }
        fflush(stdout)
        FileHandle.standardError.write(Data(text.utf8))
    }

    /// Text Lua's own io.write already put on stdout: recorded, and passed to a sink (whose reader never sees stdout).
    static func written(_ text: String) {
        Notebook.current?.record(text)
        sink?(text, .stdout)
    }

    /// What `body` prints through `emit`/`emitError`, captured instead of shown.
    public static func capturing(_ body: () throws -> Void) rethrows -> String {
        let saved = sink
        var captured = ""
        sink = { text, _ in captured += text }
        defer { sink = saved }
        try body()
        return captured
    }
}

/// The one entry point that registers every binding, and the `foley` table's own functions.
public enum FoleyBindings {
    /// The sub-tables of `foley`; those without bindings yet are present and empty.
    public static let libraries = ["tensor", "audio", "text", "models", "samplers", "train", "metrics", "plot", "dist"]

    public static func registerAll(_ lua: LuaState) {
        for lib in libraries { lua.register(library: lib, []) }
        registerCore(lua)
        TensorBindings.register(lua)
        AudioBindings.register(lua)
        SpectralBindings.register(lua)
        ModelBindings.register(lua)
        SamplerBindings.register(lua)
        TextBindings.register(lua)
        PlotBindings.register(lua)
        TrainBindings.register(lua)
        MetricsBindings.register(lua)
        Display.register(lua)
        DistBindings.register(lua)
        // Later bindings (audio, models, samplers, train, ...) register here, one line each.
    }

    static func registerCore(_ lua: LuaState) {
        lua.register(library: "", help: "The Foley library: sub-tables tensor, audio, text, models, samplers, train, metrics, plot.", [
            LuaFunction("clock", """
            foley.clock() -> number
            Wall-clock seconds from a monotonic clock (for timing; os.clock is CPU time).
            """) { lua in
                var ts = timespec()
                clock_gettime(CLOCK_MONOTONIC, &ts)
                lua.push(Double(ts.tv_sec) + Double(ts.tv_nsec) * 1e-9)
                return 1
            },
            LuaFunction("profile", """
            foley.profile(fn, ...) -> results of fn
            Calls fn(...) under the profiler and prints time per op kind (self time, share, calls,
            GFLOP/s or GB/s against this machine's measured sgemm and copy peaks) and per layer
            (module type), as torch.profiler's key_averages().table(); the REPL's `:profile expr`.
            """) { lua in
                let (results, report) = try Profiler.record { try lua.callFunctionArgument() }
                Output.emit(report.table())
                return results
            },
            LuaFunction("help", """
            foley.help([name]) 
            Prints the help of a name ("foley.tensor.zeros", "Tensor:reshape", "zeros") or of a
            bound value (foley.help(foley.tensor.zeros), foley.help(t)); the REPL's `:help`.
            """) { lua in
                guard let host = LuaState.host(of: lua.L) else { return 0 }
                let text: String
                if lua.isNoneOrNil(1) {
                    text = host.help.overview(commands: Repl.commands)
                } else if lua.isString(1) {
                    text = host.helpText(try lua.string(1))
                } else if let name = host.typeOrValueName(at: 1) {
                    text = host.help.render(name) ?? "no help for \(name)"
                } else {
                    text = "no help for this \(lua.typeName(1))"
                }
                Output.emit(text + "\n")
                return 0
            },
            LuaFunction("doc", """
            foley.doc(name, text)
            Registers help text for a name (for helpers written in Lua); `:help name` shows it.
            """) { lua in
                guard let host = LuaState.host(of: lua.L) else { return 0 }
                host.help.add(try lua.string(1), try lua.string(2))
                return 0
            },
            LuaFunction("_emit") { lua in
                // print and io.write route here (stdlib/io.lua) so the notebook records them.
                Output.emit(try lua.string(1))
                return 0
            },
            LuaFunction("_record") { lua in
                // Text already written to stdout by Lua's own io.write: only record it.
                Output.written(try lua.string(1))
                return 0
            },
        ])
        let L = lua.L
        lua_getglobal(L, "foley")
        Lua(L).setField(-1, "version") { Lua(L).push(foleyVersion) }
        // `require "foley"` returns the same table.
        lua_getglobal(L, "package")
        lua_getfield(L, -1, "loaded")
        lua_pushvalue(L, -3)
        lua_setfield(L, -2, "foley")
        lua_settop(L, -4)
    }

    /// Foley's version, shown by `foley --version` and the REPL banner.
    public static let foleyVersion = Diffusion.foleyVersion
}

extension LuaState {
    /// The help name of the value at idx: a bound object's type, or where a function lives.
    func typeOrValueName(at idx: Int32) -> String? {
        let t = String(cString: foley_typename(L, idx))
        if t.hasPrefix("foley.") { return String(t.dropFirst(6)) }
        return nameOfValue(at: lua_absindex(L, idx))
    }
}
