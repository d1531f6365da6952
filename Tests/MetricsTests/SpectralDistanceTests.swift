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

    /// Long pairs are measured a chunk at a time (a 10-minute pair used to hold 0.9 GB of spectra): on a stationary
    /// signal the chunked distance of 2.5 chunks agrees with one chunk's, and a pair up to 1.25 chunks is one chunk.
    func testLongClipsAreMeasuredAChunkAtATime() throws {
        let n = SpectralDistance.chunkSamples * 5 / 2
        let g = RandomGenerator(seed: 3)
        let x = (0..<n).map { Float(0.3 * sin(Double($0) * 0.07)) + 0.01 * (g.nextUniform() - 0.5) }
        let y = (0..<n).map { Float(0.25 * sin(Double($0) * 0.07)) + 0.02 * (g.nextUniform() - 0.5) }
        let one = SpectralDistance.chunkSamples
        let lsdLong = try SpectralDistance.logSpectralDistance(x, y), lsdOne = try SpectralDistance.logSpectralDistance(Array(x[0..<one]), Array(y[0..<one]))
        XCTAssertEqual(lsdLong, lsdOne, accuracy: lsdOne * 0.01)
        let mcdLong = try SpectralDistance.melCepstralDistance(x, y, sampleRate: 16000)
        let mcdOne = try SpectralDistance.melCepstralDistance(Array(x[0..<one]), Array(y[0..<one]), sampleRate: 16000)
        XCTAssertEqual(mcdLong, mcdOne, accuracy: mcdOne * 0.01)
    }

    func testRejectsEmptyClips() {
        XCTAssertThrowsError(try SpectralDistance.logSpectralDistance([], [1, 2])) { e in
            XCTAssertEqual("\(e)", "x: expected a non-empty clip, got 0 samples")
        }
    }
}
