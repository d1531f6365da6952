import ArgumentParser
import Diffusion
import Foundation
import NN

/// The options of every command that runs a model (`generate`, `eval-probes`): one `@OptionGroup`, its defaults
/// and help read from the one generation schema, so the command line and Lua's `p:generate` agree.
struct ModelRunOptions: ParsableArguments {
    @Option(help: "Model folder (Foley's own or a diffusers AudioLDM folder); default: the shipped model.") var model: String?
    @Option(help: ArgumentHelp(GenerationSchema.help("steps"))) var steps: Int?
    @Option(help: ArgumentHelp(GenerationSchema.help("guidance"))) var guidance: Float?
    @Option(help: ArgumentHelp("Sampler: \(samplerNames.joined(separator: ", ")) (default: the model's).")) var sampler: String?
    @Option(help: ArgumentHelp(GenerationSchema.help("seed"))) var seed = GenerationOptions.defaults.seed
    @Option(help: "A LoRA adapter (diffusers/PEFT .safetensors) as PATH or PATH:SCALE; repeat to stack several.") var lora: [String] = []
    @Flag(name: .shortAndLong, help: "Print each model's hyperparameters as it loads (as FOLEY_LOG=info does).") var verbose = false

    /// The model folder asked for, else the shipped default.
    func folder() throws -> URL {
        if verbose { LoadLog.verbose = true }
        guard let folder = model.map({ URL(fileURLWithPath: $0) }) ?? DefaultModel.locate() else {
            throw ValidationError("no model: pass --model DIR (the shipped default is models/default; run scripts/train-default-model to rebuild it)")
        }
        return folder
    }

    /// The `--lora` arguments as (file, scale), checked before any model loads.
    func loraFiles() throws -> [(path: String, scale: Float)] {
        try lora.map { arg in
            var path = arg, scale: Float = 1
            if let colon = arg.lastIndex(of: ":"), let s = Float(arg[arg.index(after: colon)...]) {
                path = String(arg[..<colon])
                scale = s
            }
            guard scale.isFinite else { throw ValidationError("--lora \(arg): the scale must be a finite number") }
            guard FileManager.default.fileExists(atPath: path) else {
                throw ValidationError("--lora \(arg): no such file '\(path)' (expected PATH or PATH:SCALE of a .safetensors adapter)")
            }
            return (path, scale)
        }
    }

    /// The model with its `--lora` adapters attached.
    func pipeline() throws -> TextToAudioPipeline {
        let adapters = try loraFiles()
        let pipe = try TextToAudioPipeline.load(folder: try folder())
        for a in adapters { try pipe.loadLoRA(a.path, scale: a.scale) }
        return pipe
    }

    /// Writes the options given over `options` (steps and guidance only when given: else they are the model's).
    func apply(to options: inout GenerationOptions) {
        if let steps { options.steps = steps }
        if let guidance { options.guidanceScale = guidance }
        options.sampler = sampler
        options.seed = seed
    }

    /// Steps and guidance not given become the model's own (`pipe.defaults`), once it is loaded.
    func applyModelDefaults(_ pipe: TextToAudioPipeline, to options: inout GenerationOptions) {
        if steps == nil { options.steps = pipe.defaults.steps }
        if guidance == nil { options.guidanceScale = pipe.defaults.guidanceScale }
    }

    /// The model's defaults (`pipe.defaults`) with the options given written over them.
    func options(for pipe: TextToAudioPipeline) -> GenerationOptions {
        var o = pipe.defaults
        apply(to: &o)
        return o
    }
}
