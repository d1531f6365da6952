import Foundation
import Tensors
import TestSupport
@testable import Training
import XCTest

/// Starting `foley train` under mpirun from a test: the built binary, Open MPI's launcher, bounded waits.
enum MPILaunch {
    /// The `foley` executable SwiftPM built next to the test bundle (.build/<config>/foley).
    static func foley() throws -> String {
        if let path = TestSupport.foleyExecutable() { return path }
        throw MissingPrerequisite("the foley executable next to \(TestSupport.testExecutable) (swift build builds it; scripts/test does)")
    }

    static func mpirun() throws -> String {
        for p in ["/usr/bin/mpirun", "/usr/local/bin/mpirun"] where FileManager.default.isExecutableFile(atPath: p) { return p }
        throw MissingPrerequisite("mpirun (Debian's openmpi-bin; scripts/setup installs it)")
    }

    /// mpirun's flags for tests: root in CI, 2 ranks on 2 cores (or fewer), and the TCP transport that crosses
    /// machines, here on loopback.
    static func mpirunArguments(ranks: Int) -> [String] {
        ["--allow-run-as-root", "--oversubscribe", "-np", "\(ranks)", "--mca", "btl", "tcp,self", "--mca", "btl_tcp_if_include", "lo",
         "--mca", "oob_tcp_if_include", "lo", "-x", "FOLEY_DIST_FAIL_AT_STEP", "-x", "OPENBLAS_NUM_THREADS"]
    }

    struct Result {
        var status: Int32
        var output: String
        var seconds: Double
    }

    /// A started process whose stdout and stderr go to one file (so nothing blocks on a full pipe).
    final class Running {
        let process = Process()
        let outputFile: URL
        let started = Date()

        init(_ executable: String, _ arguments: [String], cwd: URL, environment: [String: String]) throws {
            outputFile = cwd.appendingPathComponent("output-\(UUID().uuidString).txt")
            FileManager.default.createFile(atPath: outputFile.path, contents: nil)
            let handle = try FileHandle(forWritingTo: outputFile)
            process.executableURL = URL(fileURLWithPath: executable)
            process.arguments = arguments
            process.currentDirectoryURL = cwd
            var env = ProcessInfo.processInfo.environment
            for k in env.keys where k.hasPrefix("OMPI_") || k.hasPrefix("PMIX_") { env[k] = nil }
            env["OPENBLAS_NUM_THREADS"] = "1"
            env["FOLEY_DIST_FAIL_AT_STEP"] = ""
            for (k, v) in environment { env[k] = v }
            process.environment = env
            process.standardOutput = handle
            process.standardError = handle
            process.standardInput = FileHandle.nullDevice
            try process.run()
        }

        var output: String { (try? String(contentsOf: outputFile, encoding: .utf8)) ?? "" }

        /// Waits at most `timeout` seconds; kills the process (and fails) past that.
        func wait(timeout: Double, file: StaticString = #filePath, line: UInt = #line) -> Result {
            let deadline = started.addingTimeInterval(timeout)
            while process.isRunning && Date() < deadline { usleep(20_000) }
            if process.isRunning {
                XCTFail("still running after \(timeout) s (a hang): \(process.arguments ?? [])\n\(output)", file: file, line: line)
                kill(process.processIdentifier, SIGKILL)
            }
            process.waitUntilExit()
            return Result(status: process.terminationStatus, output: output, seconds: Date().timeIntervalSince(started))
        }
    }

    /// `foley train config` with `args`, under mpirun with `ranks` processes, or alone when `ranks` is nil.
    static func train(_ config: URL, ranks: Int?, args: [String] = [], cwd: URL, environment: [String: String] = [:]) throws -> Running {
        let foley = try foley()
        let trainArgs = ["train", config.path, "--runs-dir", cwd.appendingPathComponent("runs").path] + args
        guard let ranks else { return try Running(foley, trainArgs, cwd: cwd, environment: environment) }
        return try Running(try mpirun(), mpirunArguments(ranks: ranks) + [foley] + trainArgs, cwd: cwd, environment: environment)
    }

    /// The largest difference between two runs' final `model.` weights: absolute, and relative to each tensor's
    /// largest magnitude.
    static func weightDifference(_ a: URL, _ b: URL) throws -> (abs: Float, rel: Float, tensors: Int) {
        let ca = try Checkpoint.load(path: a.path), cb = try Checkpoint.load(path: b.path)
        let wa = try ca.tensors(prefix: "model."), wb = try cb.tensors(prefix: "model.")
        XCTAssertEqual(Set(wa.keys), Set(wb.keys))
        var maxAbs: Float = 0, maxRel: Float = 0
        for (k, x) in wa {
            guard let y = wb[k] else { continue }
            var d: Float = 0, m: Float = 0
            for i in 0..<x.count { d = max(d, abs(x.pointer[i] - y.pointer[i])); m = max(m, abs(y.pointer[i])) }
            maxAbs = max(maxAbs, d)
            maxRel = max(maxRel, d / max(m, 1e-12))
        }
        return (maxAbs, maxRel, wa.count)
    }

    /// The newest checkpoint of an experiment.
    static func lastCheckpoint(_ cwd: URL, _ name: String) throws -> URL {
        let store = CheckpointStore(directory: cwd.appendingPathComponent("runs/\(name)/checkpoints").path, keep: 100)
        guard let last = store.list().last else { throw MissingPrerequisite("a checkpoint in runs/\(name)") }
        return URL(fileURLWithPath: last.path)
    }
}
