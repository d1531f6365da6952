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
