import Foundation
import LuaHost
import Tensors
import XCTest

final class TensorBindingsTests: XCTestCase {
    let h = LuaHarness()

    func values(_ chunk: String, file: StaticString = #filePath, line: UInt = #line) -> [String] {
        do { return try h.run(chunk) } catch {
            XCTFail("\(error)", file: file, line: line)
            return []
        }
    }

    func assertError(_ chunk: String, _ expected: String, file: StaticString = #filePath, line: UInt = #line) {
        guard let e = h.error(chunk) else { return XCTFail("no error from \(chunk)", file: file, line: line) }
        XCTAssertTrue(e.contains(expected), "\(e.debugDescription) does not contain \(expected.debugDescription)", file: file, line: line)
    }

    func testConstructors() {
        XCTAssertEqual(values("local t = foley.tensor.zeros{2, 3}; return t:numel(), t:sum(), table.concat(t:shape(), 'x')"), ["6", "0.0", "2x3"])
        XCTAssertEqual(values("local t = foley.tensor.ones(2, 3); return t:sum(), t:dim()"), ["6.0", "2"])
        XCTAssertEqual(values("return foley.tensor.full({2}, 7):sum()"), ["14.0"])
        XCTAssertEqual(values("return table.concat(foley.tensor.arange(4):totable(), ',')"), ["0.0,1.0,2.0,3.0"])
        XCTAssertEqual(values("return table.concat(foley.tensor.arange(1, 2, 0.25):totable(), ',')"), ["1.0,1.25,1.5,1.75"])
        XCTAssertEqual(values("return table.concat(foley.tensor.linspace(0, 1, 5):totable(), ',')"), ["0.0,0.25,0.5,0.75,1.0"])
        XCTAssertEqual(values("return foley.tensor{{1, 2}, {3, 4}}:sum(), foley.tensor.from(5):dim(), foley.tensor.from{}:numel()"), ["10.0", "0", "0"])
        XCTAssertEqual(values("return foley.tensor.is_tensor(foley.tensor.zeros(1)), foley.tensor.is_tensor({})"), ["true", "false"])
    }

    func testRandomIsSeeded() {
        XCTAssertEqual(values("return foley.tensor.randn({3}, 42):equal(foley.tensor.randn({3}, 42))"), ["true"])
        XCTAssertEqual(values("return foley.tensor.randn({3}, 42):equal(foley.tensor.randn({3}, 43))"), ["false"])
        XCTAssertEqual(values("""
            foley.tensor.manual_seed(7); local a = foley.tensor.rand(4)
            foley.tensor.manual_seed(7); local b = foley.tensor.rand(4)
            return a:equal(b), a:min() >= 0, a:max() < 1
            """), ["true", "true", "true"])
        let r = Tensor.randn([3], generator: RandomGenerator(seed: 42)).scalars
        XCTAssertEqual(values("return string.format('%.6f', foley.tensor.randn({3}, 42)[2])"), [String(format: "%.6f", r[1])])
    }

    func testNestedTableErrors() {
        assertError("foley.tensor.from{{1, 2}, {3}}", "bad argument #1 to 'foley.tensor.from' (ragged nested table: [2] has 1 elements, expected 2)")
        assertError("foley.tensor{{1, 2}, {3}}", "bad argument #1 to 'foley.tensor' (ragged nested table")
        assertError("foley.tensor.from{{1, 2}, {3, 'x'}}", "(nested table of numbers expected, got string at [2][2])")
        assertError("foley.tensor.from{1, {2}}", "(nested table of numbers expected, got table at [2])")
        assertError("foley.tensor.from('x')", "bad argument #1 to 'foley.tensor.from' (number or nested table of numbers expected, got string)")
    }

    func testArgumentErrors() {
        assertError("foley.tensor.zeros(2, 'a')", "test:1: bad argument #2 to 'foley.tensor.zeros' (integer expected, got string)")
        assertError("foley.tensor.zeros{2, 'a'}", "bad argument #1 to 'foley.tensor.zeros' (table of integers expected, got string at index 2)")
        assertError("foley.tensor.zeros('a')", "bad argument #1 to 'foley.tensor.zeros' (table of integers expected, got string)")
        assertError("foley.tensor.zeros{-1}", "(negative size -1 in shape)")
        assertError("foley.tensor.zeros{1e6, 1e6}", "is too large")
        assertError("foley.tensor.full({2}, 'x')", "bad argument #2 to 'foley.tensor.full' (number expected, got string)")
        assertError("foley.tensor.ones(2):reshape('x')", "bad argument #1 to 'Tensor:reshape' (table of integers expected, got string)")
        assertError("foley.tensor.ones(2, 3):sum(3)", "bad argument #1 to 'Tensor:sum' (dimension 3 out of range (expected 1..2 or -2..-1))")
        assertError("foley.tensor.ones(2, 3):transpose(1, 0)", "bad argument #2 to 'Tensor:transpose' (dimension 0 out of range")
        assertError("foley.tensor.ones(2):slice(1, 1, 2, 0)", "bad argument #4 to 'Tensor:slice' (step must be positive, got 0)")
        assertError("foley.tensor.ones(3):index(1, {4})", "bad argument #2 to 'Tensor:index' (index 4 out of range for a dimension of size 3)")
        assertError("foley.tensor.ones(2, 3):permute{1, 1}", "(a permutation of the 2 dimensions expected)")
        assertError("foley.tensor.linspace(0, 1, 0)", "bad argument #3 to 'foley.tensor.linspace'")
        assertError("foley.tensor.cat({foley.tensor.ones(1), 3})", "(table of Tensors expected, got number at index 2)")
    }

    func testSwiftErrorsAreLuaErrors() {
        assertError("foley.tensor.ones(2, 3):matmul(foley.tensor.ones(2, 3))", "test:1: matmul: shape mismatch: [2, 3] @ [2, 3]: inner dims 3 != 2")
        assertError("local x = foley.tensor.ones(2) + foley.tensor.ones(3)", "add: shape mismatch")
        assertError("foley.tensor.ones(2, 3):reshape{4, 2}", "reshape: shape mismatch")
        assertError("foley.tensor.ones(2):item()", "item: the tensor has 2 elements (size 2), expected 1")
        assertError("local x = foley.tensor.ones(2) + 'a'", "attempt to perform '+' on Tensor and string")
        assertError("foley.tensor.load('/nonexistent/x.safetensors')", "/nonexistent/x.safetensors: no such file")
        assertError("foley.tensor.zeros(0):max()", "max of an empty tensor")
        XCTAssertEqual(values("return 1"), ["1"])
    }

    func testShapeMethods() {
        XCTAssertEqual(values("""
            local t = foley.tensor.arange(6):reshape{2, 3}
            return table.concat(t:transpose(1, 2):shape(), 'x'), table.concat(t:t():reshape(-1):totable(), ','),
              table.concat(t:permute(2, 1):shape(), 'x'), table.concat(t:unsqueeze(1):shape(), 'x'),
              table.concat(t:unsqueeze(-1):shape(), 'x'), table.concat(t:reshape(1, 6, 1):squeeze():shape(), 'x'),
              t:size(2), table.concat(t:size(), 'x'), table.concat(t:flatten():shape(), 'x')
            """), ["3x2", "0.0,3.0,1.0,4.0,2.0,5.0", "3x2", "1x2x3", "2x3x1", "6", "3", "2x3", "6"])
        XCTAssertEqual(values("""
            local t = foley.tensor.arange(10)
            return table.concat(t:slice(1, 2, 4):totable(), ','), table.concat(t:slice(1, -3):totable(), ','),
              table.concat(t:slice(1, 1, -1, 3):totable(), ','), table.concat(t:index(1, {1, -1}):totable(), ',')
            """), ["1.0,2.0,3.0", "7.0,8.0,9.0", "0.0,3.0,6.0,9.0", "0.0,9.0"])
        XCTAssertEqual(values("""
            local a, b = foley.tensor.ones(2, 3), foley.tensor.zeros(1, 3)
            return table.concat(foley.tensor.cat({a, b}):shape(), 'x'), table.concat(foley.tensor.cat({a, b:reshape(3, 1):t()}, 1):shape(), 'x'),
              table.concat(foley.tensor.stack({a, a}):shape(), 'x'), table.concat(foley.tensor.stack({a, a}, -1):shape(), 'x'),
              table.concat(foley.tensor.ones(1, 3):expand{4, 3}:shape(), 'x')
            """), ["3x3", "3x3", "2x2x3", "2x3x2", "4x3"])
    }

    func testReductions() {
        XCTAssertEqual(values("""
            local t = foley.tensor{{1, 5, 3}, {4, 2, 6}}
            return t:sum(), t:mean(), t:max(), t:min(), t:argmax(),
              table.concat(t:sum(1):totable(), ','), table.concat(t:max(2):totable(), ','),
              table.concat(t:sum(2, true):shape(), 'x'), table.concat(t:mean({1, 2}, true):shape(), 'x'),
              table.concat(t:argmax(2):totable(), ','), table.concat(t:min(-1):totable(), ',')
            """), ["21.0", "3.5", "6.0", "1.0", "6", "5.0,7.0,9.0", "5.0,6.0", "2x1", "1x1", "2.0,3.0", "1.0,2.0"])
        XCTAssertEqual(values("""
            local s = foley.tensor{{1, 2, 3}, {0, 0, 0}}:softmax()
            return string.format('%.4f', s[{1, 3}]), string.format('%.4f', s:sum(2)[1]), string.format('%.4f', s[{2, 1}]),
              string.format('%.4f', foley.tensor{0, 0}:log_softmax()[1])
            """), ["0.6652", "1.0000", "0.3333", "-0.6931"])
    }

    func testMatmul() {
        XCTAssertEqual(values("""
            local a = foley.tensor{{1, 2}, {3, 4}}
            local b = foley.tensor{{5, 6}, {7, 8}}
            local v = foley.tensor{1, 1}
            return table.concat(a:matmul(b):reshape(-1):totable(), ','), table.concat(foley.tensor.matmul(a, v):totable(), ','),
              v:matmul(v):item(), table.concat(foley.tensor.ones(3, 2, 4):matmul(foley.tensor.ones(4, 5)):shape(), 'x')
            """), ["19.0,22.0,43.0,50.0", "3.0,7.0", "2.0", "3x2x5"])
    }

    func testElementwise() {
        XCTAssertEqual(values("""
            local t = foley.tensor{-1, 0, 4}
            local function s(x) return table.concat(x:totable(), ',') end
            return s(t:abs()), s(t:relu()), s(t:clamp(0, 2)), s(t:clamp(nil, 0)), s(t:clamp(1)), string.format('%.4f', t:exp()[1]),
              s(foley.tensor{1, 4}:sqrt()), string.format('%.4f', t:sigmoid()[2]), string.format('%.4f', t:tanh()[1]),
              string.format('%.4f', t:silu()[3]), string.format('%.4f', t:gelu()[1]), string.format('%.4f', t:gelu('tanh')[1]),
              string.format('%.4f', foley.tensor{1, math.exp(1)}:log()[2]), s(t:neg())
            """), ["1.0,0.0,4.0", "0.0,0.0,4.0", "0.0,0.0,2.0", "-1.0,0.0,0.0", "1.0,1.0,4.0", "0.3679", "1.0,2.0", "0.5000",
                   "-0.7616", "3.9281", "-0.1587", "-0.1588", "1.0000", "1.0,-0.0,-4.0"])
    }

    func testOperators() {
        XCTAssertEqual(values("""
            local a, b = foley.tensor{1, 2, 3}, foley.tensor{4, 5, 6}
            local function s(x) return table.concat(x:totable(), ',') end
            return s(a + b), s(a - 1), s(1 - a), s(a * b), s(2 * a), s(b / a), s(a / 2), s(6 / a), s(-a), s(a ^ 2),
              s(2 ^ a), s(a ^ a), s(a:add(1)), s(a:mul(b)), s(a:pow(b)),
              s((foley.tensor{{1}, {2}} + foley.tensor{10, 20}):reshape(-1))
            """), ["5.0,7.0,9.0", "0.0,1.0,2.0", "0.0,-1.0,-2.0", "4.0,10.0,18.0", "2.0,4.0,6.0", "4.0,2.5,2.0", "0.5,1.0,1.5",
                   "6.0,3.0,2.0", "-1.0,-2.0,-3.0", "1.0,4.0,9.0", "2.0,4.0,8.0", "1.0,4.0,27.0", "2.0,3.0,4.0", "4.0,10.0,18.0",
                   "1.0,32.0,729.0", "11.0,21.0,12.0,22.0"])
    }

    func testElementAccess() {
        XCTAssertEqual(values("""
            local t = foley.tensor{{1, 2, 3}, {4, 5, 6}}
            local row = t[2]
            return #t, t[1][2], t[-1][-1], t[{2, 3}], foley.tensor.is_tensor(row), table.concat(row:totable(), ','),
              table.concat(t[{1}]:totable(), ','), t.nothing == nil, #foley.tensor{7, 8, 9}
            """), ["2", "2.0", "6.0", "6.0", "true", "4.0,5.0,6.0", "1.0,2.0,3.0", "true", "3"])
        // Writes go into the tensor; a row read is a copy.
        XCTAssertEqual(values("""
            local t = foley.tensor.zeros(2, 3)
            t[1] = 5
            t[{2, 3}] = 9
            t[2] = t[2] + 1
            local row = t[1]; row[1] = 100
            return table.concat(t:reshape(-1):totable(), ',')
            """), ["5.0,5.0,5.0,1.0,1.0,10.0"])
        assertError("local t = foley.tensor.zeros(2); return t[3]", "index 3 out of range for dimension 1 of size 2")
        assertError("local t = foley.tensor.zeros(2); return t[{1, 1}]", "too many indices (2) for a 1-d tensor")
        assertError("local t = foley.tensor.zeros(2, 2); t[1] = foley.tensor.ones(3)", "cannot assign a tensor of size 3 to a block of size 2")
        assertError("local t = foley.tensor.zeros(2); t.x = 1", "cannot set field 'x' of a Tensor")
        assertError("local t = foley.tensor.zeros(2); t[1] = 'a'", "cannot assign a string to a Tensor element")
        assertError("return #foley.tensor.from(3)", "attempt to get the length of a 0-d tensor")
    }

    func testTotableCloneFillEqual() {
        XCTAssertEqual(values("""
            local t = foley.tensor{{1, 2}, {3, 4}}
            local tt = t:totable()
            local c = t:clone(); c[1] = 0
            return #tt, tt[2][1], foley.tensor.from(2.5):totable(), t[{1, 1}], c[{1, 1}], t:equal(t:clone()),
              t:allclose(t + 1e-7), t:allclose(t + 1e-2), foley.tensor.zeros(2):fill(3):sum(), t.item == nil
            """), ["2", "3.0", "2.5", "1.0", "0.0", "true", "true", "false", "6.0", "false"])
    }

    func testAutograd() {
        XCTAssertEqual(values("""
            local w = foley.tensor{1, 2, 3}:requires_grad()
            local loss = (w * w):sum()
            loss:backward()
            local g = w:grad()
            local n = foley.tensor.no_grad(function(x) return foley.tensor.is_tensor((w * x):sum()) end, 2)
            return foley.tensor.is_tensor(loss), table.concat(g:totable(), ','), n, w:zero_grad():grad() == nil,
              w:detach():requires_grad() ~= nil
            """), ["true", "2.0,4.0,6.0", "false", "true", "true"])
        assertError("foley.tensor.ones(2):backward()", "backward: tensor does not require grad")
        assertError("foley.tensor.no_grad(function() error('inner') end)", "inner")
    }

    func testSaveAndLoad() throws {
        let dir = try temporaryDirectory(self)
        let path = dir.appendingPathComponent("t.safetensors").path
        XCTAssertEqual(values("""
            local a = foley.tensor{{1, 2}, {3, 4}}
            foley.tensor.save('\(path)', {a = a, b = foley.tensor.arange(3)}, {metadata = {note = 'hi'}})
            local t, meta = foley.tensor.load('\(path)')
            return t.a:equal(a), table.concat(t.b:totable(), ','), meta.note
            """), ["true", "0.0,1.0,2.0", "hi"])
        XCTAssertEqual(try SafeTensorsFile(path: path).tensor("a").scalars, [1, 2, 3, 4])
        XCTAssertEqual(values("""
            foley.tensor.save('\(path)', {h = foley.tensor{0.5, 1.5}}, {dtype = 'f16'})
            return table.concat(foley.tensor.load('\(path)').h:totable(), ',')
            """), ["0.5,1.5"])
        assertError("foley.tensor.save('\(path)', {a = 1})", "bad argument #2 to 'foley.tensor.save' (table of Tensors expected, got number at key 'a')")
        assertError("foley.tensor.save('\(path)', {foley.tensor.ones(1)})", "got a number key")
        assertError("foley.tensor.save('\(path)', {}, {dtype = 'f8'})", "dtype must be \"f32\" or \"f16\"")
        assertError("foley.tensor.save('/nonexistent-dir/x.safetensors', {a = foley.tensor.ones(1)})", "/nonexistent-dir/x.safetensors")
    }

    func testPrinting() {
        XCTAssertEqual(h.printed("=foley.tensor{{1, 2, 3}, {4, 5, 6}}"), "  1  2  3\n  4  5  6\n[Tensor of size 2x3]\n")
        XCTAssertEqual(h.printed("print(foley.tensor{1.5, -2.25})"), "  1.5000 -2.2500\n[Tensor of size 2]\n")
        XCTAssertEqual(h.printed("=foley.tensor{0.001, 0.002}"), "0.001 *\n  1.0000  2.0000\n[Tensor of size 2]\n")
        XCTAssertEqual(h.printed("=foley.tensor{1e-6, 1}"), "  1.0000e-06  1.0000e+00\n[Tensor of size 2]\n")
        XCTAssertEqual(h.printed("=foley.tensor.from(2.5)"), "2.5\n[Tensor of size ()]\n")
        XCTAssertEqual(h.printed("=foley.tensor.zeros(0, 3)"), "[Tensor of size 0x3]\n")
        XCTAssertEqual(h.printed("=foley.tensor{0/0, 1/0, 1}"), " nan inf   1\n[Tensor of size 3]\n")
        XCTAssertEqual(h.printed("={t = foley.tensor.zeros(2, 3), n = 1}"), "{n = 1, t = Tensor[2x3]}\n")
        // Large tensors elide the middle of each dimension.
        let big = h.printed("=foley.tensor.arange(2000)")
        XCTAssertEqual(big, "     0     1     2 ...  1997  1998  1999\n[Tensor of size 2000]\n")
        let mat = h.printed("=foley.tensor.arange(100 * 100):reshape(100, 100)")
        XCTAssertTrue(mat.hasPrefix("     0     1     2 ...    97    98    99\n"), mat)
        XCTAssertTrue(mat.contains("\n ...\n"), mat)
        XCTAssertTrue(mat.hasSuffix("  9900  9901  9902 ...  9997  9998  9999\n[Tensor of size 100x100]\n"), mat)
        // Wide matrices wrap at 80 columns in column blocks.
        let wide = h.printed("=foley.tensor.ones(2, 30) * 0.5")
        XCTAssertTrue(wide.hasPrefix("Columns 1 to 10\n"), wide)
        XCTAssertTrue(wide.contains("\nColumns 21 to 30\n"), wide)
        XCTAssertTrue(wide.split(separator: "\n").allSatisfy { $0.count <= 80 }, wide)
        // 3-D tensors print one matrix per leading index.
        XCTAssertEqual(h.printed("=foley.tensor.arange(8):reshape(2, 2, 2)"),
                       "(1,.,.) = \n  0  1\n  2  3\n\n(2,.,.) = \n  4  5\n  6  7\n[Tensor of size 2x2x2]\n")
    }
}

final class TensorAllocationTests: XCTestCase {
    /// Under a memory limit a tensor that does not fit is a Lua error naming its shape and size (it used to be a
    /// null dereference: the pool force-unwrapped a failed posix_memalign).
    func testATensorPastTheMemoryLimitIsALuaError() throws {
        let p = Process()
        p.executableURL = URL(fileURLWithPath: "/bin/sh")
        p.arguments = ["-c", "ulimit -v 3000000; exec \"$0\" -e 'return foley.tensor.zeros({2^30}):sum()'", try foleyBinary()]
        let err = Pipe()
        p.standardError = err
        p.standardOutput = Pipe()
        try p.run()
        let text = String(decoding: err.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        p.waitUntilExit()
        XCTAssertEqual(p.terminationReason, .exit, text)
        XCTAssertEqual(p.terminationStatus, 1, text)
        XCTAssertTrue(text.contains("not enough memory for a tensor of shape [1073741824] (4.3 GB)"), text)
    }
}
