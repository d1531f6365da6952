import Diffusion
import Foundation
import Tensors
import XCTest

final class OutputCheckTests: XCTestCase {
    func testNonFiniteIsAnErrorAndSilenceAWarning() throws {
        XCTAssertEqual(try OutputCheck.check([[0.5, -0.2], [0, 0, 0]]),
                       ["output 2 is silent (peak 0.0, below -80 dBFS): check the model and the prompt"])
        XCTAssertThrowsError(try OutputCheck.check([[0.1, 0.2], [0.3, .infinity]])) { e in
            XCTAssertEqual("\(e)", "output: output 2 has a non-finite sample (inf at sample 1): the model's weights or its scheduler config give NaN or infinity")
        }
        XCTAssertEqual(OutputCheck.clipping([[0.5, -1.0], [0.2, -1.25]]),
                       ["output 2 clips (peak 1.25, above 0 dBFS): lower the loudness target or the guidance"])
        XCTAssertThrowsError(try OutputCheck.requireFiniteInput([0, .nan], "reference")) { e in
            XCTAssertEqual("\(e)", "reference: non-finite sample (nan) at sample 1 (expected finite audio)")
        }
    }

    /// A VAE with NaN weights used to write silence (exit 0); generation now stops before anything is written.
    func testAVAEWithNaNWeightsIsAnError() throws {
        let pipe = try TextToAudioPipeline.load(folder: Fixture.url("audioldm_pipeline", "model"))
        let w = try XCTUnwrap(pipe.vae.stateDict()["decoder.conv_out.weight"])
        w.pointer.update(repeating: .nan, count: w.count)
        var o = GenerationOptions(prompt: "a beep")
        o.steps = 2
        o.seconds = 0.05
        XCTAssertThrowsError(try pipe.generate(o)) { e in
            XCTAssertTrue("\(e)".hasPrefix("output: the decoded log-mels hold a non-finite value (nan at index 0)"), "\(e)")
        }
    }
}
