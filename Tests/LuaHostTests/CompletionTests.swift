import LuaHost
import XCTest

final class CompletionTests: XCTestCase {
    let h = LuaHarness()

    func complete(_ text: String) -> [String] { Completion.candidates(for: text, in: h.lua) }

    func testGlobalsAndKeywords() {
        XCTAssertEqual(complete("fole"), ["foley."])
        XCTAssertTrue(complete("pr").contains("print("))
        XCTAssertEqual(complete("whi"), ["while"])
        XCTAssertTrue(complete("").contains("string."))
    }

    func testDottedFieldsAppendByType() throws {
        XCTAssertEqual(complete("foley.ten"), ["foley.tensor."])
        XCTAssertEqual(complete("foley.tensor.ze"), ["foley.tensor.zeros("])
        XCTAssertEqual(complete("string.up"), ["string.upper("])
        try h.run("obj = {t = foley.tensor.zeros(1), n = 1, sub = {}}")
        XCTAssertEqual(complete("obj."), ["obj.n", "obj.sub.", "obj.t:"])
    }

    func testMethodsThroughMetatables() throws {
        try h.run("t = foley.tensor.ones(2); s = 'abc'")
        XCTAssertEqual(complete("t:resh"), ["t:reshape("])
        XCTAssertTrue(complete("t:s").contains("t:softmax("))
        XCTAssertFalse(complete("t:").contains(where: { $0.contains("__") }))
        XCTAssertEqual(complete("s:up"), ["s:upper("])
        XCTAssertEqual(complete("t"), ["t:", "table.", "then", "timeit(", "tonumber(", "tostring(", "true", "type("])
    }

    /// Fields a userdata's __index serves complete after `.` (without running the getter), never after `:`.
    func testFieldsOfUserdata() throws {
        try h.run("p = foley.models.load('\(tinyModel)'); a = foley.audio.from_tensor(foley.tensor.zeros{4}, 8000)")
        XCTAssertEqual(complete("p.samp"), ["p.sample_rate", "p.sampler(", "p.samplers("])
        XCTAssertEqual(complete("p:samp"), ["p:sampler(", "p:samplers("])
        XCTAssertEqual(complete("a.ra"), ["a.rate"])
        // a.samples only explains that the count is a.num_frames: not offered.
        XCTAssertEqual(complete("a.sam"), [])
        XCTAssertFalse(complete("p.").contains(where: { $0.contains("__") }))
    }

    func testIndexChainsOfTables() throws {
        try h.run("""
            local Base = {greet = function() end, name = 'base'}
            Base.__index = Base
            local Derived = setmetatable({extra = 1}, Base)
            Derived.__index = Derived
            o = setmetatable({own = true}, Derived)
            """)
        XCTAssertEqual(complete("o."), ["o.extra", "o.greet(", "o.name", "o.own"])
        XCTAssertEqual(complete("o:"), ["o:greet("])
    }

    func testHiddenNamesAndNonsense() throws {
        XCTAssertFalse(complete("foley.").contains(where: { $0.contains("_emit") }))
        XCTAssertEqual(complete("foley._em"), ["foley._emit("])
        XCTAssertEqual(complete("nosuch."), [])
        XCTAssertEqual(complete("1.2"), [])
        XCTAssertEqual(complete("foley..x"), [])
        // Completion runs no Lua code: an __index function is not called.
        try h.run("trap = setmetatable({}, {__index = function() error('called') end})")
        XCTAssertEqual(complete("trap.x"), [])
    }
}
