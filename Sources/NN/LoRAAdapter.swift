import Foundation
import Tensors

/// A named set of LoRA layers attached to one model's Linear layers (a PEFT adapter): trained, scaled, saved under
/// PEFT's keys (`<layer>.lora_A.weight`, `<layer>.lora_B.weight`), merged into the base weights or removed.
public final class LoRAAdapter {
    public let name: String
    public let config: LoRAConfig
    /// Adapted layers by dotted path, in the model's order.
    public private(set) var layers: [(path: String, host: Linear, layer: LoRALayer)]
    public private(set) var isAttached = true

    private init(name: String, config: LoRAConfig, layers: [(String, Linear, LoRALayer)]) {
        self.name = name
        self.config = config
        self.layers = layers.map { (path: $0.0, host: $0.1, layer: $0.2) }
        for (_, host, layer) in self.layers { host.loraLayers.append((name, layer)) }
    }

    /// The Linear layers of `model` that `config.targets` select, by dotted path.
    static func targetLayers(of model: Module, config: LoRAConfig, what: String) throws -> [(String, Linear)] {
        var found: [(String, Linear)] = []
        var other: [String] = []
        for (path, m) in model.namedModules() where !path.isEmpty && config.targets(path) {
            if let l = m as? Linear { found.append((path, l)) } else if !(m is Dropout) { other.append("\(path) (\(type(of: m)))") }
        }
        if !other.isEmpty {
            throw NNError.invalidArgument("\(what).targets", "LoRA adapts Linear layers only; \(other.prefix(3).joined(separator: ", ")) match\(other.count > 3 ? " (and \(other.count - 3) more)" : "")")
        }
        if found.isEmpty {
            throw NNError.invalidArgument("\(what).targets", "\(config.targets) match no Linear layer of the model (e.g. to_q, to_k, to_v, to_out.0, proj_in, ff.net.2)")
        }
        return found
    }

    /// A new trainable adapter as PEFT initializes one: A kaiming-uniform (a = sqrt 5), B zero, so the model is
    /// unchanged until training moves B. `generator` makes it reproducible.
    public static func attach(to model: Module, name: String, config: LoRAConfig, generator: RandomGenerator,
                              what: String = "lora") throws -> LoRAAdapter {
        try config.validate(what)
        try checkName(name, model: model)
        let targets = try targetLayers(of: model, config: config, what: what)
        let layers = targets.map { path, host -> (String, Linear, LoRALayer) in
            let bound = 1 / Float(host.inFeatures).squareRoot()
            let down = Tensor.rand([config.rank, host.inFeatures], low: -bound, high: bound, generator: generator).requiringGrad()
            let up = Tensor.zeros([host.outFeatures, config.rank]).requiringGrad()
            return (path, host, LoRALayer(down: down, up: up, alpha: config.alpha(for: path), useRSLoRA: config.useRSLoRA, dropout: config.dropout))
        }
        return LoRAAdapter(name: name, config: config, layers: layers)
    }

    /// An adapter from saved weights keyed `<layer>.lora_A.weight` / `<layer>.lora_B.weight` (prefix removed). Every
    /// key must name a Linear layer of `model` with matching shapes; the rank is read per layer from the shapes.
    public static func attach(to model: Module, name: String, weights: [String: Tensor], config: LoRAConfig,
                              source: String) throws -> LoRAAdapter {
        try checkName(name, model: model)
        let modules = Dictionary(model.namedModules(), uniquingKeysWith: { a, _ in a })
        var paths: [String] = []
        for k in weights.keys.sorted() {
            guard k.hasSuffix(".lora_A.weight") || k.hasSuffix(".lora_B.weight") else {
                throw NNError.file(source, "'\(k)' is not a LoRA weight (expected <layer>.lora_A.weight and <layer>.lora_B.weight, PEFT's names)")
            }
            let path = String(k.dropLast(".lora_A.weight".count))
            if !paths.contains(path) { paths.append(path) }
        }
        guard !paths.isEmpty else { throw NNError.file(source, "holds no LoRA weights for this model") }
        var layers: [(String, Linear, LoRALayer)] = []
        for (path, m) in model.namedModules() where paths.contains(path) {
            guard let host = m as? Linear else {
                throw NNError.file(source, "adapts '\(path)', a \(type(of: m)); Foley's LoRA adapts Linear layers only")
            }
            guard let a = weights[path + ".lora_A.weight"], let b = weights[path + ".lora_B.weight"] else {
                throw NNError.file(source, "'\(path)' has only one of lora_A.weight and lora_B.weight")
            }
            guard a.rank == 2, b.rank == 2, a.shape[1] == host.inFeatures, b.shape[0] == host.outFeatures, a.shape[0] == b.shape[1] else {
                throw NNError.file(source, "'\(path)' has lora_A \(a.shape) and lora_B \(b.shape); the layer is Linear(\(host.inFeatures) -> \(host.outFeatures)), so expected [r, \(host.inFeatures)] and [\(host.outFeatures), r]")
            }
            layers.append((path, host, LoRALayer(down: a.copy(), up: b.copy(), alpha: config.alpha(for: path),
                                                 useRSLoRA: config.useRSLoRA, dropout: config.dropout)))
        }
        let unknown = Set(paths).subtracting(layers.map(\.0))
        if !unknown.isEmpty {
            throw NNError.file(source, "adapts layers this model does not have: \(unknown.sorted().prefix(3).joined(separator: ", "))\(unknown.count > 3 ? " (and \(unknown.count - 3) more)" : "") (an adapter for another architecture?)")
        }
        return LoRAAdapter(name: name, config: config, layers: layers)
    }

    private static func checkName(_ name: String, model: Module) throws {
        guard !name.isEmpty else { throw NNError.invalidArgument("adapter name", "expected a non-empty name") }
        let used = model.namedModules().contains { ($0.1 as? Linear)?.loraLayers.contains { $0.adapter == name } ?? false }
        if used { throw NNError.invalidArgument("adapter name", "'\(name)' is already attached to this model; unload it or choose another name") }
    }

    /// The multiplier on every layer of this adapter (0 turns it off).
    public var scale: Float {
        get { layers.first?.layer.scale ?? 1 }
        set { for l in layers { l.layer.scale = newValue } }
    }

    /// Trainable tensors named as PEFT saves them.
    public var namedParameters: [(String, Tensor)] {
        layers.flatMap { [($0.path + ".lora_A.weight", $0.layer.down), ($0.path + ".lora_B.weight", $0.layer.up)] }
    }

    public var parameterCount: Int { namedParameters.reduce(0) { $0 + $1.1.count } }

    public func stateDict() -> [String: Tensor] { Dictionary(uniqueKeysWithValues: namedParameters) }

    /// Overwrites the adapter's weights from `state` (same keys and shapes), e.g. on resume.
    public func load(stateDict state: [String: Tensor]) throws {
        for (k, t) in namedParameters {
            guard let s = state[k] else { throw NNError.stateDict(missing: [k], unexpected: [], misshaped: []) }
            guard s.shape == t.shape else { throw NNError.stateDict(missing: [], unexpected: [], misshaped: ["\(k) (saved \(s.shape), adapter \(t.shape))"]) }
            try t.assign(s)
        }
    }

    /// Removes the adapter's layers from the model; the base weights are as they were.
    public func detach() {
        guard isAttached else { return }
        for (_, host, layer) in layers { host.loraLayers.removeAll { $0.adapter == name && $0.layer === layer } }
        isAttached = false
    }

    /// The adapted layers' weights with scale · alpha/r · B A added, keyed `prefix + path + ".weight"`, leaving the
    /// model as it is: what an export writes for a model with the adapter folded in.
    public func mergedWeights(prefix: String = "") throws -> [String: Tensor] {
        var out: [String: Tensor] = [:]
        for (path, host, layer) in layers where layer.scale != 0 {
            out[prefix + path + ".weight"] = try GradMode.noGrad { try host.weight.detach() + layer.weightDelta() }
        }
        return out
    }

    /// Adds scale · alpha/r · B A into each base weight and detaches: the model then runs at base speed.
    public func merge() throws {
        guard isAttached else { throw NNError.invalidArgument("adapter '\(name)'", "is no longer attached; nothing to merge") }
        for (_, host, layer) in layers where layer.scale != 0 {
            let w = host.weight
            try w.assign(try GradMode.noGrad { try w.detach() + layer.weightDelta() })
        }
        detach()
    }
}
