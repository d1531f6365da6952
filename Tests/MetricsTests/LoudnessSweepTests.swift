import Audio
import Diffusion
import Foundation
import Metrics
import XCTest

final class LoudnessSweepTests: XCTestCase {
    static let fixtures = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("../Fixtures")

    /// A noise-prediction model runs every sampler but the flow ones; a flow model (Stable Audio's scheduler) runs
    /// the flow samplers. Each row is the integrated loudness of the generation it names, in prompt-major order.
    func testSweepsEverySamplerTheModelRunsAndMeasuresEachGeneration() throws {
        let pipe = try TextToAudioPipeline.load(folder: Self.fixtures.appendingPathComponent("audioldm_pipeline/model"))
        var base = pipe.defaults
        base.steps = 2
        base.seconds = 0.64
        let sweep = LoudnessSweep(pipeline: pipe, options: base)
        XCTAssertEqual(sweep.samplers, ["ddpm", "ddim", "pndm", "plms", "euler", "euler_ancestral", "heun", "lms", "dpmpp_2m", "unipc"])
        let rows = try sweep.run(prompts: ["a dog", "rain"], guidances: [1, 4], samplers: ["ddim", "euler"])
        XCTAssertEqual(rows.map(\.prompt), ["a dog", "a dog", "a dog", "a dog", "rain", "rain", "rain", "rain"])
        XCTAssertEqual(rows.map(\.sampler), ["ddim", "ddim", "euler", "euler", "ddim", "ddim", "euler", "euler"])
        XCTAssertEqual(rows.map(\.guidance), [1, 4, 1, 4, 1, 4, 1, 4])
        var o = base
        o.prompts = ["rain"]
        o.sampler = "euler"
        o.guidanceScale = 4
        let r = try pipe.generate(o)
        let want = try Loudness.integrated(try AudioBuffer(mono: r.waveforms[0], sampleRate: r.sampleRate))
        XCTAssertEqual(rows[7].lufs, want)
        XCTAssertNotEqual(rows[6].lufs, rows[7].lufs, "guidance changes the output")
        let table = LoudnessSweep.table(rows)
        XCTAssertEqual(table.split(separator: "\n").count, 5, table)
        XCTAssertTrue(table.hasPrefix("guidance      1.0    4.0"), table)
        XCTAssertThrowsError(try sweep.run(prompts: [], guidances: [1]))

        let flow = try TextToAudioPipeline.load(folder: Self.fixtures.appendingPathComponent("stable_audio_pipeline/model"))
        XCTAssertTrue(LoudnessSweep(pipeline: flow).samplers.contains("flow_euler"))
    }
}
