import ArgumentParser
import Diffusion
import Foundation
import Tensors
import Metrics

/// `foley eval-probes`: prompts whose answer can be measured from the audio, phrased unlike the training captions.
struct EvalProbes: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "eval-probes",
        abstract: "Score a model on measurable prompts (pitch in Hz, note, register, event count, noise color, loud vs quiet, duration, order, family).",
        discussion: """
        Kinds: pitch (a tone asked in hertz, within a semitone), note (asked by note name), register (asked low, mid or \
        high), count (beeps, clicks, knocks, drum strokes), noise_color, loudness (the same prompt turned way up and \
        way down), duration, order ("X, followed by Y": each half's family) and family (the whole clip's family). \
        Order and family are read by a zero-shot classifier, the contrastive model of --classifier (default: the \
        shipped model's); without one they are skipped. Each probe is also scored on a reference clip synthesized \
        with the asked parameters, so the table shows what the measurements themselves get right, and on that clip \
        decoded through the model's own VAE and vocoder (the 'decoded' column: the most any UNet sample could score \
        through this decoder).
        """)

    @OptionGroup var modelRun: ModelRunOptions
    @Option(help: "Probes per kind.") var perKind = 10
    @Option(help: "Probe clip length in seconds (duration probes ask for other lengths around it).") var seconds: Double = 4
    @Option(help: "Model folder whose contrastive model labels the order and family probes (default: the shipped model).") var classifier: String?
    @Option(help: "Write every probe's prompt, answer and measurement here (JSON).") var out = "probes.json"

    func run() throws {
        guard perKind > 0 else { throw ValidationError("--per-kind: expected at least 1, got \(perKind)") }
        let pipe = try modelRun.pipeline()
        // The seed draws the probe set as well as the generations.
        let probes = try ProbeSet.make(perKind: perKind, seed: modelRun.seed, seconds: seconds)
        let labels = try ProbeLabeler.classifier(folder: classifier)
        if let why = labels.skipped { print("note: order and family probes skipped (\(why))") }
        let eval = ProbeEvaluation(pipeline: pipe, options: modelRun.options(for: pipe), classifier: labels.classifier)
        Interrupt.install()
        defer { Interrupt.uninstall() }
        let runnable = eval.runnable(probes)
        let bar = ProgressBar(total: runnable.count, label: "probes")
        let report = try eval.run(runnable) { done, total in
            bar.update(done, total: total)
            return !Interrupt.requested
        }
        bar.finish()
        print(report.table)
        try AtomicFile.write(try report.json(), to: out)
        print("wrote \(out)")
    }
}
