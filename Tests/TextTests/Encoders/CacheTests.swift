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

final class CachedTextEncoderTests: XCTestCase {
    func testSecondCallReturnsTheStoredEncoding() throws {
        let base = CountingEncoder()
        let cached = CachedTextEncoder(base, capacity: 2)
        let a = try cached.encode(ids: [[3, 4], [5, 0]], mask: [[1, 1], [1, 0]])
        let b = try cached.encode(ids: [[3, 4], [5, 0]], mask: [[1, 1], [1, 0]])
        XCTAssertEqual(base.calls, 1)
        XCTAssertTrue(a.hiddenStates === b.hiddenStates && a.pooled === b.pooled)
        XCTAssertEqual(b.pooled.scalars, [3, 5])
        XCTAssertEqual([cached.hits, cached.misses], [1, 1])
        // A different mask is a different input.
        _ = try cached.encode(ids: [[3, 4], [5, 0]], mask: [[1, 1], [1, 1]])
        XCTAssertEqual(base.calls, 2)
    }

    func testCapacityEvictsLeastRecentlyUsed() throws {
        let base = CountingEncoder()
        let cached = CachedTextEncoder(base, capacity: 2)
        _ = try cached.encode(ids: [[1]])
        _ = try cached.encode(ids: [[2]])
        _ = try cached.encode(ids: [[1]])        // hit: 1 becomes most recent
        _ = try cached.encode(ids: [[3]])        // evicts 2
        XCTAssertEqual(cached.count, 2)
        XCTAssertEqual(base.calls, 3)
        _ = try cached.encode(ids: [[1]])
        XCTAssertEqual(base.calls, 3)
        _ = try cached.encode(ids: [[2]])
        XCTAssertEqual(base.calls, 4)
    }

    func testCachesARealEncoder() throws {
        let m = T5EncoderModel(try T5Config(try EncoderFixtures.config("t5_encoder")))
        try m.load(checkpoint: try EncoderFixtures.weights("t5_encoder"))
        let cached = CachedTextEncoder(m)
        let cases = try EncoderFixtures.cases("t5_encoder")
        let ids = try EncoderFixtures.rows(cases, "input_ids"), mask = try EncoderFixtures.rows(cases, "attention_mask")
        let first = try cached.encode(ids: ids, mask: mask)
        let second = try cached.encode(ids: ids, mask: mask)
        XCTAssertTrue(first.hiddenStates === second.hiddenStates)
        EncoderFixtures.assertClose(second.hiddenStates, try cases.tensor("last_hidden_state"), "cached t5")
        XCTAssertEqual(cached.hiddenSize, 16)
        XCTAssertEqual([cached.hits, cached.misses], [1, 1])
    }
}
