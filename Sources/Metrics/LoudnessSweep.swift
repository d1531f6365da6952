import Audio
import Diffusion
import Foundation

/// Output loudness across guidance scales and samplers: the "never silent" measurement. One generation per
/// (prompt, sampler, guidance), each measured as integrated loudness (EBU R128, LUFS; -inf for silence).
public struct LoudnessSweep {
    /// One generation's level.
    public struct Row: Sendable {
        public var prompt: String
        public var sampler: String
        public var guidance: Float
        public var lufs: Double
    }

    public let pipeline: TextToAudioPipeline
    /// Everything but prompt, sampler and guidance (steps, seed, seconds): the pipeline's defaults unless set.
    public var options: GenerationOptions

    public init(pipeline: TextToAudioPipeline, options: GenerationOptions? = nil) {
        self.pipeline = pipeline
        self.options = options ?? pipeline.defaults
    }

    /// Every sampler this model runs with (`TextToAudioPipeline.runnableSamplers`).
    public var samplers: [String] { pipeline.runnableSamplers }

    /// Generates and measures every combination, prompt-major.
    public func run(prompts: [String], guidances: [Float], samplers: [String]? = nil) throws -> [Row] {
        guard !prompts.isEmpty, !guidances.isEmpty else {
            throw MetricsError.invalidArgument("prompts", "expected at least one prompt and one guidance scale")
        }
        var rows: [Row] = []
        for prompt in prompts {
            for sampler in samplers ?? self.samplers {
                for g in guidances {
                    var o = options
                    o.prompts = [prompt]
                    o.sampler = sampler
                    o.guidanceScale = g
                    let r = try pipeline.generate(o)
                    let lufs = try Loudness.integrated(try AudioBuffer(mono: try r.monoWaveform(0), sampleRate: r.sampleRate))
                    rows.append(Row(prompt: prompt, sampler: sampler, guidance: g, lufs: lufs))
                }
            }
        }
        return rows
    }

    /// One line per (prompt, sampler): its LUFS at each guidance scale.
    public static func table(_ rows: [Row]) -> String {
        var lines: [String] = []
        var seen: [String] = []
        for r in rows where !seen.contains(r.prompt + "\u{0}" + r.sampler) {
            seen.append(r.prompt + "\u{0}" + r.sampler)
            let mine = rows.filter { $0.prompt == r.prompt && $0.sampler == r.sampler }
            let cells = mine.map { $0.lufs.isFinite ? String(format: "%6.1f", $0.lufs) : "silent" }
            lines.append("\(r.sampler.padding(toLength: 10, withPad: " ", startingAt: 0)) \(cells.joined(separator: " "))  \(r.prompt)")
        }
        if let first = rows.first {
            let gs = rows.filter { $0.prompt == first.prompt && $0.sampler == first.sampler }.map { String(format: "%6.1f", $0.guidance) }
            lines.insert("guidance   " + gs.joined(separator: " "), at: 0)
        }
        return lines.joined(separator: "\n")
    }
}
