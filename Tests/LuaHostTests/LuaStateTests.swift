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
