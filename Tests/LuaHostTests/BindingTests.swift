import CLua
import LuaHost
import XCTest

/// A Swift class bound through the toolkit, as a later binding file (audio, models) would.
final class Counter: LuaObject {
    static var luaTypeName: String { "Counter" }
    static var live = 0
    var value: Int
    init(_ v: Int) { value = v; Counter.live += 1 }
    deinit { Counter.live -= 1 }
}

struct Boom: Error, CustomStringConvertible {
    var description: String { "counter: boom from Swift" }
}

final class BindingTests: XCTestCase {
    func makeLua() -> LuaState {
        let lua = LuaState.foley()
        lua.register(library: "test", help: "A test library.", [
            LuaFunction("counter", "counter(start) -> Counter\nA new counter.") { lua in
                lua.push(Counter(try lua.integer(1)))
                return 1
            },
            LuaFunction("shape", "shape(sizes) -> integer") { lua in
                lua.push(try lua.integers(1).reduce(1, *))
                return 1
            },
            LuaFunction("fail") { _ in throw Boom() },
            LuaFunction("opt") { lua in
                lua.push(try lua.optInteger(1, 7) + Int(try lua.optNumber(2, 0.5) * 2))
                lua.push(try lua.optString(3) ?? "none")
                lua.push(try lua.optBool(4, true))
                return 3
            },
        ])
        lua.register(type: Counter.self, help: "Counter: counts.", methods: [
            LuaMethod("add", "c:add(n) -> c\nAdds n.") { lua, c in
                c.value += try lua.integer(2)
                lua_pushvalue(lua.L, 1)
                return 1
            },
            LuaMethod("get", "c:get() -> integer") { lua, c in lua.push(c.value); return 1 },
        ], metamethods: [
            LuaFunction("__tostring") { lua in lua.push("Counter(\(try lua.object(1, as: Counter.self).value))"); return 1 },
        ])
        return lua
    }

    func error(_ lua: LuaState, _ chunk: String) -> String {
        do { try lua.run(chunk, name: "=test"); return "(no error)" } catch { return "\(error)" }
    }

    func testFunctionsAndMethods() throws {
        let lua = makeLua()
        XCTAssertEqual(try lua.run("local c = foley.test.counter(2); c:add(3):add(4); return c:get(), tostring(c)"), ["9", "Counter(9)"])
        XCTAssertEqual(try lua.run("return foley.test.shape{2, 3, 4}"), ["24"])
        XCTAssertEqual(try lua.run("return foley.test.opt()"), ["8", "none", "true"])
        XCTAssertEqual(try lua.run("return foley.test.opt(1, 2, 's', false)"), ["5", "s", "false"])
    }

    func testMetatableIsNamedAndExposed() throws {
        let lua = makeLua()
        XCTAssertEqual(try lua.run("""
            local mt = getmetatable(foley.test.counter(1))
            return mt.__name, mt == foley.types.Counter, mt.__index == mt, type(mt.add)
            """), ["foley.Counter", "true", "true", "function"])
    }

    func testArgumentErrorsNameTheArgumentAndFunction() {
        let lua = makeLua()
        XCTAssertEqual(error(lua, "foley.test.counter('x')"),
                       "test:1: bad argument #1 to 'foley.test.counter' (number expected, got string)")
        XCTAssertEqual(error(lua, "foley.test.shape{2, 'a'}"),
                       "test:1: bad argument #1 to 'foley.test.shape' (table of integers expected, got string at index 2)")
        XCTAssertEqual(error(lua, "foley.test.counter(1.5)"),
                       "test:1: bad argument #1 to 'foley.test.counter' (number has no integer representation)")
        XCTAssertEqual(error(lua, "foley.test.counter()"),
                       "test:1: bad argument #1 to 'foley.test.counter' (number expected, got no value)")
        // Method calls count from the first explicit argument, as luaL_argerror does.
        XCTAssertEqual(error(lua, "local c = foley.test.counter(1); c:add('x')"),
                       "test:1: bad argument #1 to 'Counter:add' (number expected, got string)")
        XCTAssertEqual(error(lua, "local c = foley.test.counter(1); c.add(5, 1)"),
                       "test:1: bad argument #1 to 'Counter:add' (Counter expected, got number)")
        XCTAssertEqual(error(lua, "local c = foley.test.counter(1); c.add(foley.tensor.zeros(1), 1)"),
                       "test:1: bad argument #1 to 'Counter:add' (Counter expected, got Tensor)")
    }

    func testSwiftErrorsBecomeLuaErrorsWithPosition() throws {
        let lua = makeLua()
        XCTAssertEqual(error(lua, "\n\nfoley.test.fail()"), "test:3: counter: boom from Swift")
        // pcall catches it as any Lua error, and the state keeps working.
        XCTAssertEqual(try lua.run("local ok, e = pcall(foley.test.fail); return ok, e"), ["false", "counter: boom from Swift"])
        XCTAssertEqual(try lua.run("return 1 + 1"), ["2"])
    }

    func testGarbageCollectionReleasesSwiftObjects() throws {
        let lua = makeLua()
        let before = Counter.live
        try lua.run("for i = 1, 100 do foley.test.counter(i) end")
        XCTAssertEqual(Counter.live, before + 100)
        try lua.run("collectgarbage(); collectgarbage()")
        XCTAssertEqual(Counter.live, before)
    }

    func testCloseReleasesEarlyAndUseAfterCloseIsAnError() throws {
        let lua = makeLua()
        let before = Counter.live
        XCTAssertEqual(try lua.run("""
            local kept
            do
              local c <close> = foley.test.counter(5)
              kept = c
            end
            local ok, e = pcall(kept.get, kept)
            return ok, e, tostring(pcall(tostring, kept))
            """), ["false", "bad argument #1 to 'Counter:get' (attempt to use a closed Counter)", "false"])
        XCTAssertEqual(Counter.live, before)
        // Closing twice, or collecting a closed object, is harmless.
        try lua.run("local c = foley.test.counter(1); getmetatable(c).__close(c); getmetatable(c).__close(c); c = nil; collectgarbage()")
        XCTAssertEqual(Counter.live, before)
    }

    func testReleaseIgnoresForeignValues() throws {
        let lua = makeLua()
        // __gc called by hand on values that are not Counters must not free anything.
        try lua.run("local gc = foley.types.Counter.__gc; gc(io.stdout); gc(5); gc(foley.tensor.zeros(1)); gc()")
        XCTAssertEqual(try lua.run("return io.stdout ~= nil"), ["true"])
    }

    func testClosingTheStateReleasesEverything() {
        let before = Counter.live
        do {
            let lua = makeLua()
            _ = try? lua.run("keep = {}; for i = 1, 10 do keep[i] = foley.test.counter(i) end")
            XCTAssertEqual(Counter.live, before + 10)
        }
        XCTAssertEqual(Counter.live, before)
    }

    func testHelpIsRegistered() {
        let lua = makeLua()
        XCTAssertEqual(lua.help.text("foley.test.counter"), "counter(start) -> Counter\nA new counter.")
        XCTAssertEqual(lua.help.text("Counter:add"), "c:add(n) -> c\nAdds n.")
        XCTAssertEqual(lua.help.text("Counter"), "Counter: counts.")
        XCTAssertEqual(lua.help.members(of: "Counter"), ["Counter:add", "Counter:get"])
    }

    func testExternalBytesTriggerCollection() throws {
        // Objects holding big buffers (tensors) are small userdata: pushing them with their
        // external size steps the collector, so a loop of big temporaries does not pile up.
        let lua = makeLua()
        lua.register(library: "test", [LuaFunction("big") { lua in lua.push(Counter(0), externalBytes: 4 << 20); return 1 }])
        let before = Counter.live
        try lua.run("for i = 1, 300 do local c = foley.test.big() end")
        XCTAssertLessThan(Counter.live - before, 150)
    }
}
