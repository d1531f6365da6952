import LuaHost
import XCTest

final class StdlibTests: XCTestCase {
    let h = LuaHarness()

    func testEmbeddedSourcesMatchTheFiles() throws {
        let dir = repoRoot.appendingPathComponent("stdlib")
        let files = try FileManager.default.contentsOfDirectory(atPath: dir.path).filter { $0.hasSuffix(".lua") }.sorted()
        XCTAssertEqual(Stdlib.embedded.map(\.name), files, "run stdlib/embed.sh")
        for (name, source) in Stdlib.embedded {
            let disk = try String(contentsOf: dir.appendingPathComponent(name), encoding: .utf8)
            XCTAssertEqual(source + "\n", disk, "\(name) differs from its embedded copy: run stdlib/embed.sh")
        }
    }

    func testRange() {
        XCTAssertEqual(try h.run("return table.concat(range(4), ','), table.concat(range(2, 8, 3), ','), table.concat(range(0, 1, 0.25), ','), #range(5, 1)"),
                       ["1,2,3,4", "2,5,8", "0.0,0.25,0.5,0.75,1.0", "0"])
        XCTAssertEqual(try h.run("return table.concat(range(3, 1, -1), ',')"), ["3,2,1"])
        XCTAssertTrue(h.error("range(1, 2, 0)")?.contains("range: step must not be zero") ?? false)
    }

    func testGridAndSweep() {
        XCTAssertEqual(try h.run("""
            local g = grid{lr = {1, 2}, steps = {10, 20, 30}, seed = 7}
            local s = {}
            for i, p in ipairs(g) do s[i] = p.lr .. '/' .. p.steps .. '/' .. p.seed end
            return #g, table.concat(s, ' ')
            """), ["6", "1/10/7 1/20/7 1/30/7 2/10/7 2/20/7 2/30/7"])
        XCTAssertEqual(try h.run("""
            local r = sweep({a = {1, 2}, b = {10}}, function(p) return p.a * p.b end)
            return #r, r[2].result, r[2].params.a
            """), ["2", "20", "2"])
        XCTAssertEqual(try h.run("return #grid{shape = {{2, 3}, {4, 5}}}, grid{shape = {{2, 3}}}[1].shape[2]"), ["2", "3"])
        XCTAssertTrue(h.error("grid{a = {}}")?.contains("the list for 'a' is empty") ?? false)
        XCTAssertTrue(h.error("sweep({a = 1})")?.contains("function expected") ?? false)
    }

    func testTimeit() throws {
        let r = try h.run("local n = 0; local mean, best = timeit(function() n = n + 1 end, 5); return n, mean >= best, best >= 0")
        XCTAssertEqual(r, ["5", "true", "true"])
    }

    func testPrettyPrinter() throws {
        XCTAssertEqual(try h.run("return foley.pretty({1, 2, x = 'a', [10] = true, nested = {y = {}}})"),
                       ["{1, 2, [10] = true, nested = {y = {}}, x = \"a\"}"])
        XCTAssertEqual(try h.run("local t = {}; t.self = t; return foley.pretty(t)"), ["{self = <cycle>}"])
        let long = try h.run("local t = {}; for i = 1, 30 do t['key' .. i] = i end; return foley.pretty(t)")[0]
        XCTAssertTrue(long.hasPrefix("{\n  key1 = 1,\n  key10 = 10,\n"), long)
        XCTAssertTrue(long.hasSuffix(",\n}"), long)
        let many = try h.run("return foley.pretty(range(150))")[0]
        XCTAssertTrue(many.contains("... (50 more)"), many)
        XCTAssertEqual(try h.run("return foley.pretty({f = foley.tensor.zeros(2, 3), s = 'q\\n\\t\"\\\\'})"), ["{f = Tensor[2x3], s = \"q\\n\\t\\\"\\\\\"}"])
    }

    func testPrintAndWriteAreRecorded() {
        XCTAssertEqual(h.printed("print(1, 'a', nil, 2.5); io.write('x', 3, 0.5, '\\n')"), "1\ta\tnil\t2.5\nx30.5\n")
        // Writes to other files are not recorded.
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("foley-\(UUID()).txt").path
        XCTAssertEqual(h.printed("local f = io.open('\(path)', 'w'); io.output(f); io.write('file'); io.output(io.stdout); f:close(); print('done')"), "done\n")
        try? FileManager.default.removeItem(atPath: path)
    }

    func testStdlibFromAFolder() throws {
        let dir = try temporaryDirectory(self)
        try "function only_here() return 'yes' end".write(to: dir.appendingPathComponent("x.lua"), atomically: true, encoding: .utf8)
        let r = try runFoley(["-e", "return only_here(), range == nil"], environment: ["FOLEY_STDLIB": dir.path])
        XCTAssertEqual(r.stdout, "yes\ttrue\n", r.stderr)
    }
}
