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
                      EvalProbes.self, Bench.self, Info.self]
    )

    @Option(name: .customShort("e"), help: "Run a Lua chunk, print what it returns, and exit.")
    var chunk: String?

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
        if first.hasSuffix(".lua") || first.hasSuffix(".md") || FileManager.default.fileExists(atPath: first) {
            return ["run"] + args
        }
        let suggestion = GenerationSchema.suggestion(for: first, among: commands)
        let hint = suggestion.isEmpty ? " (commands: \(commands.dropLast().joined(separator: ", ")))" : suggestion
        FileHandle.standardError.write(Data("foley: unknown command '\(first)'\(hint)\n".utf8))
        Foundation.exit(64)
    }

    func run() throws {
        let status: Int32
        if let chunk {
            status = Runner.runChunk(chunk)
        } else {
            status = Repl.standard().run()
        }
        if status != 0 { throw ExitCode(status) }
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

    func run() throws {
        let status = Runner.runFile(file, args: arguments, executable: CommandLine.arguments.first ?? "foley")
        if status != 0 { throw ExitCode(status) }
    }
}
