import ArgumentParser
import Diffusion
import LuaHost
import Tensors

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
        print("models: \(FoleyPaths.home.path)/models")
        if let (folder, source) = DefaultModel.find() {
            print("default model: \(folder.path) (from \(source.rawValue))")
        } else {
            print("default model: none (set FOLEY_MODEL, or run scripts/install to put one in \(FoleyPaths.home.path)/models/default)")
        }
    }
}
