import Foundation
import NN
import Tensors

/// An adapter file attached to a pipeline's denoiser, with the name it is addressed by.
public struct LoadedLoRA {
    public let name: String
    public let path: String
    public let adapter: LoRAAdapter
    public var scale: Float { adapter.scale }
}

extension TextToAudioPipeline {
    /// The network LoRA adapts: the UNet, or a Stable Audio model's transformer.
    public var denoiser: Module { stableAudio.map { $0.transformer as Module } ?? unet }

    /// The prefix diffusers gives the denoiser's keys in an adapter file.
    var denoiserPrefix: String { stableAudio == nil ? "unet" : "transformer" }

    /// Attaches the adapter in the diffusers/PEFT file at `path` to the denoiser at `scale` (several stack); returns
    /// the name it goes by (`name`, else the file's stem, made unique). The base weights are not touched.
    @discardableResult
    public func loadLoRA(_ path: String, scale: Float = 1, name: String? = nil) throws -> String {
        guard scale.isFinite else { throw DiffusionError.invalidArgument("scale", "expected a finite number, got \(scale)") }
        guard FileManager.default.fileExists(atPath: path) else { throw DiffusionError.invalidArgument("lora", "no such file: \(path)") }
        let parts = try LoRAFile.read(path)
        let prefix = denoiserPrefix
        guard let part = parts[prefix] ?? parts[""] else {
            let found = parts.keys.sorted().map { $0.isEmpty ? "(no prefix)" : "'\($0).'" }.joined(separator: ", ")
            throw DiffusionError.invalidArgument("lora", "\(path) has no weights for this model's \(prefix) (keys start with \(found)); adapters for the text encoder are not supported")
        }
        if parts.count > 1, let other = parts.keys.first(where: { $0 != prefix && $0 != "" }) {
            throw DiffusionError.invalidArgument("lora", "\(path) also adapts '\(other)'; Foley applies adapters to the \(prefix) only, and would silently drop the rest")
        }
        var base = name ?? URL(fileURLWithPath: path).deletingPathExtension().lastPathComponent
        if name == nil {
            let stem = base
            var i = 2
            while loraAdapters.contains(where: { $0.name == base }) { base = "\(stem)-\(i)"; i += 1 }
        } else if loraAdapters.contains(where: { $0.name == base }) {
            throw DiffusionError.invalidArgument("name", "an adapter named '\(base)' is already loaded (\(loraAdapters.map(\.name)))")
        }
        let adapter = try LoRAAdapter.attach(to: denoiser, name: base, weights: part.weights, config: part.config, source: path)
        adapter.scale = scale
        loraAdapters.append(LoadedLoRA(name: base, path: path, adapter: adapter))
        return base
    }

    /// Changes one loaded adapter's scale (0 turns it off).
    public func setLoRAScale(_ name: String, _ scale: Float) throws {
        guard scale.isFinite else { throw DiffusionError.invalidArgument("scale", "expected a finite number, got \(scale)") }
        try loaded(name).adapter.scale = scale
    }

    /// Removes one adapter (`name`) or all of them; the denoiser is the base model again.
    public func unloadLoRA(_ name: String? = nil) throws {
        if let name { _ = try loaded(name) }
        for l in loraAdapters where name == nil || l.name == name { l.adapter.detach() }
        loraAdapters.removeAll { name == nil || $0.name == name }
    }

    /// Folds every loaded adapter into the denoiser's weights at its scale (diffusers' `fuse_lora`); the adapters
    /// are gone afterwards and generation runs at the base model's speed.
    public func mergeLoRA() throws {
        guard !loraAdapters.isEmpty else { throw DiffusionError.invalidArgument("lora", "no adapter is loaded; nothing to merge") }
        for l in loraAdapters { try l.adapter.merge() }
        loraAdapters.removeAll()
    }

    private func loaded(_ name: String) throws -> LoadedLoRA {
        guard let l = loraAdapters.first(where: { $0.name == name }) else {
            throw DiffusionError.invalidArgument("name", "no adapter named '\(name)' (loaded: \(loraAdapters.isEmpty ? "none" : loraAdapters.map(\.name).joined(separator: ", ")))")
        }
        return l
    }

    /// What the sidecar records: each adapter's file, name and scale.
    public var loraRecord: [[String: Any]] {
        loraAdapters.map { ["path": $0.path, "name": $0.name, "scale": Double($0.scale)] }
    }
}
