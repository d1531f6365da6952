import Tensors

/// An exponential moving average of parameters (diffusers' EMAModel), for sampling with smoothed weights.
public final class EMA {
    public let decay: Float
    public private(set) var shadow: [Tensor]
    public private(set) var updates = 0

    public init(_ parameters: [Tensor], decay: Float = 0.999) {
        self.decay = decay
        shadow = parameters.map { $0.copy() }
    }

    /// shadow = d * shadow + (1 - d) * param, with d warmed up as min(decay, (1+n)/(10+n)).
    public func update(_ parameters: [Tensor]) {
        updates += 1
        let d = min(decay, Float(1 + updates) / Float(10 + updates))
        for (s, p) in zip(shadow, parameters) {
            for j in 0..<s.count { s.pointer[j] = d * s.pointer[j] + (1 - d) * p.pointer[j] }
        }
    }

    /// Copies the averaged weights into `parameters`.
    public func copy(to parameters: [Tensor]) throws { for (s, p) in zip(shadow, parameters) { try p.assign(s) } }

    public func load(shadow values: [Tensor], updates n: Int) throws {
        for (s, v) in zip(shadow, values) { try s.assign(v) }
        updates = n
    }
}
