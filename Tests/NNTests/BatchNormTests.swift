import NN
import Tensors
import XCTest

final class BatchNormTests: XCTestCase {
    func testUsesRunningStatistics() throws {
        let bn = BatchNorm2d(2)
        try bn.load(stateDict: [
            "weight": Tensor([2, 0.5]), "bias": Tensor([1, -1]),
            "running_mean": Tensor([3, -2]), "running_var": Tensor([4, 0.25]),
        ])
        let x = Tensor(shape: [1, 2, 1, 2], data: [3, 5, -2, 0])
        // (x - mean) / sqrt(var + 1e-5) * w + b per channel.
        let expected: [Float] = [1, 1 + 2 * 2 / (4 + 1e-5).squareRoot(), -1, -1 + 0.5 * 2 / (0.25 + 1e-5).squareRoot()]
        for (a, b) in zip(try bn(x).scalars, expected) { XCTAssertEqual(a, b, accuracy: 1e-6) }
        XCTAssertEqual(Set(bn.stateDict().keys), ["weight", "bias", "running_mean", "running_var"])
    }

    func testRejectsTheWrongChannelCount() {
        XCTAssertThrowsError(try BatchNorm2d(3)(Tensor.zeros([1, 2, 1, 1]))) { e in
            XCTAssertEqual("\(e)", "BatchNorm2d: expected [N, 3, H, W], got [1, 2, 1, 1]")
        }
    }
}
