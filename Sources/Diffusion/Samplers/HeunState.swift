import Tensors

/// What Heun's method carries from its Euler predictor call to its trapezoidal corrector call (diffusers'
/// `prev_derivative`, `dt` and `sample`), shared by the Karras (HeunSampler) and flow (FlowMatchHeunSampler) forms.
struct HeunState {
    private var derivative: Tensor?
    private var dt: Float?
    private var sample: Tensor?

    /// True when the next call is the predictor.
    var inFirstOrder: Bool { dt == nil }

    mutating func reset() {
        derivative = nil
        dt = nil
        sample = nil
    }

    /// The Euler predictor: sample + d h, remembered for the corrector.
    mutating func predict(sample: Tensor, derivative d: Tensor, h: Float) throws -> Tensor {
        derivative = d
        dt = h
        self.sample = sample
        return try sample + d * h
    }

    /// The corrector: the predictor's sample moved by the mean of both derivatives (halving is exact in floats,
    /// so this equals diffusers' `(d0 + d1) / 2` bit for bit).
    mutating func correct(derivative d1: Tensor, name: String) throws -> Tensor {
        guard let d0 = derivative, let h = dt, let x = sample else { throw SamplerMath.notReady(name) }
        reset()
        return try x + (d0 + d1) * 0.5 * h
    }
}
