@testable import Tensors
import XCTest

/// Every allocation is checked: a size the machine cannot give is an error naming the shape and its bytes.
final class BufferPoolTests: XCTestCase {
    func testAnImpossibleTensorIsAnErrorNamingShapeAndSize() {
        // 2^62 elements: the byte count alone overflows (the pool used to force-unwrap a null pointer).
        XCTAssertThrowsError(try Tensor.checkAllocation([1 << 31, 1 << 31])) { e in
            XCTAssertEqual(e as? TensorError, .outOfMemory(shape: [1 << 31, 1 << 31], bytes: Int.max))
            XCTAssertEqual("\(e)", "not enough memory for a tensor of shape [2147483648, 2147483648] (\(TensorError.size(Int.max)))")
        }
        // Past the machine's memory, without overflow: refused before asking the system.
        let rows = Int(ProcessInfo.processInfo.physicalMemory / 4) + 1
        XCTAssertThrowsError(try Tensor.checkedZeros([rows, 2])) { e in
            XCTAssertEqual(e as? TensorError, .outOfMemory(shape: [rows, 2], bytes: rows * 8))
            XCTAssertTrue("\(e)".hasSuffix(" GB)"), "\(e)")
        }
        XCTAssertThrowsError(try Tensor.checkedCount(of: [3, -1])) { e in
            XCTAssertEqual("\(e)", "shape: negative size -1 in [3, -1]")
        }
        XCTAssertNil(BufferPool.shared.tryTake(Int.max / 2))
    }

    func testCheckedAllocationsThatFitWork() throws {
        try Tensor.checkAllocation([1024, 1024])
        let z = try Tensor.checkedZeros([3, 4])
        XCTAssertEqual(z.shape, [3, 4])
        XCTAssertEqual(z.scalars, [Float](repeating: 0, count: 12))
        XCTAssertEqual(TensorError.size(4_294_967_296), "4.3 GB")
        XCTAssertEqual(TensorError.size(2_000_000), "2.0 MB")
    }
}
