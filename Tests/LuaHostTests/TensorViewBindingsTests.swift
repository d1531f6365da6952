import LuaHost
import XCTest

/// Torch7/PyTorch's everyday tensor methods at the prompt, with values worked by hand.
final class TensorViewBindingsTests: XCTestCase {
    let h = LuaHarness()

    func testViewNarrowSelect() {
        XCTAssertEqual(h.values("""
            local t = foley.tensor{{1, 2, 3}, {4, 5, 6}}
            local v = t:view{3, 2}
            v[{3, 2}] = 60                     -- a view shares memory
            local n = t:narrow(2, 2, 2)        -- columns 2..3
            local s = t:select(1, -1)          -- the last row, its dimension dropped
            return table.concat(v:size(), 'x'), t[{2, 3}], table.concat(n:size(), 'x'), n[{1, 1}], n[{2, 2}],
                   table.concat(s:size(), 'x'), s[1], s[3]
            """), ["3x2", "60.0", "2x2", "2.0", "60.0", "3", "4.0", "60.0"])
        h.assertError("return foley.tensor{1, 2, 3}:narrow(1, 2, 5)", "runs past the dimension's size 3")
        h.assertError("return foley.tensor{1, 2, 3}:select(1, 4)", "index 4 out of range")
    }

    /// std and var are unbiased (divide by n - 1), as torch's defaults.
    func testStdAndVar() {
        XCTAssertEqual(h.values("""
            local t = foley.tensor{{1, 2, 3, 4}, {2, 4, 6, 8}}
            local rows = t:var(2)
            return string.format('%.6f', t:var()), string.format('%.6f', t:std()), rows[1], rows[2]
            """), ["5.357143", "2.314550", "1.6666667461395", "6.6666669845581"])
    }

    func testInPlaceMethodsWriteIntoTheTensor() {
        XCTAssertEqual(h.values("""
            local t = foley.tensor{1, 2, 3}
            local same = t:add_(1)
            t:mul_(foley.tensor{2, 2, 0.5}):sub_(1)
            local u = foley.tensor.zeros(2, 3)
            u:copy_(foley.tensor{7, 8, 9})     -- broadcast over the rows
            return rawequal(same, t), t[1], t[2], t[3], u[{2, 1}], u[{2, 3}], foley.tensor{5}:zero_()[1], foley.tensor.zeros(2):fill_(3)[2]
            """), ["true", "3.0", "5.0", "1.0", "7.0", "9.0", "0.0", "3.0"])
        h.assertError("local t = foley.tensor{1, 2}:requires_grad(); t:add_(1)", "cannot be changed in place")
        h.assertError("local t = foley.tensor{1, 2}; t:add_(foley.tensor{1, 2, 3})", "[2] and [3]")
    }

    /// t[{{first, last}, i}] takes ranges, as Torch7's t[{{1, 2}, 3}]; {} is the whole dimension.
    func testIndexingWithRanges() {
        XCTAssertEqual(h.values("""
            local t = foley.tensor{{1, 2, 3}, {4, 5, 6}, {7, 8, 9}}
            local block = t[{{2, 3}, {1, 2}}]
            local col = t[{{}, 3}]
            t[{{1, 2}, {2, 3}}] = 0
            t[{{3}, {}}] = foley.tensor{10, 11, 12}
            return table.concat(block:size(), 'x'), block[{1, 1}], block[{2, 2}], table.concat(col:size(), 'x'), col[3],
                   t[{1, 2}], t[{2, 3}], t[{1, 1}], t[{3, 2}], t[{{-1}, {-1}}][{1, 1}]
            """), ["2x2", "4.0", "8.0", "3", "9.0", "0.0", "0.0", "1.0", "11.0", "12.0"])
        h.assertError("local t = foley.tensor{{1, 2}, {3, 4}}; return t[{{2, 1}}]", "is empty for dimension 1")
        h.assertError("local t = foley.tensor{{1, 2}, {3, 4}}; t[{{1, 2}, 1}] = foley.tensor{1, 2, 3}", "region of size 2")
    }
}
