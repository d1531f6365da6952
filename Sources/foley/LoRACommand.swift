import ArgumentParser
import Diffusion
import Foundation
import NN
import Tensors

/// `foley lora`: inspect adapter files and fold adapters into a model folder.
struct LoRACommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "lora", abstract: "Inspect LoRA adapters or merge them into a model.",
        subcommands: [Info.self, Merge.self])

    /// `foley lora info FILE`: what an adapter adapts, at which rank and alpha.
    struct Info: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Describe a LoRA adapter file (diffusers/PEFT safetensors).")
        @Argument(help: "The adapter file.") var file: String

        func run() throws {
            guard FileManager.default.fileExists(atPath: file) else { throw ValidationError("no such file: \(file)") }
            for (prefix, part) in try LoRAFile.read(file).sorted(by: { $0.key < $1.key }) {
                let layers = part.weights.keys.filter { $0.hasSuffix(".lora_A.weight") }.count
                let params = part.weights.values.reduce(0) { $0 + $1.count }
                print("\(prefix.isEmpty ? "(no prefix)" : prefix): \(layers) layers, rank \(part.config.rank), alpha \(part.config.alpha)\(part.config.useRSLoRA ? " (rsLoRA)" : ""), \(params) parameters")
                print("  targets: \(part.config.targets.count > 6 ? part.config.targets.prefix(6).joined(separator: ", ") + ", ..." : part.config.targets.joined(separator: ", "))")
            }
        }
    }

    /// `foley lora merge`: a new model folder whose denoiser weights have the adapters folded in.
    struct Merge: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Write a copy of a model folder with LoRA adapters merged into its UNet (or transformer) weights.")
        @Option(help: "Model folder (default: the shipped model).") var model: String?
        @Option(help: "An adapter as PATH or PATH:SCALE; repeat to merge several.") var lora: [String] = []
        @Option(help: "The new model folder (must not exist).") var out: String

        func run() throws {
            guard !lora.isEmpty else { throw ValidationError("--lora: give at least one adapter to merge") }
            guard !FileManager.default.fileExists(atPath: out) else { throw ValidationError("--out \(out): already exists; choose a new folder") }
            var run = try ModelRunOptions.parse(model.map { ["--model", $0] } ?? [])
            run.lora = lora
            let source = try run.folder()
            let pipe = try run.pipeline()
            let record = pipe.loraRecord
            try pipe.mergeLoRA()
            let component = pipe.stableAudio == nil ? "unet" : "transformer"
            let fm = FileManager.default
            let outURL = URL(fileURLWithPath: out)
            let tmp = outURL.deletingLastPathComponent().appendingPathComponent(".\(outURL.lastPathComponent).partial-\(getpid())")
            try? fm.removeItem(at: tmp)
            do {
                try fm.copyItem(at: source, to: tmp)
                let dir = tmp.appendingPathComponent(component)
                for f in try fm.contentsOfDirectory(atPath: dir.path) where f.hasSuffix(".safetensors") || f.hasSuffix(".safetensors.index.json") || f.hasSuffix(".bin") {
                    try fm.removeItem(at: dir.appendingPathComponent(f))
                }
                try SafeTensorsFile.save(pipe.denoiser.stateDict(), to: dir.appendingPathComponent("diffusion_pytorch_model.safetensors").path)
                let note = try JSONSerialization.data(withJSONObject: ["base_model": source.path, "merged_lora": record], options: [.prettyPrinted, .sortedKeys])
                try note.write(to: tmp.appendingPathComponent("lora_merged.json"))
                try fm.moveItem(at: tmp, to: outURL)
            } catch {
                try? fm.removeItem(at: tmp)
                throw error
            }
            print(out)
        }
    }
}
