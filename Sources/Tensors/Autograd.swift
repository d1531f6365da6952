import Foundation

/// The recorded backward rule of one op: its inputs and how to map the output's gradient to theirs.
final class GradNode {
    let inputs: [Tensor]
    let backward: (Tensor) throws -> [Tensor?]
    /// The forward op's kind, kept only while profiling (the backward rule is timed as "<kind>_backward").
    let kind: String?

    init(_ inputs: [Tensor], _ backward: @escaping (Tensor) throws -> [Tensor?]) {
        self.inputs = inputs
        self.backward = backward
        kind = Profiler.isRecording ? (Profiler.currentOp ?? Profiler.lastOp ?? "op") : nil
    }
}

/// Whether ops record a graph; inference turns it off so no activations are kept.
public enum GradMode {
    nonisolated(unsafe) static var enabledStorage = true
    public static var isEnabled: Bool { enabledStorage }

    /// Runs `body` with graph recording off (torch.no_grad).
    public static func noGrad<R>(_ body: () throws -> R) rethrows -> R {
        let old = enabledStorage
        enabledStorage = false
        defer { enabledStorage = old }
        return try body()
    }

    /// Runs `body` with graph recording on (torch.enable_grad).
    public static func enableGrad<R>(_ body: () throws -> R) rethrows -> R {
        let old = enabledStorage
        enabledStorage = true
        defer { enabledStorage = old }
        return try body()
    }
}

extension Tensor {
    /// Attaches a backward rule to `self` if any input needs gradients and recording is on.
    @discardableResult
    func recording(_ inputs: [Tensor], _ backward: @escaping (Tensor) throws -> [Tensor?]) -> Tensor {
        if GradMode.enabledStorage, inputs.contains(where: { $0.requiresGrad }) {
            requiresGrad = true
            gradFn = GradNode(inputs, backward)
        }
        return self
    }

    /// Marks this tensor as a leaf that accumulates gradients; returns self.
    @discardableResult
    public func requiringGrad(_ flag: Bool = true) -> Tensor {
        requiresGrad = flag
        return self
    }

    /// Back-propagates from this tensor (a scalar unless `gradient` is given), accumulating into leaves.
    public func backward(_ gradient: Tensor? = nil) throws {
        guard requiresGrad else {
            throw TensorError.invalidArgument(op: "backward", "tensor does not require grad (no graph was recorded)")
        }
        if gradient == nil && count != 1 {
            throw TensorError.invalidArgument(op: "backward", "implicit gradient needs a scalar output, got shape \(shape)")
        }
        var order: [Tensor] = []
        var seen = Set<ObjectIdentifier>()
        // Iterative DFS: deep graphs (long training chains) must not overflow the stack.
        var stack: [(Tensor, Bool)] = [(self, false)]
        while let (t, expanded) = stack.popLast() {
            if expanded { order.append(t); continue }
            if seen.contains(ObjectIdentifier(t)) { continue }
            seen.insert(ObjectIdentifier(t))
            stack.append((t, true))
            if let fn = t.gradFn {
                for i in fn.inputs where i.requiresGrad && !seen.contains(ObjectIdentifier(i)) { stack.append((i, false)) }
            }
        }
        var grads: [ObjectIdentifier: Tensor] = [ObjectIdentifier(self): gradient ?? Tensor.ones(shape)]
        try GradMode.noGrad {
            for t in order.reversed() {
                guard let g = grads.removeValue(forKey: ObjectIdentifier(t)) else { continue }
                if let fn = t.gradFn {
                    let gs = try Profiler.op((fn.kind ?? "op") + "_backward") { try fn.backward(g) }
                    for (input, gi) in zip(fn.inputs, gs) {
                        guard let gi, input.requiresGrad else { continue }
                        let key = ObjectIdentifier(input)
                        if let acc = grads[key] { grads[key] = try acc + gi } else { grads[key] = gi }
                    }
                    // Free the graph as PyTorch does: activations are released after use.
                    t.gradFn = nil
                } else {
                    if let old = t.grad { t.grad = try old + g } else { t.grad = g.copy() }
                    GradHooks.leafGradientReady?(t)
                }
            }
        }
    }

    /// Sums a broadcast gradient back down to `target` shape.
    func reduceGrad(to target: [Int]) throws -> Tensor {
        if shape == target { return self }
        let lead = rank - target.count
        var axes = Array(0..<lead)
        for (i, d) in target.enumerated() where d == 1 && shape[lead + i] != 1 { axes.append(lead + i) }
        var r = try sum(axes: axes, keepDim: true)
        if lead > 0 { r = try r.reshape(target) }
        return try r.reshape(target)
    }
}
