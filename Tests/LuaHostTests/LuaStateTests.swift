import LuaHost
import XCTest

final class LuaStateTests: XCTestCase {
    func testRunsChunkAndReturnsValues() throws {
        let lua = LuaState()
        XCTAssertEqual(try lua.run("return 1+1, 'a'..'b'"), ["2", "ab"])
    }

    func testSyntaxErrorNamesLine() {
        let lua = LuaState()
        XCTAssertThrowsError(try lua.run("local x = \n x +", name: "=cell")) { e in
            XCTAssertTrue("\(e)".hasPrefix("cell:2:"), "\(e)")
        }
    }

    func testRuntimeErrorIsCaughtNotCrash() {
        let lua = LuaState()
        XCTAssertThrowsError(try lua.run("error('boom')")) { e in
            XCTAssertTrue("\(e)".contains("boom"))
        }
        XCTAssertEqual(try lua.run("return 3"), ["3"])
    }
}

final class LuaStateHostTests: XCTestCase {
    func testResultsUseTheOriginalTostringEvenIfReplaced() throws {
        let lua = LuaState.foley()
        XCTAssertEqual(try lua.run("tostring = nil; return 1, foley.tensor.zeros(1):numel()"), ["1", "1"])
    }

    func testTostringErrorsAreCaught() {
        let lua = LuaState()
        XCTAssertThrowsError(try lua.run("return setmetatable({}, {__tostring = function() error('no string') end})")) { e in
            XCTAssertTrue("\(e)".contains("no string"))
        }
    }

    func testHostLookup() {
        let lua = LuaState()
        XCTAssertTrue(LuaState.host(of: lua.L) === lua)
    }

    func testCallAddsTraceback() throws {
        let lua = LuaState.foley()
        try lua.load("local function f() error('deep') end\nf()", name: "=chunk")
        XCTAssertThrowsError(try lua.call(nargs: 0, nresults: 0)) { e in
            XCTAssertTrue("\(e)".hasPrefix("chunk:1: deep\nstack traceback:"), "\(e)")
        }
    }
}

final class LuaMemoryLimitTests: XCTestCase {
    /// A table filling memory used to run past 6 GB; Lua's heap now has a limit and the chunk gets Lua's own
    /// "not enough memory" error, after which the interpreter goes on.
    func testATableFillingMemoryFailsAtTheLimit() throws {
        let lua = LuaState(memoryLimit: 32 << 20)
        XCTAssertThrowsError(try lua.run("local t = {} for i = 1, 1e8 do t[i] = i end", name: "=cell")) { e in
            XCTAssertTrue("\(e)".contains("not enough memory"), "\(e)")
        }
        XCTAssertLessThanOrEqual(lua.memoryUsed, 32 << 20)
        XCTAssertEqual(try lua.run("collectgarbage() return 1 + 1", name: "=cell"), ["2"])
        let unlimited = LuaState(memoryLimit: 0)
        XCTAssertEqual(try unlimited.run("local t = {} for i = 1, 1e6 do t[i] = i end return #t", name: "=cell"), ["1000000"])
    }

    func testMemorySizesParse() throws {
        XCTAssertEqual(try LuaState.parseMemorySize("512M"), 512 << 20)
        XCTAssertEqual(try LuaState.parseMemorySize("4g"), 4 << 30)
        XCTAssertEqual(try LuaState.parseMemorySize("2GB"), 2 << 30)
        XCTAssertEqual(try LuaState.parseMemorySize("1048576"), 1 << 20)
        XCTAssertEqual(try LuaState.parseMemorySize("0"), 0)
        XCTAssertThrowsError(try LuaState.parseMemorySize("lots")) { e in
            XCTAssertEqual("\(e)", "lua memory: 'lots' is not a size (expected bytes, or a number with K, M or G, e.g. 512M; 0 for no limit)")
        }
        XCTAssertThrowsError(try LuaState.parseMemorySize("100")) { e in
            XCTAssertEqual("\(e)", "lua memory: '100' is out of range (expected 0 for no limit, or at least 1M)")
        }
        XCTAssertLessThanOrEqual(LuaState.defaultMemoryLimit, 4 << 30)
    }

    func testTheCommandLineLimitStopsARunawayTable() throws {
        let r = try runFoley(["--lua-memory", "64M", "-e", "local t = {} for i = 1, 1e9 do t[i] = i end"], timeout: 60)
        XCTAssertEqual(r.status, 1, r.stderr)
        XCTAssertTrue(r.stderr.contains("not enough memory"), r.stderr)
        let env = try runFoley(["-e", "local t = {} for i = 1, 1e9 do t[i] = i end"], environment: ["FOLEY_LUA_MEMORY": "64M"], timeout: 60)
        XCTAssertEqual(env.status, 1, env.stderr)
        XCTAssertTrue(env.stderr.contains("not enough memory"), env.stderr)
        let bad = try runFoley(["--lua-memory", "lots", "-e", "return 1"])
        XCTAssertNotEqual(bad.status, 0)
        XCTAssertTrue(bad.stderr.contains("--lua-memory: 'lots' is not a size"), bad.stderr)
    }
}
