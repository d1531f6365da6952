import Diffusion
import Foundation
import NN
import Tensors
import XCTest

final class EmbeddingsTests: XCTestCase {
    func testTimestepsLayoutAndFrequencies() {
        // half = 2, frequencies exp(-ln(10000) * i / 2) = [1, 0.01]; flip puts cos first.
        let flipped = Timesteps(numChannels: 4, flipSinToCos: true, downscaleFreqShift: 0)([1, 50])
        XCTAssertEqual(flipped.shape, [2, 4])
        let expected: [Float] = [cos(1), cos(0.01), sin(1), sin(0.01), cos(50), cos(0.5), sin(50), sin(0.5)]
        for (a, b) in zip(flipped.scalars, expected) { XCTAssertEqual(a, b, accuracy: 1e-6) }
        // downscale_freq_shift 1 divides by half - 1: frequencies [1, 1e-4]; no flip keeps sin first.
        let shifted = Timesteps(numChannels: 4, flipSinToCos: false, downscaleFreqShift: 1)([2])
        let e2: [Float] = [sin(2), sin(2e-4), cos(2), cos(2e-4)]
        for (a, b) in zip(shifted.scalars, e2) { XCTAssertEqual(a, b, accuracy: 1e-6) }
        // Odd widths leave a zero pad at the end.
        let odd = Timesteps(numChannels: 5, flipSinToCos: true, downscaleFreqShift: 0)([3])
        XCTAssertEqual(odd.shape, [1, 5])
        XCTAssertEqual(odd.scalars[4], 0)
        XCTAssertEqual(odd.scalars[0], cos(3), accuracy: 1e-6)
    }

    func testLargeTimestepsStayCloseToDoublePrecision() {
        let t = Timesteps(numChannels: 8, flipSinToCos: true, downscaleFreqShift: 0)([999])
        for i in 0..<4 {
            let arg = 999 * exp(-log(10000.0) * Double(i) / 4)
            XCTAssertEqual(Double(t.scalars[i]), cos(arg), accuracy: 2e-4)
            XCTAssertEqual(Double(t.scalars[4 + i]), sin(arg), accuracy: 2e-4)
        }
    }

    func testTimestepEmbeddingIsLinearSiluLinear() throws {
        NNRandom.manualSeed(3)
        let e = TimestepEmbedding(inChannels: 4, timeEmbedDim: 6)
        XCTAssertEqual(Set(e.stateDict().keys), ["linear_1.weight", "linear_1.bias", "linear_2.weight", "linear_2.bias"])
        let x = Tensor.randn([2, 4], generator: RandomGenerator(seed: 4))
        let out = try e(x)
        let expected = try e.linear2(e.linear1(x).silu())
        XCTAssertEqual(out.scalars, expected.scalars)
        XCTAssertEqual(out.shape, [2, 6])
    }
}
