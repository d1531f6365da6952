import Foundation
import Tensors

/// A network component with named parameters and child modules; dotted names follow diffusers/transformers.
open class Module {
    public private(set) var parameterNames: [String] = []
    private var parameterStore: [String: Tensor] = [:]
    public private(set) var bufferNames: [String] = []
    private var bufferStore: [String: Tensor] = [:]
    public private(set) var childNames: [String] = []
    private var childStore: [String: Module] = [:]
    /// Training mode (dropout active) vs evaluation mode.
    public private(set) var isTraining = false

    public init() {}

    /// Registers a trainable tensor under `name` and returns it.
    @discardableResult
    public func parameter(_ name: String, _ t: Tensor) -> Tensor {
        t.requiresGrad = true
        if parameterStore[name] == nil { parameterNames.append(name) }
        parameterStore[name] = t
        return t
    }

    /// Registers a non-trainable tensor saved in the state dict (e.g. running statistics).
    @discardableResult
    public func buffer(_ name: String, _ t: Tensor) -> Tensor {
        if bufferStore[name] == nil { bufferNames.append(name) }
        bufferStore[name] = t
        return t
    }

    /// Registers a child module under `name` and returns it.
    @discardableResult
    public func child<M: Module>(_ name: String, _ m: M) -> M {
        if childStore[name] == nil { childNames.append(name) }
        childStore[name] = m
        return m
    }

    public func param(_ name: String) -> Tensor? { parameterStore[name] }

    /// Every parameter with its dotted path, in registration order.
    public func namedParameters(prefix: String = "") -> [(String, Tensor)] {
        var out = parameterNames.map { (prefix + $0, parameterStore[$0]!) }
        for c in childNames { out += childStore[c]!.namedParameters(prefix: prefix + c + ".") }
        return out
    }

    public func namedBuffers(prefix: String = "") -> [(String, Tensor)] {
        var out = bufferNames.map { (prefix + $0, bufferStore[$0]!) }
        for c in childNames { out += childStore[c]!.namedBuffers(prefix: prefix + c + ".") }
        return out
    }

    /// This module and every descendant with its dotted path ("" for this one), parents before children.
    public func namedModules(prefix: String = "") -> [(String, Module)] {
        var out: [(String, Module)] = [(prefix, self)]
        for c in childNames { out += childStore[c]!.namedModules(prefix: prefix.isEmpty ? c : prefix + "." + c) }
        return out
    }

    public func parameters() -> [Tensor] { namedParameters().map(\.1) }

    public var parameterCount: Int { parameters().reduce(0) { $0 + $1.count } }

    /// Parameters and buffers by dotted name (the checkpoint's keys).
    public func stateDict() -> [String: Tensor] {
        Dictionary(uniqueKeysWithValues: namedParameters() + namedBuffers())
    }

    /// Copies values from `state` into this module's tensors; `strict` requires the key sets to match.
    /// Shape mismatches are always errors. Keys matching `ignoring` are skipped (e.g. HF's position_ids).
    public func load(stateDict state: [String: Tensor], strict: Bool = true, ignoring: [String] = []) throws {
        let own = stateDict()
        var missing: [String] = [], misshaped: [String] = []
        for (k, t) in own {
            guard let src = state[k] else { missing.append(k); continue }
            if src.shape != t.shape { misshaped.append("\(k) (checkpoint \(src.shape), model \(t.shape))"); continue }
        }
        let unexpected = state.keys.filter { k in own[k] == nil && !ignoring.contains(where: { k.hasSuffix($0) }) }.sorted()
        if !misshaped.isEmpty || (strict && (!missing.isEmpty || !unexpected.isEmpty)) {
            throw NNError.stateDict(missing: missing.sorted(), unexpected: unexpected, misshaped: misshaped.sorted())
        }
        for (k, t) in own { if let src = state[k] { try t.assign(src) } }
    }

    /// Loads parameters from a safetensors file, applying `rename` to its keys first.
    public func load(safetensors path: String, strict: Bool = true, ignoring: [String] = [],
                     rename: (String) -> String = { $0 }) throws {
        let file = try SafeTensorsFile(path: path)
        var state: [String: Tensor] = [:]
        for k in file.keys { state[rename(k)] = try file.tensor(k) }
        do { try load(stateDict: state, strict: strict, ignoring: ignoring) } catch let e as NNError {
            throw NNError.file(path, e.description)
        }
    }

    /// Switches this module and its children between training and evaluation behaviour.
    public func train(_ on: Bool = true) {
        isTraining = on
        for c in childStore.values { c.train(on) }
    }

    public func eval() { train(false) }

    public func zeroGrad() { for p in parameters() { p.grad = nil } }

    /// Freezes or unfreezes every parameter.
    public func requiresGrad(_ on: Bool) { for p in parameters() { p.requiresGrad = on } }

    /// One line naming the layer and its sizes, as torch prints modules.
    open var summary: String { String(describing: type(of: self)) }

    /// The module tree, one line per module.
    public func describeTree(indent: String = "") -> String {
        var s = indent + summary
        for c in childNames { s += "\n" + childStore[c]!.describeTree(indent: indent + "  ").replacingOccurrences(of: indent + "  ", with: indent + "  (\(c)): ", options: .anchored) }
        return s
    }
}

/// The generator behind default initializers; `NN.manualSeed` makes model construction reproducible.
public enum NNRandom {
    nonisolated(unsafe) public static var generator = RandomGenerator(seed: 0)
    public static func manualSeed(_ seed: UInt64) { generator = RandomGenerator(seed: seed) }
}

/// PyTorch's default initializers.
public enum Init {
    /// Uniform in ±bound.
    public static func uniform(_ shape: [Int], bound: Float) -> Tensor {
        Tensor.rand(shape, low: -bound, high: bound, generator: NNRandom.generator)
    }

    /// kaiming_uniform_(a=sqrt(5)) as nn.Linear / nn.Conv use: bound = 1/sqrt(fan_in).
    public static func kaimingUniform(_ shape: [Int], fanIn: Int) -> Tensor {
        uniform(shape, bound: 1 / Float(max(fanIn, 1)).squareRoot())
    }

    public static func normal(_ shape: [Int], std: Float) -> Tensor {
        Tensor.randn(shape, generator: NNRandom.generator) * std
    }
}

extension Module {
    /// Opens this layer's row in a profile until `end()` (the row is the module's type, e.g. ResnetBlock2D).
    @inline(__always)
    public func beginLayer() -> Profiler.LayerScope {
        Profiler.beginLayer(String(describing: type(of: self)))
    }
}
