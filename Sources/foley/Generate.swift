import Audio
import ArgumentParser
import Diffusion
import Foundation
import Tensors
import Text

/// `foley generate`: text to audio with every control of the pipeline.
struct Generate: ParsableCommand {
    static let configuration = CommandConfiguration(abstract: "Generate audio from a text prompt.")

    @Argument(help: "What the sound should be.") var prompt: String
    @OptionGroup var modelRun: ModelRunOptions
    @Option(help: ArgumentHelp(GenerationSchema.help("negative"))) var negative: String?
    @Option(help: ArgumentHelp(GenerationSchema.help("eta"))) var eta: Float?
    @Option(help: "Duration in seconds (default: the length the model was trained on; 5 s if its config does not say).") var seconds: Double?
    @Option(help: ArgumentHelp(GenerationSchema.help("count"))) var count = GenerationOptions.defaults.count
    @Option(help: ArgumentHelp(GenerationSchema.help("loudness"))) var loudness: Double?
    @Option(help: ArgumentHelp(GenerationSchema.help("temperature"))) var temperature = GenerationOptions.defaults.noiseTemperature
    @Option(help: "Output file (.wav or .flac); several outputs get -1, -2, ... suffixes.") var out = "out.wav"
    @Option(help: "Also write a spectrogram PNG here.") var spectrogram: String?
    @Option(help: "The spectrogram's colour scale: fixed (80 dB below full scale, so silence looks silent) or auto (the clip's own range).")
    var spectrogramScale: SpectrogramScale = .fixed
    @Option(help: "Audio-to-audio: a reference recording to transform.") var from: String?
    @Option(help: ArgumentHelp(GenerationSchema.help("strength"))) var strength = GenerationOptions.defaults.strength
    @Option(help: "Inpainting: keep the reference between these seconds, e.g. 0:2.5, and generate the rest.") var keep: String?

    @Option(help: "A recording whose style vector is mixed into the prompt's (models with an audio-text space).") var style: String?
    @Option(help: ArgumentHelp(GenerationSchema.help("style_weight"))) var styleWeight = GenerationOptions.defaults.styleWeight
    @Option(help: ArgumentHelp(GenerationSchema.help("candidates"))) var candidates = GenerationOptions.defaults.candidates

    func run() throws {
        var o = GenerationOptions()
        o.prompts = [prompt]   // "" included: the unconditional prompt is a prompt
        modelRun.apply(to: &o)
        if let negative { o.negativePrompts = [negative] }
        if let eta { o.samplerOptions["eta"] = eta }
        o.seconds = seconds
        o.count = count
        o.loudness = loudness
        o.noiseTemperature = temperature
        o.strength = strength
        o.styleWeight = styleWeight
        o.candidates = candidates
        // Every option is checked before the model loads or a step runs, the output paths included.
        try o.validate()
        _ = try AudioFileFormat.forPath(out)
        let pipe = try modelRun.pipeline()
        modelRun.applyModelDefaults(pipe, to: &o)
        if let from {
            // At the model's rate and channel count: a stereo model keeps a stereo reference's channels.
            o.setReference(try pipe.modelRateAudio(try AudioFile.read(from)))
            o.strength = strength
        }
        if let keep {
            let parts = keep.split(separator: ":").compactMap { Double($0) }
            guard parts.count == 2, parts[0] <= parts[1] else { throw ValidationError("--keep: expected START:END in seconds, got '\(keep)'") }
            guard o.reference != nil else { throw ValidationError("--keep needs --from REF") }
            o.keepRange = parts[0]...parts[1]
        }
        if let style {
            o.style = try pipe.extractStyle(file: style)
            o.styleWeight = styleWeight
        }
        o.candidates = candidates
        Interrupt.install()
        defer { Interrupt.uninstall() }
        let bar = ProgressBar(total: o.steps * candidates, label: "generating")
        var done = 0
        let result: GenerationResult
        do {
            result = try pipe.generate(o) { step in
                if step.step == step.totalSteps { done += step.totalSteps }
                bar.update(done + (step.step == step.totalSteps ? 0 : step.step), total: step.totalSteps * candidates)
                return !Interrupt.requested
            }
        } catch {
            // Ctrl-C or SIGTERM (between steps, or inside a long op): the status says which signal stopped it.
            var cancelled = error is Interrupt.Interrupted
            if let d = error as? DiffusionError, case .cancelled = d { cancelled = true }
            guard cancelled, Interrupt.requested else { throw error }
            bar.finish()
            FileHandle.standardError.write(Data("foley generate: \(error)\n".utf8))
            throw ExitCode(Interrupt.exitStatus)
        }
        bar.finish()
        for w in result.warnings { FileHandle.standardError.write(Data("foley generate: warning: \(w)\n".utf8)) }
        if let scores = result.scores {
            for (i, s) in scores.enumerated() {
                let all = result.candidateScores![i].map { String(format: "%.3f", $0) }.joined(separator: " ")
                FileHandle.standardError.write(Data("output \(i + 1): kept score \(String(format: "%.3f", s)) of candidates [\(all)], seed \(result.seeds[i])\n".utf8))
            }
        }
        let paths = try OutputWriter.write(result, options: o, pipeline: pipe, to: out, spectrogram: spectrogram, spectrogramScale: spectrogramScale)
        for p in paths { print(p) }
    }
}

/// `foley embed`: cosine similarities between prompts under the default text encoder (MiniLM).
struct Embed: ParsableCommand {
    static let configuration = CommandConfiguration(abstract: "Print the cosine similarity matrix of texts under all-MiniLM-L6-v2.")

    @Argument(help: "Two or more texts.") var texts: [String]
    @Option(help: "A Hugging Face text-encoder folder (default: all-MiniLM-L6-v2 from scripts/setup).") var encoder: String?

    func run() throws {
        guard texts.count >= 2 else {
            throw ValidationError("expected two or more texts to compare, got \(texts.count) (the similarity of one text with itself is always 1)")
        }
        let folder = encoder.map { URL(fileURLWithPath: $0) } ?? FoleyPaths.miniLM
        let sims = try TextSimilarity.matrix(texts, encoderFolder: folder)
        let w = max(8, texts.map(\.count).max() ?? 8)
        for (i, t) in texts.enumerated() {
            print(t.padding(toLength: w, withPad: " ", startingAt: 0) + "  " + sims[i].map { String(format: "%6.3f", $0) }.joined(separator: " "))
        }
    }
}

/// `--spectrogram-scale fixed|auto`.
extension SpectrogramScale: ExpressibleByArgument {}
