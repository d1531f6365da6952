import Foundation
import LuaHost
import Diffusion
import Text
import XCTest

final class TextBindingsTests: XCTestCase {
    let h = LuaHarness()

    func testSimilarityOfVectors() {
        XCTAssertEqual(h.values("return foley.text.similarity(foley.tensor{1, 0}, foley.tensor{1, 1}) - math.sqrt(0.5) < 1e-12"), ["true"])
        h.assertError("foley.text.similarity(foley.tensor{1, 0}, foley.tensor{1, 1, 1})", "bad argument #2 to 'foley.text.similarity'")
        h.assertError("foley.text.similarity(1, 2)", "bad argument #1 to 'foley.text.similarity' (string or Tensor expected, got number)")
    }

    func testMiniLMEmbeddings() throws {
        guard FileManager.default.fileExists(atPath: FoleyPaths.miniLM.path) else { throw MissingPrerequisite("MiniLM not installed at \(FoleyPaths.miniLM.path): run scripts/setup") }
        XCTAssertEqual(h.values("""
            local e = foley.text.encode{'a dog barks', 'rain'}
            local s1 = foley.text.similarity('a dog barks', 'a dog barking')
            local s2 = foley.text.similarity('a dog barks', 'rain on a roof')
            return table.concat(e:shape(), 'x'), math.abs((e[1] * e[1]):sum() - 1) < 1e-4, s1 > s2
            """), ["2x384", "true", "true"])
    }
}
