import Foundation
import Tensors
@testable import Training
import XCTest

final class MultiResolutionSTFTLossTests: XCTestCase {
    /// The convolution's magnitudes are |DFT| of each zero-padded, Hann-windowed frame, computed here directly.
    func testMagnitudeIsTheWindowedDFT() throws {
        let n = 16, hop = 4
        let loss = MultiResolutionSTFTLoss(ffts: [n])
        let g = RandomGenerator(seed: 3)
        let x = (0..<50).map { _ in g.nextUniform() - 0.5 }
        let mag = try loss.magnitude(Tensor(shape: [1, 1, x.count], data: x), loss.resolutions[0])
        let bins = n / 2 + 1, frames = x.count / hop + 1
        XCTAssertEqual(mag.shape, [1, bins, frames])
        let padded = [Float](repeating: 0, count: n / 2) + x + [Float](repeating: 0, count: n / 2)
        var worst: Double = 0
        for f in 0..<frames {
            for k in 0..<bins {
                var re = 0.0, im = 0.0
                for t in 0..<n {
                    let w = 0.5 - 0.5 * cos(2 * Double.pi * Double(t) / Double(n))
                    let v = Double(padded[f * hop + t]) * w
                    re += v * cos(2 * Double.pi * Double(k * t) / Double(n))
                    im -= v * sin(2 * Double.pi * Double(k * t) / Double(n))
                }
                worst = max(worst, abs((re * re + im * im + 1e-8).squareRoot() - Double(mag.scalars[k * frames + f])))
            }
        }
        XCTAssertLessThan(worst, 1e-5)
    }

    /// Zero for a perfect estimate; otherwise PyTorch's value and gradient (scripts/reference/stft_loss_reference.py:
    /// the same signals through torch.stft), and the gradient's norm is the loss's slope along it.
    func testLossAndGradientMatchPyTorch() throws {
        let loss = MultiResolutionSTFTLoss(ffts: [64, 32])
        var t = [Float](), e = [Float]()
        for i in 0..<512 {
            let x = Double(i)
            let v = Float(sin(x * 0.3) * 0.5 + 0.3 * sin(x * x * 0.37))
            t.append(v)
            e.append(2 * v + Float(0.01 * sin(x * 1.7)))
        }
        let target = Tensor(shape: [2, 1, 256], data: t)
        XCTAssertLessThan(try loss(target, target).loss.item, 1e-6)
        let estimate = Tensor(shape: target.shape, data: e)
        estimate.requiresGrad = true
        let value = try loss(estimate, target)
        XCTAssertEqual(Double(value.loss.item), 1.69423282, accuracy: 1e-4 * 1.694)
        try value.loss.backward()
        let grad = try XCTUnwrap(estimate.grad).scalars
        let norm: Double = grad.reduce(0.0) { (a: Double, g: Float) in a + Double(g) * Double(g) }.squareRoot()
        XCTAssertEqual(norm, 0.250342995, accuracy: 1e-3 * 0.25)
        let h = 1e-3
        func at(_ sign: Double) throws -> Double {
            let step = Float(sign * h / norm)
            let x = Tensor(shape: target.shape, data: zip(e, grad).map { (v: Float, g: Float) -> Float in v + step * g })
            let l: Float = try GradMode.noGrad { try loss(x, target).loss.item }
            return Double(l)
        }
        let slope: Double = (try at(1) - (try at(-1))) / (2 * h)
        XCTAssertEqual(slope, norm, accuracy: 0.03 * norm)
        XCTAssertThrowsError(try loss(target, try target.slice(axis: 2, start: 0, end: 128)))
    }
}
