import ArgumentParser
import Foundation
import LuaHost
import Tensors

/// The `foley` command line.
@main
struct Foley: ParsableCommand {
    static let version = "0.1.0"
    static let configuration = CommandConfiguration(
        commandName: "foley",
        abstract: "Text-to-audio latent diffusion in Swift, driven from Lua.",
        version: version,
        subcommands: [Info.self, Bench.self, Generate.self, Embed.self]
    )

    @Option(name: .customShort("e"), help: "Run a Lua chunk and exit.")
    var chunk: String?

    func run() throws {
        if let chunk {
            let lua = LuaState()
            do {
                for line in try lua.run(chunk, name: "=(command line)") { print(line) }
            } catch let e as LuaError {
                FileHandle.standardError.write(Data("foley: \(e.message)\n".utf8))
                throw ExitCode(1)
            }
            return
        }
        print(Foley.helpMessage())
    }
}

/// `foley info`: what this build is and where it looks for things.
struct Info: ParsableCommand {
    static let configuration = CommandConfiguration(abstract: "Print the build configuration, BLAS, threads and model paths.")

    func run() throws {
        #if DEBUG
        let build = "debug"
        #else
        let build = "release"
        #endif
        print("foley \(Foley.version) (\(build) build)")
        print("BLAS: \(Runtime.blasConfig)")
        print("threads: \(Runtime.threadCount) (FOLEY_THREADS, default: all cores)")
        print("models: \(ModelPaths.home.path)/models")
    }
}
