import CLua
import LuaHost
import Tensors
import XCTest

final class CancellationTests: XCTestCase {
    func testSigintDuringAChunkRaisesInterruptedAndSetsTheFlag() throws {
        let lua = LuaState.foley()
        var sawFlag = false
        lua.register(library: "test", [
            LuaFunction("sigint") { _ in raise(SIGINT); return 0 },
            LuaFunction("flag") { lua in sawFlag = Interrupt.requested; lua.push(sawFlag); return 1 },
        ])
        try lua.load("foley.test.sigint(); local t0 = foley.clock(); while foley.clock() - t0 < 5 do end", name: "=cell")
        XCTAssertThrowsError(try lua.call(nargs: 0, nresults: 0)) { e in
            XCTAssertTrue("\(e)".contains("interrupted!"), "\(e)")
        }
        XCTAssertTrue(Interrupt.requested)
        // The next chunk starts with the flag cleared and no hook left behind.
        try lua.load("return foley.test.flag()", name: "=cell")
        XCTAssertNoThrow(try lua.call(nargs: 0, nresults: 0))
        XCTAssertFalse(sawFlag)
    }

    func testSwiftLoopsPollTheFlag() throws {
        let lua = LuaState.foley()
        var steps = 0
        lua.register(library: "test", [
            LuaFunction("loop") { _ in
                for i in 0..<1_000_000 {
                    if i == 10 { Interrupt.request() }
                    try Interrupt.check()
                    steps += 1
                }
                return 0
            },
        ])
        try lua.load("foley.test.loop()", name: "=cell")
        XCTAssertThrowsError(try lua.call(nargs: 0, nresults: 0)) { e in
            XCTAssertTrue("\(e)".hasPrefix("cell:1: interrupted!"), "\(e)")
        }
        XCTAssertEqual(steps, 10)
        Interrupt.reset()
        XCTAssertFalse(Interrupt.requested)
    }
}

final class PcallInterruptTests: XCTestCase {
    override func tearDown() { Interrupt.reset() }   // the flag stays set after an interrupted chunk

    /// A pcall loop used to catch "interrupted!" and run on (a second Ctrl-C then killed the process): the
    /// interrupt now reaches the chunk whatever pcalls it passes through.
    func testSigintInsideAPcallLoopStillEndsTheChunk() throws {
        let lua = LuaState.foley()
        lua.register(library: "test", [LuaFunction("sigint") { _ in raise(SIGINT); return 0 }])
        try lua.load("""
            local caught = 0
            for i = 1, 3 do
              local ok, e = pcall(function()
                if i == 1 then foley.test.sigint() end
                local t0 = foley.clock(); while foley.clock() - t0 < 0.2 do end
              end)
              if not ok then caught = caught + 1 end
            end
            return "finished"
            """, name: "=cell")
        XCTAssertThrowsError(try lua.call(nargs: 0, nresults: 0)) { e in
            XCTAssertTrue("\(e)".contains("interrupted!"), "\(e)")
        }
        // The next chunk runs normally.
        XCTAssertEqual(try lua.run("return 1 + 1", name: "=cell"), ["2"])
    }
}
