import Foundation
import LuaHost
import TestSupport
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

    /// A Lua trainer under mpirun trains data-parallel: both ranks step together through :step() and :run{}, rank 0
    /// alone writes the log (which counts 2 processes) and checkpoints.
    func testLuaTrainerRunsOnTwoRanks() throws {
        let dir = try temporaryDirectory(self).path
        XCTAssertEqual(h.values(TrainBindingsTests.dataset(dir, clips: 4) + "return r.written"), ["4"])
        let script = URL(fileURLWithPath: dir).appendingPathComponent("train.lua")
        try """
        local t = foley.train.vae({name = 'v', model = {type = 'AutoencoderKL', in_channels = 1, out_channels = 1,
            latent_channels = 4, block_out_channels = {8, 16}, layers_per_block = 1, norm_num_groups = 4},
            data = {dataset = '\(dir)/data', batch_size = 1, segment_frames = 16},
            train = {max_steps = 4, checkpoint_every = 2, log_every = 1, scaling_factor_batches = 1}}, {runs = '\(dir)/runs', progress = false})
        t:step()
        t:run{}
        print(string.format('rank %d of %d: step %d finished %s', foley.dist.rank(), foley.dist.size(), t.steps_done, tostring(t.finished)))
        """.write(to: script, atomically: true, encoding: .utf8)
        let (status, text) = try mpirun(["run", script.path])
        XCTAssertEqual(status, 0, text)
        XCTAssertEqual(text.split(separator: "\n").filter { $0.hasPrefix("rank") }.sorted(),
                       ["rank 0 of 2: step 4 finished true", "rank 1 of 2: step 4 finished true"], text)
        let log = try String(contentsOfFile: dir + "/runs/v/log.jsonl", encoding: .utf8)
        XCTAssertEqual(log.split(separator: "\n").filter { $0.contains("\"processes\":2") }.count, 4, log)
    }

    /// foley with `args` as 2 ranks of mpirun over TCP on loopback; status and output.
    func mpirun(_ args: [String]) throws -> (Int32, String) {
        let mpirun = "/usr/bin/mpirun"
        guard FileManager.default.isExecutableFile(atPath: mpirun) else { throw MissingPrerequisite("mpirun (openmpi-bin; scripts/setup installs it)") }
        var env = ProcessInfo.processInfo.environment
        for k in env.keys where k.hasPrefix("OMPI_") || k.hasPrefix("PMIX_") { env[k] = nil }
        let r = try TestSupport.run(mpirun, ["--allow-run-as-root", "--oversubscribe", "-np", "2", "--mca", "btl", "tcp,self",
                                             "--mca", "btl_tcp_if_include", "lo", "--mca", "oob_tcp_if_include", "lo",
                                             "-x", "OPENBLAS_NUM_THREADS=1", try foleyBinary()] + args, environment: env)
        return (r.status, r.output)
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
        let (status, text) = try mpirun(["run", script.path])
        XCTAssertEqual(status, 0, text)
        XCTAssertEqual(text.split(separator: "\n").filter { $0.hasPrefix("size") }, ["size 2 sum 3 20 max 1"], text)
    }
}
