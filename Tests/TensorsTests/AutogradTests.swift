import Tensors
import XCTest

final class AutogradTests: XCTestCase {
    func testGradientsAccumulateAcrossBackwardCalls() throws {
        let x = Tensor([1, 2, 3]).requiringGrad()
        try (x * x).sum().backward()
        try (x * 3).sum().backward()
        XCTAssertEqual(x.grad?.scalars, [5, 7, 9])
    }

    func testGeneratorStateResumesMidPair() {
        let g = RandomGenerator(seed: 9)
        _ = g.nextNormal()  // leaves the second Box-Muller value pending
        let saved = g.state
        let expected = (0..<3).map { _ in g.nextNormal() }
        let h = RandomGenerator(seed: 0)
        h.state = saved
        XCTAssertEqual((0..<3).map { _ in h.nextNormal() }, expected)
    }

    func testNoGradRecordsNothing() throws {
        let x = Tensor([1, 2]).requiringGrad()
        let y = try GradMode.noGrad { try (x * x).sum() }
        XCTAssertFalse(y.requiresGrad)
        XCTAssertThrowsError(try y.backward())
    }

    func testReusedTensorSumsBothPaths() throws {
        let x = Tensor([2]).requiringGrad()
        let y = try x * x + x.exp() * x
        try y.backward()
        XCTAssertEqual(x.grad!.item, 4 + Float(2).exp1 * 3, accuracy: 1e-4)
    }

    /// A two-layer MLP learns XOR with plain gradient descent.
    func testTinyMLPTrainsToLowLoss() throws {
        let g = RandomGenerator(seed: 3)
        let w1 = (Tensor.randn([8, 2], generator: g) * 0.8).requiringGrad(), b1 = Tensor.zeros([8]).requiringGrad()
        let w2 = (Tensor.randn([1, 8], generator: g) * 0.8).requiringGrad(), b2 = Tensor.zeros([1]).requiringGrad()
        let x = Tensor(shape: [4, 2], data: [0, 0, 0, 1, 1, 0, 1, 1]), t = Tensor(shape: [4, 1], data: [0, 1, 1, 0])
        var loss: Float = 1
        for _ in 0..<1500 {
            let h = try Tensor.linear(x, weight: w1, bias: b1).tanh()
            let y = try Tensor.linear(h, weight: w2, bias: b2)
            let l = try ((y - t) * (y - t)).mean()
            loss = l.item
            for p in [w1, b1, w2, b2] { p.grad = nil }
            try l.backward()
            for p in [w1, b1, w2, b2] { try p.assign(try p.detach() - p.grad! * 0.1) }
        }
        XCTAssertLessThan(loss, 0.01)
    }

    /// A conv + group-norm + pooling net fits a fixed batch.
    func testTinyConvNetTrainsToLowLoss() throws {
        let g = RandomGenerator(seed: 5)
        let w = (Tensor.randn([4, 1, 3, 3], generator: g) * 0.3).requiringGrad()
        let wo = (Tensor.randn([2, 16], generator: g) * 0.3).requiringGrad()
        let x = Tensor.randn([4, 1, 4, 4], generator: g), target = Tensor.randn([4, 2], generator: g)
        var first: Float = 0, last: Float = 0
        for i in 0..<300 {
            let h = try Tensor.groupNorm(Tensor.conv2d(x, weight: w, padding: (1, 1)), groups: 2, weight: nil, bias: nil).silu()
            let p = try h.avgPool2d(kernel: (2, 2)).reshape([4, 16])
            let l = try ((try Tensor.linear(p, weight: wo, bias: nil) - target).pow(2)).mean()
            if i == 0 { first = l.item }
            last = l.item
            w.grad = nil; wo.grad = nil
            try l.backward()
            try w.assign(try w.detach() - w.grad! * 0.1)
            try wo.assign(try wo.detach() - wo.grad! * 0.1)
        }
        XCTAssertLessThan(last, first * 0.05)
    }
}

extension Float { var exp1: Float { Foundation.exp(self) } }
import Foundation
