import Foundation
import Tensors
import XCTest

final class NormsTests: XCTestCase {
    func testGroupNormNormalizesEachGroup() throws {
        let x = Check.random([2, 4, 3, 3], seed: 1) * 3 + 1
        let y = try Tensor.groupNorm(x, groups: 2, weight: nil, bias: nil, eps: 0)
        let g = try y.reshape([4, 18])
        Check.close(try g.mean(axes: [1]).scalars, [0, 0, 0, 0], tol: 1e-5)
        Check.close(try g.variance(axes: [1], unbiased: false).scalars, [1, 1, 1, 1], tol: 1e-4)
        let w = Tensor([1, 2, 3, 4]), b = Tensor([0, 1, 0, -1])
        let ya = try Tensor.groupNorm(x, groups: 2, weight: w, bias: b, eps: 0)
        let ref = try y * w.reshape([1, 4, 1, 1]) + b.reshape([1, 4, 1, 1])
        Check.close(ya.scalars, ref.scalars)
    }

    func testLayerNormMatchesFormula() throws {
        let x = Tensor(shape: [2, 3], data: [1, 2, 3, 2, 4, 8])
        let y = try Tensor.layerNorm(x, weight: Tensor([1, 1, 2]), bias: Tensor([0, 1, 0]), eps: 1e-5)
        let row: [Float] = [1, 2, 3], mu: Float = 2, sd = sqrt(2.0 / 3 + 1e-5) as Float
        Check.close(Array(y.scalars[0..<3]), [(row[0] - mu) / sd, (row[1] - mu) / sd + 1, 2 * (row[2] - mu) / sd])
    }

    func testNormGradients() throws {
        try Check.gradients([Check.random([2, 4, 3, 2], seed: 2), Check.random([4], seed: 3), Check.random([4], seed: 4)]) {
            try Tensor.groupNorm($0[0], groups: 2, weight: $0[1], bias: $0[2])
        }
        try Check.gradients([Check.random([3, 5], seed: 5), Check.random([5], seed: 6), Check.random([5], seed: 7)]) {
            try Tensor.layerNorm($0[0], weight: $0[1], bias: $0[2])
        }
    }

    func testGroupNormSiLUIsTheTwoOpsInOnePass() throws {
        for shape in [[2, 64, 9, 7], [3, 6, 5], [1, 32, 1, 1]] {
            let x = Check.random(shape, seed: 51), w = Check.random([shape[1]], seed: 52), b = Check.random([shape[1]], seed: 53)
            let groups = shape[1] == 6 ? 3 : 32
            let fused = try GradMode.noGrad { try Tensor.groupNormSiLU(x, groups: groups, weight: w, bias: b, eps: 1e-6) }
            let ref = try GradMode.noGrad { try Tensor.groupNorm(x, groups: groups, weight: w, bias: b, eps: 1e-6).silu() }
            Check.close(fused.scalars, ref.scalars, tol: 1e-6, "\(shape)")
        }
        // With a graph to record, gradients flow as through the two ops.
        try Check.gradients([Check.random([2, 4, 3], seed: 54)]) { ins in
            try Tensor.groupNormSiLU(ins[0], groups: 2, weight: nil, bias: nil)
        }
    }
}
