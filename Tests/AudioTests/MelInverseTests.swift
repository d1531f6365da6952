@testable import Audio
import XCTest

final class MelInverseTests: XCTestCase {
    func norm(_ x: [Float]) -> Float { x.reduce(0) { $0 + $1 * $1 }.squareRoot() }

    /// The fixture's chirp + noise: mel -> linear -> mel reproduces the mel energies, nonnegatively,
    /// and the projected-gradient refinement fits them better than the clamped pseudo-inverse alone.
    func testRecoversMelEnergies() throws {
        let wave = try FixtureReader.dsp().tensor("wave_16k").values
        let lm = try LogMel()
        let mag = try lm.stft.magnitude(wave)
        let mel = try lm.filterbank.apply(mag)
        var errors: [Int: Float] = [:]
        for iterations in [0, 200] {
            let linear = try MelInverse(filterbank: lm.filterbank, iterations: iterations)(mel)
            XCTAssertEqual(linear.frames, 101)
            XCTAssertEqual(linear.bins, 513)
            XCTAssertTrue(linear.values.allSatisfy { $0 >= 0 })
            let back = try lm.filterbank.apply(linear)
            errors[iterations] = norm(zip(back.values, mel.values).map { $0 - $1 }) / norm(mel.values)
        }
        print("mel inversion relative mel error: pinv+clamp \(errors[0]!), NNLS 200 iterations \(errors[200]!)")
        XCTAssertLessThan(errors[200]!, 0.01)
        XCTAssertLessThan(errors[200]!, errors[0]!)
    }

    func testSolvesAKnownNonnegativeSpectrumExactlyWhereDetermined() throws {
        // A spectrum that is constant within every filter's support is recovered up to W's null space,
        // so its mel projection must match to high precision.
        let fb = try MelFilterbank(sampleRate: 16000, nFFT: 256, nMels: 16)
        let x = [Float](repeating: 0.3, count: fb.bins)
        let mel = try fb.apply(try Spectrogram(frames: 1, bins: fb.bins, values: x))
        let back = try fb.apply(try MelInverse(filterbank: fb)(mel))
        XCTAssertLessThan(maxAbsDiff(back.values, mel.values), 1e-4 * mel.values.max()!)
    }

    func testShapeErrorsAreNamed() throws {
        let fb = try MelFilterbank(sampleRate: 16000, nFFT: 256, nMels: 16)
        XCTAssertThrowsError(try MelInverse(filterbank: fb)(try Spectrogram(frames: 1, bins: 8, values: .init(repeating: 0, count: 8)))) {
            XCTAssertEqual($0 as? AudioError, .invalidArgument("mel", "expected 16 mel bins, got 8"))
        }
        XCTAssertThrowsError(try MelInverse(filterbank: fb, iterations: -1))
    }
}
