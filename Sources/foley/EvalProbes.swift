import ArgumentParser
import Diffusion
import Foundation
import Tensors
import Training

/// `foley eval-probes`: prompts whose answer can be measured from the audio, phrased unlike the training captions.
struct EvalProbes: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "eval-probes",
        abstract: "Score a model on measurable prompts (pitch, beep count, noise color, loud vs quiet, duration).",
        discussion: "Each probe is also scored on a reference clip synthesized with the asked parameters, so the table shows what the measurements themselves get right, and on that clip decoded through the model's own VAE and vocoder (the 'decoded' column: the most any UNet sample could score through this decoder).")

    @Option(help: "Model folder; default: the shipped model.") var model: String?
    @Option(help: "Probes per kind.") var perKind = 10
    @Option(help: "Denoising steps.") var steps = 50
    @Option(help: "Classifier-free guidance scale.") var guidance: Float = 2.5
    @Option(help: "Sampler (default: the model's).") var sampler: String?
    @Option(help: "Seed of the probe set and of the generations.") var seed: UInt64 = 0
    @Option(help: "Probe clip length in seconds (duration probes ask for other lengths around it).") var seconds: Double = 4
    @Option(help: "Write every probe's prompt, answer and measurement here (JSON).") var out = "probes.json"

    func run() throws {
        guard let folder = model.map({ URL(fileURLWithPath: $0) }) ?? DefaultModel.locate() else {
            throw ValidationError("no model: pass --model DIR (the shipped default is models/default)")
        }
        guard perKind > 0 else { throw ValidationError("--per-kind: expected at least 1, got \(perKind)") }
        let pipe = try TextToAudioPipeline.load(folder: folder)
        let probes = try ProbeSet.make(perKind: perKind, seed: seed, seconds: seconds)
        let eval = ProbeEvaluation(pipeline: pipe, steps: steps, guidanceScale: guidance, sampler: sampler, seed: seed)
        Interrupt.install()
        defer { Interrupt.uninstall() }
        let bar = ProgressBar(total: probes.count, label: "probes")
        let report = try eval.run(probes) { done, total in
            bar.update(done, total: total)
            return !Interrupt.requested
        }
        bar.finish()
        print(report.table)
        try AtomicFile.write(try report.json(), to: out)
        print("wrote \(out)")
    }
}
