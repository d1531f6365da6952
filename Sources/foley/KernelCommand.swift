import ArgumentParser
import Foundation
import JupyterKernel
import LuaHost

/// `foley kernel --connection-file FILE` (what Jupyter runs), `foley kernel install`, `foley kernel remove`.
struct KernelCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "kernel",
        abstract: "Run Foley's Lua as a Jupyter kernel, or install its kernelspec.",
        discussion: "`foley kernel install --user` once, then pick \"\(KernelSpec.displayName)\" in JupyterLab or Notebook.",
        subcommands: [KernelInstall.self, KernelRemove.self]
    )

    @Option(help: "The connection file Jupyter writes for the kernel (its {connection_file}).")
    var connectionFile: String?

    func run() throws {
        guard let connectionFile else {
            throw ValidationError("--connection-file FILE is required (Jupyter passes it; to set Foley up for Jupyter run `foley kernel install --user`)")
        }
        let kernel = try Kernel(connection: try ConnectionInfo(contentsOf: connectionFile))
        kernel.run()
    }
}

/// Where `install` and `remove` act: --user, --prefix DIR, or (neither) the system folder.
struct KernelSpecLocation: ParsableArguments {
    @Flag(help: "The current user's Jupyter data folder (~/.local/share/jupyter/kernels).")
    var user = false

    @Option(help: "A prefix such as a virtual environment's (PREFIX/share/jupyter/kernels).")
    var prefix: String?

    func location() throws -> KernelSpec.Location {
        if user && prefix != nil { throw ValidationError("--user and --prefix name two places: choose one") }
        if user { return .user }
        if let prefix { return .prefix((prefix as NSString).expandingTildeInPath) }
        return .system
    }
}

struct KernelInstall: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "install", abstract: "Write the kernelspec (kernel.json, logos) where Jupyter looks for it.")

    @OptionGroup var place: KernelSpecLocation

    func run() throws {
        let exe = (try? FileManager.default.destinationOfSymbolicLink(atPath: "/proc/self/exe"))
            ?? URL(fileURLWithPath: CommandLine.arguments[0]).standardizedFileURL.path
        let dir = try KernelSpec.install(executable: exe, at: try place.location())
        print("installed the \(KernelSpec.displayName) kernelspec in \(dir) (runs \(exe))")
    }
}

struct KernelRemove: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "remove", abstract: "Remove the kernelspec `install` wrote.")

    @OptionGroup var place: KernelSpecLocation

    func run() throws {
        print("removed \(try KernelSpec.remove(at: try place.location()))")
    }
}
