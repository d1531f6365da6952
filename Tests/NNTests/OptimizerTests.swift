import Foundation
import NN
import Tensors
import XCTest

final class OptimizerTests: XCTestCase {
    /// AdamW against the update rule of torch.optim.AdamW written out in double precision.
    func testAdamWMatchesReferenceRule() throws {
        let p = Tensor([1, -2, 3]).requiringGrad()
        let opt = AdamW([p], lr: 0.1, betas: (0.9, 0.99), eps: 1e-8, weightDecay: 0.1)
        var ref: [Double] = [1, -2, 3], m = [0.0, 0, 0], v = [0.0, 0, 0]
        for t in 1...3 {
            p.grad = nil
            try (p * p).sum().backward()  // grad = 2p
            try opt.step()
            for j in 0..<3 {
                let g = 2 * ref[j]
                ref[j] *= 1 - 0.1 * 0.1
                m[j] = 0.9 * m[j] + 0.1 * g
                v[j] = 0.99 * v[j] + 0.01 * g * g
                let mh = m[j] / (1 - pow(0.9, Double(t))), vh = v[j] / (1 - pow(0.99, Double(t)))
                ref[j] -= 0.1 * mh / (vh.squareRoot() + 1e-8)
            }
        }
        for j in 0..<3 { XCTAssertEqual(Double(p.scalars[j]), ref[j], accuracy: 1e-5) }
    }

    func testAdamWStateRoundTrip() throws {
        let p = Tensor([1, 2]).requiringGrad()
        let a = AdamW([p], lr: 0.01)
        p.grad = Tensor([0.5, -0.5])
        try a.step()
        let b = AdamW([p], lr: 0.01)
        try b.load(stateDict: a.stateDict())
        XCTAssertEqual(b.stepCount, 1)
        XCTAssertEqual(b.stateDict()["0.exp_avg"]?.scalars, a.stateDict()["0.exp_avg"]?.scalars)
        XCTAssertThrowsError(try b.load(stateDict: [:]))
    }

    func testSGDMomentum() throws {
        let p = Tensor([1]).requiringGrad()
        let opt = SGD([p], lr: 0.1, momentum: 0.9)
        p.grad = Tensor([1])
        try opt.step()  // v = 1, p = 0.9
        try opt.step()  // v = 1.9, p = 0.71
        XCTAssertEqual(p.item, 0.71, accuracy: 1e-6)
    }

    func testClipGradNormScalesToMax() {
        let a = Tensor([0]), b = Tensor([0])
        a.grad = Tensor([3]); b.grad = Tensor([4])
        XCTAssertEqual(clipGradNorm([a, b], maxNorm: 1), 5, accuracy: 1e-6)
        XCTAssertEqual(a.grad!.item, 0.6, accuracy: 1e-5)
        XCTAssertEqual(b.grad!.item, 0.8, accuracy: 1e-5)
    }

    func testScheduleShapes() {
        let s = LRSchedule.cosine(warmup: 10, total: 110, minFactor: 0)
        XCTAssertEqual(s.factor(step: 0), 0.1, accuracy: 1e-6)
        XCTAssertEqual(s.factor(step: 9), 1, accuracy: 1e-6)
        XCTAssertEqual(s.factor(step: 60), 0.5, accuracy: 1e-6)
        XCTAssertEqual(s.factor(step: 110), 0, accuracy: 1e-6)
        XCTAssertEqual(LRSchedule.linear(warmup: 0, total: 100).factor(step: 25), 0.75, accuracy: 1e-6)
        XCTAssertEqual(LRSchedule.constant.factor(step: 1000), 1)
    }

    func testEMAFollowsParameters() throws {
        let p = Tensor([0])
        let ema = EMA([p], decay: 0.5)
        try p.assign(Tensor([1]))
        ema.update([p])  // d = min(0.5, 2/11) = 0.1818...
        XCTAssertEqual(ema.shadow[0].item, 1 - 2.0 / 11, accuracy: 1e-6)
        let q = Tensor([5])
        try ema.copy(to: [q])
        XCTAssertEqual(q.item, ema.shadow[0].item)
    }
}
