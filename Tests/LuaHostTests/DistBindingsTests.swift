import Foundation
import LuaHost
import XCTest

/// `foley.dist`: alone, rank 0 of 1 and identities; under mpirun, real sums across the ranks.
final class DistBindingsTests: XCTestCase {
    let h = LuaHarness()

    func testAloneIsRankZeroOfOne() throws {
        XCTAssertEqual(try h.run("return foley.dist.rank(), foley.dist.size()"), ["0", "1"])
        XCTAssertEqual(try h.run("local t = foley.tensor({1, -2, 3}); foley.dist.barrier(); return foley.dist.allreduce(t, 'mean'):sum(), foley.dist.allreduce(t) == t"),
                       ["2.0", "true"])
        XCTAssertTrue(h.error("foley.dist.allreduce(foley.tensor({1}), 'min')")?.contains("\"sum\", \"mean\" or \"max\" expected") ?? false)
    }

    func testEveryFunctionHasHelp() throws {
        for f in ["rank", "size", "allreduce", "barrier"] {
            XCTAssertTrue(h.printed("foley.help('foley.dist.\(f)')").hasPrefix("foley.dist.\(f)("), f)
        }
        XCTAssertTrue(h.printed("foley.help('foley.dist')").contains("mpirun"))
    }

    /// Two ranks over TCP on loopback: each contributes rank + 1, both see 3; rank 0 alone prints.
    func testAllreduceSumsAcrossTwoRanks() throws {
        let dir = try temporaryDirectory(self)
        let script = dir.appendingPathComponent("sum.lua")
        try """
        local t = foley.tensor({foley.dist.rank() + 1, 10})
        foley.dist.allreduce(t)
        local m = foley.dist.allreduce(foley.tensor({foley.dist.rank()}), 'max')
        foley.dist.barrier()
        if foley.dist.rank() == 0 then print(string.format('size %d sum %g %g max %g', foley.dist.size(), t[1], t[2], m[1])) end
        """.write(to: script, atomically: true, encoding: .utf8)
        let mpirun = "/usr/bin/mpirun"
        guard FileManager.default.isExecutableFile(atPath: mpirun) else { throw MissingPrerequisite("mpirun (openmpi-bin; scripts/setup installs it)") }
        let p = Process()
        p.executableURL = URL(fileURLWithPath: mpirun)
        p.arguments = ["--allow-run-as-root", "--oversubscribe", "-np", "2", "--mca", "btl", "tcp,self", "--mca", "btl_tcp_if_include", "lo",
                       "--mca", "oob_tcp_if_include", "lo", try foleyBinary(), "run", script.path]
        var env = ProcessInfo.processInfo.environment
        for k in env.keys where k.hasPrefix("OMPI_") || k.hasPrefix("PMIX_") { env[k] = nil }
        p.environment = env
        let out = Pipe()
        p.standardOutput = out
        p.standardError = out
        try p.run()
        let data = out.fileHandleForReading.readDataToEndOfFile()
        p.waitUntilExit()
        let text = String(decoding: data, as: UTF8.self)
        XCTAssertEqual(p.terminationStatus, 0, text)
        XCTAssertEqual(text.split(separator: "\n").filter { $0.hasPrefix("size") }, ["size 2 sum 3 20 max 1"], text)
    }
}
