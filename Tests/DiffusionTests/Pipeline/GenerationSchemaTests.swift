@testable import Diffusion
import XCTest

final class GenerationSchemaTests: XCTestCase {
    /// One defaults table for every front door: the command line's values (guidance 3, seed 42).
    func testDefaultsAreTheCommandLines() {
        let d = GenerationOptions.defaults
        XCTAssertEqual(d.steps, 50)
        XCTAssertEqual(d.guidanceScale, 3)
        XCTAssertEqual(d.seed, 42)
        XCTAssertEqual(d.count, 1)
        XCTAssertEqual(d.strength, 0.6)
        XCTAssertEqual(d.styleWeight, 0.5)
        XCTAssertEqual(GenerationOptions(prompt: "x").guidanceScale, d.guidanceScale)
    }

    func testUnknownKeysNameTheNearestOption() {
        XCTAssertNoThrow(try GenerationSchema.check(["prompt", "steps", "style_weight", "on_step"]))
        XCTAssertThrowsError(try GenerationSchema.check(["prompt", "step"])) { e in
            XCTAssertEqual("\(e)", "step: unknown generation option; did you mean 'steps'?")
        }
        XCTAssertThrowsError(try GenerationSchema.check(["styleweight"])) { e in
            XCTAssertEqual("\(e)", "styleweight: unknown generation option; did you mean 'style_weight'?")
        }
        // Nothing near enough: no suggestion.
        XCTAssertThrowsError(try GenerationSchema.check(["xyzzy_plugh"])) { e in
            XCTAssertEqual("\(e)", "xyzzy_plugh: unknown generation option")
        }
        XCTAssertThrowsError(try GenerationSchema.check(["stepz"], known: ["steps", "seed"], what: "probes option")) { e in
            XCTAssertEqual("\(e)", "stepz: unknown probes option; did you mean 'steps'?")
        }
    }

    func testEditDistance() {
        XCTAssertEqual(editDistance("", ""), 0)
        XCTAssertEqual(editDistance("", "abc"), 3)
        XCTAssertEqual(editDistance("abc", ""), 3)
        XCTAssertEqual(editDistance("kitten", "sitting"), 3)
        XCTAssertEqual(editDistance("step", "steps"), 1)
        XCTAssertEqual(editDistance("guidence", "guidance"), 1)
    }

    func testHelpIsASentence() {
        XCTAssertEqual(GenerationSchema.help("steps"), "Denoising steps (default: the model's, else 50).")
        XCTAssertEqual(GenerationSchema.help("nope"), "")
        // Every option has help, and names are unique.
        XCTAssertEqual(Set(GenerationSchema.keys.map(\.name)).count, GenerationSchema.keys.count)
        XCTAssertTrue(GenerationSchema.keys.allSatisfy { !$0.help.isEmpty })
    }

    /// eta is DDIM's; any other sampler refuses it (naming the option) instead of ignoring it.
    func testEtaIsForDDIMOnly() throws {
        let ddim = try makeSampler(name: "ddim")
        try applySamplerOptions(["eta": 0.5], to: ddim)
        XCTAssertEqual((ddim as! DDIMSampler).eta, 0.5)
        XCTAssertThrowsError(try applySamplerOptions(["eta": 0.5], to: try makeSampler(name: "ddpm"))) { e in
            XCTAssertEqual("\(e)", "eta: only the ddim sampler takes eta; this run's sampler is DDPMScheduler (choose ddim, or drop eta)")
        }
        XCTAssertThrowsError(try applySamplerOptions(["gamma": 1], to: ddim)) { e in
            XCTAssertTrue("\(e)".hasPrefix("gamma: unknown sampler option"), "\(e)")
        }
    }
}
