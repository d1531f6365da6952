import ArgumentParser
import Diffusion
import Foundation
import NN

/// The options of every command that runs a model (`generate`, `eval-probes`): one `@OptionGroup`, its defaults
/// and help read from the one generation schema, so the command line and Lua's `p:generate` agree.
struct ModelRunOptions: ParsableArguments {
    @Option(help: "Model folder (Foley's own or a diffusers AudioLDM folder); default: the shipped model.") var model: String?
    @Option(help: ArgumentHelp(GenerationSchema.help("steps"))) var steps = GenerationOptions.defaults.steps
    @Option(help: ArgumentHelp(GenerationSchema.help("guidance"))) var guidance = GenerationOptions.defaults.guidanceScale
    @Option(help: ArgumentHelp("Sampler: \(samplerNames.joined(separator: ", ")) (default: the model's).")) var sampler: String?
    @Option(help: ArgumentHelp(GenerationSchema.help("seed"))) var seed = GenerationOptions.defaults.seed
    @Flag(name: .shortAndLong, help: "Print each model's hyperparameters as it loads (as FOLEY_LOG=info does).") var verbose = false

    /// The model folder asked for, else the shipped default.
    func folder() throws -> URL {
        if verbose { LoadLog.verbose = true }
        guard let folder = model.map({ URL(fileURLWithPath: $0) }) ?? DefaultModel.locate() else {
            throw ValidationError("no model: pass --model DIR (the shipped default is models/default; run scripts/train-default-model to rebuild it)")
        }
        return folder
    }

    /// Writes these options over `options`.
    func apply(to options: inout GenerationOptions) {
        options.steps = steps
        options.guidanceScale = guidance
        options.sampler = sampler
        options.seed = seed
    }
}
