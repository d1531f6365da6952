import Metrics
import Tensors
import XCTest

final class SpectralDistanceTests: XCTestCase {
    func testLSDMatchesNumpy() throws {
        let x = try Fixtures.tensor("clip_ref").scalars, y = try Fixtures.tensor("clip_gen").scalars
        assertRelative(try SpectralDistance.logSpectralDistance(x, y), try Fixtures.value("lsd"), 1e-4, "LSD")
    }

    func testMCDMatchesNumpy() throws {
        let x = try Fixtures.tensor("clip_ref").scalars, y = try Fixtures.tensor("clip_gen").scalars
        let rate = Int(try Fixtures.value("sample_rate"))
        assertRelative(try SpectralDistance.melCepstralDistance(x, y, sampleRate: rate), try Fixtures.value("mcd"), 1e-4, "MCD")
    }

    func testIdenticalClipsAreAtZero() throws {
        let x = try Fixtures.tensor("clip_ref").scalars
        XCTAssertEqual(try SpectralDistance.logSpectralDistance(x, x), 0)
        XCTAssertEqual(try SpectralDistance.melCepstralDistance(x, x, sampleRate: 16000), 0)
    }

    func testLongerClipIsCutToTheShorter() throws {
        let x = try Fixtures.tensor("clip_ref").scalars, y = try Fixtures.tensor("clip_gen").scalars
        let padded = y + [Float](repeating: 0.3, count: 4000)
        XCTAssertEqual(try SpectralDistance.logSpectralDistance(x, padded), try SpectralDistance.logSpectralDistance(x, y))
    }

    func testGrowsWithNoise() throws {
        let x = try Fixtures.tensor("clip_ref").scalars
        let noise = Tensor.randn([x.count], generator: RandomGenerator(seed: 5)).scalars
        let lsd = try [0.01, 0.1, 1].map { s in try SpectralDistance.logSpectralDistance(x, zip(x, noise).map { $0 + Float(s) * $1 }) }
        XCTAssertLessThan(lsd[0], lsd[1])
        XCTAssertLessThan(lsd[1], lsd[2])
    }

    func testRejectsEmptyClips() {
        XCTAssertThrowsError(try SpectralDistance.logSpectralDistance([], [1, 2])) { e in
            XCTAssertEqual("\(e)", "x: expected a non-empty clip, got 0 samples")
        }
    }
}
