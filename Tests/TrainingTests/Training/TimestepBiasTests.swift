import Tensors
@testable import Training
import XCTest

/// `train.timestep_bias_*`: diffusers' generate_timestep_weights (train_text_to_image_sdxl.py) and the draws from it.
final class TimestepBiasTests: XCTestCase {
    /// The weights diffusers computes: ones, the biased slice times the multiplier, divided by the sum.
    func testWeightsFollowDiffusersSlices() throws {
        let later = try TimestepBias(strategy: "later", multiplier: 3, portion: 0.5).weights(1000)
        XCTAssertEqual(later[499], 1.0 / 2000, accuracy: 1e-15)
        XCTAssertEqual(later[500], 3.0 / 2000, accuracy: 1e-15)
        XCTAssertEqual(later[999], 3.0 / 2000, accuracy: 1e-15)
        XCTAssertEqual(later.reduce(0, +), 1, accuracy: 1e-12)

        // diffusers' int(portion * n) truncates: 0.25 of 10 biases the first 2.
        let earlier = try TimestepBias(strategy: "earlier", multiplier: 2, portion: 0.25).weights(10)
        assertClose(earlier.map { $0 * 12 }, [2, 2, 1, 1, 1, 1, 1, 1, 1, 1])

        let range = try TimestepBias(strategy: "range", multiplier: 0.5, begin: 2, end: 4).weights(6)
        assertClose(range.map { $0 * 5 }, [1, 1, 0.5, 0.5, 1, 1])

        XCTAssertEqual(try TimestepBias().weights(4), [0.25, 0.25, 0.25, 0.25])
        XCTAssertThrowsError(try TimestepBias(strategy: "range", begin: 500, end: 400).weights(1000)) { e in
            XCTAssertEqual("\(e)", "config key 'train.timestep_bias_begin': found 500..<400, expected a range inside 0..<1000 (num_train_timesteps)")
        }
        XCTAssertThrowsError(try TimestepBias(strategy: "range", begin: 900, end: 1200).weights(1000)) { e in
            XCTAssertEqual("\(e)", "config key 'train.timestep_bias_end': found 900..<1200, expected a range inside 0..<1000 (num_train_timesteps)")
        }
    }

    /// Draws land in the biased half three times as often (3/4 of draws), and every timestep can be drawn.
    func testDrawsFollowTheWeights() throws {
        let sampler = try TimestepSampler(TimestepBias(strategy: "later", multiplier: 3, portion: 0.5), count: 1000)
        let rng = RandomGenerator(seed: 3)
        let n = 40_000
        var late = 0, lo = 999, hi = 0
        for _ in 0..<n {
            let t = sampler.draw(rng)
            if t >= 500 { late += 1 }
            lo = min(lo, t); hi = max(hi, t)
        }
        XCTAssertEqual(Double(late) / Double(n), 0.75, accuracy: 0.01)
        XCTAssertEqual(lo, 0)
        XCTAssertEqual(hi, 999)
    }

    /// Without a bias, the draws are the trainer's old `nextInt` draws, so existing recipes replay unchanged.
    func testUnbiasedDrawsAreTheOldDraws() throws {
        let sampler = try TimestepSampler(TimestepBias(), count: 1000)
        let a = RandomGenerator(seed: 11), b = RandomGenerator(seed: 11)
        XCTAssertEqual((0..<64).map { _ in sampler.draw(a) }, (0..<64).map { _ in b.nextInt(1000) })
    }

    private func assertClose(_ a: [Double], _ b: [Double], file: StaticString = #filePath, line: UInt = #line) {
        XCTAssertEqual(a.count, b.count, file: file, line: line)
        for (x, y) in zip(a, b) { XCTAssertEqual(x, y, accuracy: 1e-12, file: file, line: line) }
    }
}
