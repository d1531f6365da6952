import Diffusion
import Foundation
import NN
import Tensors
import XCTest

/// AutoencoderOobleck against a tiny random diffusers 0.42 module (Tests/Fixtures/oobleck, made by
/// scripts/reference/stable_audio_fixtures.py oobleck): weight-normalised folder loaded as saved.
final class AutoencoderOobleckTests: XCTestCase {
    func fixtureModel() throws -> AutoencoderOobleck { try AutoencoderOobleck.load(folder: Fixture.url("oobleck", "vae")) }

    func testConfigReadsDiffusersKeysAndDefaults() throws {
        let c = try Fixture.config(AutoencoderOobleckConfig.self, "oobleck/vae")
        XCTAssertEqual(c.encoderHiddenSize, 8)
        XCTAssertEqual(c.downsamplingRatios, [2, 4])
        XCTAssertEqual(c.channelMultiples, [1, 2])
        XCTAssertEqual(c.decoderChannels, 6)
        XCTAssertEqual(c.hopLength, 8)
        // Absent keys take diffusers' defaults: Stable Audio Open's VAE.
        let d = try ModelConfig.decode(AutoencoderOobleckConfig.self, from: Data("{}".utf8), path: "config.json")
        XCTAssertEqual(d, AutoencoderOobleckConfig())
        XCTAssertEqual(d.hopLength, 2048)
        XCTAssertEqual(d.decoderInputChannels, 64)
        XCTAssertEqual(d.samplingRate, 44100)
    }

    func testWeightNormIsFoldedAndEveryTensorIsUsed() throws {
        let vae = try fixtureModel()
        let file = try SafeTensorsFile(path: Fixture.url("oobleck", "vae", "diffusion_pytorch_model.safetensors").path)
        let ours = Set(vae.stateDict().keys)
        // Every checkpoint pair weight_g/weight_v became one weight; everything else is loaded under its own name.
        let expected = Set(file.keys.map { $0.replacingOccurrences(of: ".weight_g", with: ".weight").replacingOccurrences(of: ".weight_v", with: ".weight") })
        XCTAssertEqual(ours, expected)
        XCTAssertFalse(ours.contains { $0.hasSuffix("weight_g") })
        // weight = g v / ||v|| per output row.
        let g = try file.tensor("decoder.conv2.weight_g"), v = try file.tensor("decoder.conv2.weight_v")
        let w = try XCTUnwrap(vae.stateDict()["decoder.conv2.weight"])
        let row = v.shape[1] * v.shape[2]
        for o in 0..<v.shape[0] {
            let vs = Array(v.scalars[(o * row)..<((o + 1) * row)])
            let norm = vs.map { $0 * $0 }.reduce(0, +).squareRoot()
            XCTAssertEqual(w.scalars[o * row], g.scalars[o] * vs[0] / norm, accuracy: 1e-6)
        }
    }

    func testPosteriorMatchesReference() throws {
        let vae = try fixtureModel()
        let cases = try Fixture.cases("oobleck")
        let posterior = try GradMode.noGrad { try vae.encode(cases.tensor("input")) }
        Parity.check(posterior.mean, try cases.tensor("posterior_mean"), "oobleck posterior_mean")
        Parity.check(posterior.std, try cases.tensor("posterior_std"), "oobleck posterior_std")
    }

    func testDecodeMatchesReference() throws {
        let vae = try fixtureModel()
        let cases = try Fixture.cases("oobleck")
        let decoded = try GradMode.noGrad { try vae.decode(cases.tensor("latent")) }
        XCTAssertEqual(decoded.shape, [2, 2, 256])
        Parity.check(decoded, try cases.tensor("decoded"), "oobleck decoded")
        let rec = try GradMode.noGrad { try vae.decode(try vae.encode(cases.tensor("input")).mean) }
        Parity.check(rec, try cases.tensor("reconstruction_from_mean"), "oobleck reconstruction_from_mean")
    }

    func testSnakeIsXPlusSinSquaredOverBeta() throws {
        let snake = Snake1d(2)
        try snake.alpha.assign(Tensor(shape: [1, 2, 1], data: [0, log(2)]))
        try snake.beta.assign(Tensor(shape: [1, 2, 1], data: [log(0.5), 0]))
        let x = Tensor(shape: [1, 2, 2], data: [0.3, -1, 0.7, 2])
        let y = try snake(x).scalars
        let expected: [Float] = [0.3 + 2 * pow(sin(0.3), 2), -1 + 2 * pow(sin(-1), 2), 0.7 + pow(sin(1.4), 2), 2 + pow(sin(4), 2)]
        for (a, b) in zip(y, expected) { XCTAssertEqual(a, b, accuracy: 1e-5) }
        let linear = Snake1d(1, logscale: false)
        try linear.alpha.assign(Tensor(shape: [1, 1, 1], data: [1]))
        try linear.beta.assign(Tensor(shape: [1, 1, 1], data: [4]))
        XCTAssertEqual(try linear(Tensor(shape: [1, 1, 1], data: [1])).item, 1 + pow(sin(1), 2) / 4, accuracy: 1e-6)
    }

    /// Without gradients Snake runs in one pass over the input; it gives the composite's floats exactly (the same
    /// operations in the same order), and with gradients the composite still runs.
    func testSnakeOnePassEqualsTheComposite() throws {
        let g = RandomGenerator(seed: 3)
        let snake = Snake1d(3)
        try snake.alpha.assign(Tensor.randn([1, 3, 1], generator: g))
        try snake.beta.assign(Tensor.randn([1, 3, 1], generator: g))
        let x = Tensor.randn([2, 3, 1000], generator: g) * 3
        let fused = try GradMode.noGrad { try snake(x) }
        x.requiresGrad = true
        let composite = try snake(x)
        XCTAssertTrue(composite.requiresGrad)
        XCTAssertEqual(fused.scalars, composite.scalars)
        XCTAssertNotEqual(fused.scalars, x.scalars)
    }

    func testBadConfigValuesAreRefusedByName() {
        func message(_ edit: (inout AutoencoderOobleckConfig) -> Void) -> String {
            var c = AutoencoderOobleckConfig()
            edit(&c)
            do { _ = try AutoencoderOobleck(config: c); return "no error" } catch { return "\(error)" }
        }
        XCTAssertEqual(message { $0.audioChannels = 0 }, "audio_channels: expected a positive integer, got 0")
        XCTAssertEqual(message { $0.downsamplingRatios = [2, 0, 4, 8, 8] },
                       "downsampling_ratios: expected one or more positive strides, got [2, 0, 4, 8, 8]")
        XCTAssertEqual(message { $0.channelMultiples = [1, 2] },
                       "channel_multiples: expected 5 positive entries (one per downsampling ratio), got [1, 2]")
        XCTAssertEqual(message { $0.encoderHiddenSize = 100 },
                       "encoder_hidden_size: expected twice decoder_input_channels (128: mean and scale halves), got 100")
    }

    func testShapesAreChecked() throws {
        let vae = try fixtureModel()
        XCTAssertThrowsError(try vae.encode(Tensor.zeros([1, 1, 64]))) { e in
            XCTAssertEqual("\(e)", "audio: expected [batch, 2, samples], got [1, 1, 64]")
        }
        XCTAssertThrowsError(try vae.decode(Tensor.zeros([1, 3, 4]))) { e in
            XCTAssertEqual("\(e)", "latents: expected [batch, 4, frames], got [1, 3, 4]")
        }
    }
}
