import Foundation
import Tensors
import Text
import XCTest

/// An encoder that counts its calls and returns the first id of each row as its states.
final class CountingEncoder: TextEncoder {
    var calls = 0
    let hiddenSize = 1, pooledSize = 1, maxLength = 8
    func encode(ids: [[Int]], mask: [[Int]]) throws -> TextEncoding {
        calls += 1
        let h = Tensor(shape: [ids.count, ids[0].count, 1], data: ids.joined().map(Float.init))
        return TextEncoding(hiddenStates: h, mask: TextOps.maskTensor(mask), pooled: Tensor(shape: [ids.count, 1], data: ids.map { Float($0[0]) }))
    }
}

final class LRUCacheTests: XCTestCase {
    func testCapacityEvictsLeastRecentlyUsed() {
        let cache = LRUCache<Int, String>(capacity: 2)
        cache.set(1, "a")
        cache.set(2, "b")
        XCTAssertEqual(cache.get(1), "a")   // 1 becomes the most recent
        cache.set(3, "c")                   // evicts 2
        XCTAssertEqual(cache.count, 2)
        XCTAssertNil(cache.get(2))
        XCTAssertEqual(cache.get(1), "a")
        XCTAssertEqual(cache.get(3), "c")
        cache.set(1, "A")                   // replacing keeps one entry
        XCTAssertEqual(cache.count, 2)
        XCTAssertEqual(cache.get(1), "A")
        cache.removeAll()
        XCTAssertEqual(cache.count, 0)
    }

    func testZeroCapacityKeepsNothing() {
        let cache = LRUCache<Int, Int>(capacity: 0)
        cache.set(1, 1)
        XCTAssertNil(cache.get(1))
    }
}
