import Foundation
import Tensors

/// An optimizer over a fixed list of parameters, with state that can be saved and restored.
public protocol Optimizer: AnyObject {
    var parameters: [Tensor] { get }
    var learningRate: Float { get set }
    /// Applies one update from the parameters' accumulated gradients.
    func step() throws
    /// Optimizer state (moments, step count) keyed for a safetensors checkpoint.
    func stateDict() -> [String: Tensor]
    func load(stateDict: [String: Tensor]) throws
}

extension Optimizer {
    public func zeroGrad() { for p in parameters { p.grad = nil } }

    func stateTensor(_ state: [String: Tensor], _ key: String, like p: Tensor) throws -> Tensor {
        guard let t = state[key] else { throw NNError.invalidArgument("optimizer state", "missing key '\(key)'") }
        guard t.shape == p.shape || t.count == p.count else {
            throw NNError.invalidArgument("optimizer state", "'\(key)' has shape \(t.shape), parameter has \(p.shape)")
        }
        return t.copy()
    }
}

/// Stochastic gradient descent with momentum and (coupled) weight decay (torch.optim.SGD).
public final class SGD: Optimizer {
    public let parameters: [Tensor]
    public var learningRate: Float
    public let momentum: Float, weightDecay: Float, nesterov: Bool
    var velocity: [Tensor?]

    public init(_ parameters: [Tensor], lr: Float, momentum: Float = 0, weightDecay: Float = 0, nesterov: Bool = false) {
        self.parameters = parameters
        learningRate = lr
        self.momentum = momentum
        self.weightDecay = weightDecay
        self.nesterov = nesterov
        velocity = Array(repeating: nil, count: parameters.count)
    }

    public func step() throws {
        for (i, p) in parameters.enumerated() {
            guard let g0 = p.grad else { continue }
            let n = p.count
            let g = g0.copy()
            if weightDecay != 0 { for j in 0..<n { g.pointer[j] += weightDecay * p.pointer[j] } }
            var d = g
            if momentum != 0 {
                if let v = velocity[i] {
                    for j in 0..<n { v.pointer[j] = momentum * v.pointer[j] + g.pointer[j] }
                } else { velocity[i] = g.copy() }
                let v = velocity[i]!
                if nesterov { for j in 0..<n { g.pointer[j] += momentum * v.pointer[j] }; d = g } else { d = v }
            }
            for j in 0..<n { p.pointer[j] -= learningRate * d.pointer[j] }
        }
    }

    public func stateDict() -> [String: Tensor] {
        var s: [String: Tensor] = [:]
        for (i, v) in velocity.enumerated() { if let v { s["\(i).momentum_buffer"] = v } }
        return s
    }

    public func load(stateDict s: [String: Tensor]) throws {
        for (i, p) in parameters.enumerated() where s["\(i).momentum_buffer"] != nil {
            velocity[i] = try stateTensor(s, "\(i).momentum_buffer", like: p)
        }
    }
}

/// Adam with decoupled weight decay and bias correction (torch.optim.AdamW).
public final class AdamW: Optimizer {
    public let parameters: [Tensor]
    public var learningRate: Float
    public let beta1: Float, beta2: Float, eps: Float, weightDecay: Float
    public private(set) var stepCount = 0
    var m: [Tensor], v: [Tensor]

    public init(_ parameters: [Tensor], lr: Float = 1e-3, betas: (Float, Float) = (0.9, 0.999), eps: Float = 1e-8,
                weightDecay: Float = 0.01) {
        self.parameters = parameters
        learningRate = lr
        (beta1, beta2) = betas
        self.eps = eps
        self.weightDecay = weightDecay
        m = parameters.map { Tensor.zeros($0.shape) }
        v = parameters.map { Tensor.zeros($0.shape) }
    }

    public func step() throws {
        stepCount += 1
        let bc1 = 1 - Foundation.pow(beta1, Float(stepCount)), bc2 = 1 - Foundation.pow(beta2, Float(stepCount))
        let lr = learningRate, wd = weightDecay, b1 = beta1, b2 = beta2, e = eps
        let stepSize = lr / bc1, bc2Sqrt = bc2.squareRoot()
        for (i, p) in parameters.enumerated() {
            guard let g = p.grad else { continue }
            let pp = p.pointer, gp = g.pointer, mp = m[i].pointer, vp = v[i].pointer
            Runtime.parallelRanges(p.count, minChunk: 1 << 15) { lo, hi in
                for j in lo..<hi {
                    pp[j] *= 1 - lr * wd
                    mp[j] = b1 * mp[j] + (1 - b1) * gp[j]
                    vp[j] = b2 * vp[j] + (1 - b2) * gp[j] * gp[j]
                    pp[j] -= stepSize * mp[j] / (vp[j].squareRoot() / bc2Sqrt + e)
                }
            }
        }
    }

    public func stateDict() -> [String: Tensor] {
        var s: [String: Tensor] = ["step": Tensor([Float(stepCount)])]
        for i in parameters.indices {
            s["\(i).exp_avg"] = m[i]
            s["\(i).exp_avg_sq"] = v[i]
        }
        return s
    }

    public func load(stateDict s: [String: Tensor]) throws {
        guard let st = s["step"] else { throw NNError.invalidArgument("optimizer state", "missing key 'step'") }
        stepCount = Int(st.item)
        for (i, p) in parameters.enumerated() {
            m[i] = try stateTensor(s, "\(i).exp_avg", like: p)
            v[i] = try stateTensor(s, "\(i).exp_avg_sq", like: p)
        }
    }
}

/// Scales all gradients so their global L2 norm is at most `maxNorm`; returns the norm before clipping.
@discardableResult
public func clipGradNorm(_ parameters: [Tensor], maxNorm: Float) -> Float {
    var total = 0.0
    for p in parameters { if let g = p.grad { for j in 0..<g.count { total += Double(g.pointer[j]) * Double(g.pointer[j]) } } }
    let norm = Float(total.squareRoot())
    let scale = maxNorm / (norm + 1e-6)
    if scale < 1 {
        for p in parameters { if let g = p.grad { for j in 0..<g.count { g.pointer[j] *= scale } } }
    }
    return norm
}
