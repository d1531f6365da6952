import Audio
import Diffusion
import Foundation
import Tensors
import XCTest

final class GriffinLimVocoderTests: XCTestCase {
    /// F frames become exactly F hops of samples, as HiFi-GAN's do (a 4-s generation is 64000 samples, not 63840),
    /// and the samples before the last hop are those of the centred inverse's own length.
    func testFramesBecomeWholeHopsOfSamples() throws {
        let audio = AudioFrontEnd(sampleRate: 16_000)
        let mel = try audio.logMel()
        let tone = (0..<64_000).map { Float(0.3 * sin(2 * Double.pi * 440 * Double($0) / 16_000)) }
        let spec = try mel(tone)
        XCTAssertEqual(spec.frames, 401)
        let frames = 400
        let values = Array(spec.values[0..<(frames * spec.bins)])
        let vocoder = try GriffinLimVocoder(audio: audio, iterations: 4)
        let wave = try vocoder.waveform(fromLogMel: Tensor(shape: [frames, spec.bins], data: values))
        XCTAssertEqual(wave.shape, [64_000])
        let natural = try GriffinLim.fromLogMel(try Spectrogram(frames: frames, bins: spec.bins, values: values), frontEnd: mel,
                                                iterations: 4, seed: 0, length: (frames - 1) * 160)
        XCTAssertEqual(Array(wave.scalars[0..<natural.count]), natural)
        // The last hop is signal, not padding: the last frame's window covers it.
        let tail = wave.scalars[63_840...].map { $0 * $0 }.reduce(0, +) / 160
        let body = wave.scalars[32_000..<48_000].map { $0 * $0 }.reduce(0, +) / 16_000
        XCTAssertGreaterThan(tail, body * 0.1)
    }
}
