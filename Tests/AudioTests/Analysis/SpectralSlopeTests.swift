@testable import Audio
import XCTest

final class SpectralSlopeTests: XCTestCase {
    func white(_ n: Int, seed: UInt64) -> [Float] {
        var state = seed
        return (0..<n).map { _ in
            state = state &* 6364136223846793005 &+ 1442695040888963407
            return Float(Double(state >> 11) / Double(1 << 53) - 0.5)
        }
    }

    func testNoiseColorsHaveTheirSlopes() throws {
        let w = white(64_000, seed: 3)
        // Pink: Paul Kellet's refined filter (-3 dB/octave within 0.05 dB from 10 Hz up).
        var b = [Float](repeating: 0, count: 7)
        let pink = w.map { x -> Float in
            b[0] = 0.99886 * b[0] + x * 0.0555179; b[1] = 0.99332 * b[1] + x * 0.0750759
            b[2] = 0.96900 * b[2] + x * 0.1538520; b[3] = 0.86650 * b[3] + x * 0.3104856
            b[4] = 0.55000 * b[4] + x * 0.5329522; b[5] = -0.7616 * b[5] - x * 0.0168980
            let y = b[0] + b[1] + b[2] + b[3] + b[4] + b[5] + b[6] + x * 0.5362
            b[6] = x * 0.115926
            return y * 0.1
        }
        // Brown: a leaky integrator (corner near 2.5 Hz), -6 dB/octave above it.
        var acc: Float = 0
        let brown = w.map { x -> Float in acc = 0.999 * acc + x * 0.05; return acc }
        let s = SpectralSlope()
        XCTAssertEqual(try s.dBPerOctave(w), 0, accuracy: 0.3)
        XCTAssertEqual(try s.dBPerOctave(pink), -3, accuracy: 0.5)
        XCTAssertEqual(try s.dBPerOctave(brown), -6, accuracy: 0.7)
    }

    func testShortAndSilentInputsAreNamed() {
        XCTAssertThrowsError(try SpectralSlope().dBPerOctave([0, 1, 2])) { XCTAssertTrue("\($0)".contains("samples")) }
        XCTAssertThrowsError(try SpectralSlope().dBPerOctave([Float](repeating: 0, count: 8000))) {
            XCTAssertTrue("\($0)".contains("silent"), "\($0)")
        }
        XCTAssertThrowsError(try SpectralSlope(fmax: 9000).dBPerOctave([Float](repeating: 0, count: 8000)))
    }
}
