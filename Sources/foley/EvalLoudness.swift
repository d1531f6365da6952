import Audio
import Corpus
import ArgumentParser
import Diffusion
import Foundation
import Metrics
import Tensors

/// `foley eval-loudness`: the "never silent" sweep, each prompt's integrated loudness over guidance scales and samplers.
struct EvalLoudness: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "eval-loudness",
        abstract: "Measure output loudness (LUFS) over guidance scales and samplers: does any setting go silent?",
        discussion: """
        One generation per prompt, sampler and guidance scale, each measured as integrated loudness (EBU R128; \
        'silent' below the gate). Samplers default to every one the model runs; --band with --level marks each \
        cell outside LEVEL +- BAND LU with '!' (prompts asking for quiet are judged against -40 to -30 LUFS instead).
        """)

    @Option(help: "Model folder (Foley's own or a diffusers AudioLDM folder); default: the shipped model.") var model: String?
    @Option(help: ArgumentHelp(GenerationSchema.help("steps"))) var steps: Int?
    @Option(help: ArgumentHelp(GenerationSchema.help("seed"))) var seed = GenerationOptions.defaults.seed
    @Option(help: "Clip length in seconds (default: the model's).") var seconds: Double?
    @Option(name: .customLong("prompt"), help: "A prompt to sweep; repeat for several.") var prompts: [String] = []
    @Option(help: "Guidance scales, comma-separated.") var guidances = "1,2,3,4,5,6,7,8,9,10"
    @Option(help: "Samplers, comma-separated (default: every one the model runs).") var samplers: String?
    @Option(parsing: .unconditional, help: "The corpus's level in LUFS, to judge each cell against (with --band).") var level: Double?
    @Option(help: "How far from --level a cell may be, in LU.") var band: Double = 20
    @Option(help: "Write every row here (JSON).") var out: String?

    /// Where a prompt asking for quiet must land: quiet, not silence.
    static let quietRange = -40.0...(-30.0)

    /// The range a prompt's output must land in: `quietRange` for a quiet prompt, the rest LEVEL +- BAND.
    static func allowed(prompt: String, level: Double, band: Double) -> ClosedRange<Double> {
        LoudnessLevel.stated(in: prompt) == .quiet ? quietRange : (level - band)...(level + band)
    }

    func run() throws {
        guard !prompts.isEmpty else { throw ValidationError("--prompt: give at least one prompt to sweep") }
        let gs = try guidances.split(separator: ",").map { s -> Float in
            guard let g = Float(s.trimmingCharacters(in: .whitespaces)), g.isFinite, g >= 0 else {
                throw ValidationError("--guidances: expected comma-separated non-negative numbers, got '\(s)' in '\(guidances)'")
            }
            return g
        }
        guard band > 0 else { throw ValidationError("--band: expected a positive number of LU, got \(band)") }
        let run = try ModelRunOptions.parse(model.map { ["--model", $0] } ?? [])
        let pipe = try run.pipeline()
        var base = pipe.defaults
        if let steps { base.steps = steps }
        base.seed = seed
        if let seconds { base.seconds = seconds }
        base.prompts = [prompts[0]]
        try base.validate()
        let sweep = LoudnessSweep(pipeline: pipe, options: base)
        let names = samplers.map { $0.split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) } } ?? sweep.samplers
        for n in names where !sweep.samplers.contains(n) {
            throw ValidationError("--samplers: '\(n)' is not one this model runs (\(sweep.samplers.joined(separator: ", ")))")
        }
        let rows = try sweep.run(prompts: prompts, guidances: gs, samplers: names)
        print(LoudnessSweep.table(rows))
        if let level {
            var inside = 0
            for r in rows {
                let range = Self.allowed(prompt: r.prompt, level: level, band: band)
                if range.contains(r.lufs) { inside += 1; continue }
                print("! \(r.sampler) guidance \(r.guidance): \(r.lufs.isFinite ? String(format: "%.1f LUFS", r.lufs) : "silent") outside \(range) for '\(r.prompt)'")
            }
            print("\(inside) of \(rows.count) within range (level \(level) LUFS +- \(band) LU; quiet prompts \(Int(Self.quietRange.lowerBound))...\(Int(Self.quietRange.upperBound)))")
        }
        if let out {
            let json = rows.map { r -> [String: Any] in
                ["prompt": r.prompt, "sampler": r.sampler, "guidance": Double(r.guidance), "lufs": r.lufs.isFinite ? r.lufs : NSNull()]
            }
            try AtomicFile.write(try JSONSerialization.data(withJSONObject: ["rows": json], options: [.prettyPrinted, .sortedKeys]), to: out)
            print("wrote \(out)")
        }
    }
}
