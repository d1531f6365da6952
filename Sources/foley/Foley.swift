import ArgumentParser
import Diffusion
import Foundation
import LuaHost
import Tensors

/// The `foley` command line: the REPL with no arguments, `-e chunk`, `run`, `info`.
@main
struct Foley: ParsableCommand {
    static let version = FoleyBindings.foleyVersion
    static let configuration = CommandConfiguration(
        commandName: "foley",
        abstract: "Text-to-audio latent diffusion in Swift, driven from Lua.",
        discussion: "With no arguments, starts the Lua prompt (`:help` there for help).",
        version: version,
        subcommands: [Run.self, Generate.self, Embed.self, CorpusCommand.self, Preprocess.self, Train.self, Eval.self,
                      EvalProbes.self, EvalLoudness.self, Bench.self, Info.self, LoRACommand.self, KernelCommand.self]
    )

    @Option(name: .customShort("e"), help: "Run a Lua chunk, print what it returns, and exit.")
    var chunk: String?

    @Option(help: "Most memory Lua's heap may hold (e.g. 512M, 4G; 0 for no limit; default FOLEY_LUA_MEMORY, else a quarter of RAM up to 4G).")
    var luaMemory: String?

    static func main() {
        Runtime.settleOpenMP()
        main(arguments(CommandLine.arguments.dropFirst().map { $0 }))
    }

    /// The command line as the parser should see it: a script or notebook as the first argument runs it (`foley
    /// hi.lua`, as `lua hi.lua` and `th hi.lua` do), and a mistyped command stops with the nearest real one.
    static func arguments(_ args: [String]) -> [String] {
        guard let first = args.first, !first.hasPrefix("-") else { return args }
        let commands = configuration.subcommands.map { $0.configuration.commandName ?? $0._commandName } + ["help"]
        if commands.contains(first) { return args }
        if first.hasSuffix(".lua") || first.hasSuffix(".md") || first.hasSuffix(".ipynb") || FileManager.default.fileExists(atPath: first) {
            return ["run"] + args
        }
        let suggestion = GenerationSchema.suggestion(for: first, among: commands)
        let hint = suggestion.isEmpty ? " (commands: \(commands.dropLast().joined(separator: ", ")))" : suggestion
        FileHandle.standardError.write(Data("foley: unknown command '\(first)'\(hint)\n".utf8))
        Foundation.exit(64)
    }

    func run() throws {
        if let luaMemory { LuaState.memoryLimit = try Self.memorySize(luaMemory) }
        let status: Int32
        if let chunk {
            status = Runner.runChunk(chunk)
        } else {
            status = Repl.standard().run()
        }
        if status != 0 { throw ExitCode(status) }
    }
}

extension Foley {
    /// `--lua-memory`'s value in bytes; a bad size is a usage error naming the option.
    static func memorySize(_ text: String) throws -> Int {
        do { return try LuaState.parseMemorySize(text) } catch let e as LuaError {
            throw ValidationError("--" + e.message.replacingOccurrences(of: "lua memory", with: "lua-memory"))
        }
    }
}

/// `foley run script.lua [args...]` or `foley run session.md`.
struct Run: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Run a Lua script (its arguments in `arg`, as lua does) or re-run a saved notebook (.md).")

    @Argument(help: "A .lua script, or a notebook saved by `:save session.md`.")
    var file: String

    @Argument(parsing: .captureForPassthrough, help: "Arguments for the script (arg[1], arg[2], ...).")
    var arguments: [String] = []

    @Option(help: "Most memory Lua's heap may hold (e.g. 512M, 4G; 0 for no limit).")
    var luaMemory: String?

    func run() throws {
        if let luaMemory { LuaState.memoryLimit = try Foley.memorySize(luaMemory) }
        let status = Runner.runFile(file, args: arguments, executable: CommandLine.arguments.first ?? "foley")
        Train.leaveJob(status: status)
        if status != 0 { throw ExitCode(status) }
    }
}
