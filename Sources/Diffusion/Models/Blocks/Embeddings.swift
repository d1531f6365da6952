import Foundation
import NN
import Tensors

/// diffusers' `Timesteps`: sinusoidal embedding of (possibly fractional) timesteps, no parameters.
/// Computed in float32 step by step as diffusers' `get_timestep_embedding` does, so values match to the ulp.
public final class Timesteps: Module {
    public let numChannels: Int, flipSinToCos: Bool, downscaleFreqShift: Float, scale: Float, maxPeriod: Float

    public init(numChannels: Int, flipSinToCos: Bool, downscaleFreqShift: Float, scale: Float = 1, maxPeriod: Float = 10000) {
        self.numChannels = numChannels
        self.flipSinToCos = flipSinToCos
        self.downscaleFreqShift = downscaleFreqShift
        self.scale = scale
        self.maxPeriod = maxPeriod
        super.init()
    }

    /// [N] timesteps -> [N, numChannels].
    public func callAsFunction(_ timesteps: [Float]) -> Tensor {
        let half = numChannels / 2
        let logPeriod = Float(-Foundation.log(Double(maxPeriod)))
        let denom = Float(half) - downscaleFreqShift
        let freqs = (0..<half).map { Foundation.exp(logPeriod * Float($0) / denom) }
        var out = [Float](repeating: 0, count: timesteps.count * numChannels)
        for (n, t) in timesteps.enumerated() {
            let row = n * numChannels
            for i in 0..<half {
                let arg = scale * (t * freqs[i])
                let (s, c) = (Foundation.sin(arg), Foundation.cos(arg))
                if flipSinToCos { out[row + i] = c; out[row + half + i] = s } else { out[row + i] = s; out[row + half + i] = c }
            }
            // An odd channel count leaves the last value zero (diffusers pads).
        }
        return Tensor(shape: [timesteps.count, numChannels], data: out)
    }

    /// [N] timesteps given as a tensor.
    public func callAsFunction(_ timesteps: Tensor) -> Tensor { self(timesteps.scalars) }
}

/// diffusers' TimestepEmbedding: linear_1 -> act -> linear_2 (-> post act).
public final class TimestepEmbedding: Module {
    public let linear1: Linear, linear2: Linear
    public let activation: Activation
    public let postActivation: Activation?

    public init(inChannels: Int, timeEmbedDim: Int, activation: Activation = .silu, outDim: Int? = nil,
                postActivation: Activation? = nil) {
        linear1 = Linear(inChannels, timeEmbedDim)
        linear2 = Linear(timeEmbedDim, outDim ?? timeEmbedDim)
        self.activation = activation
        self.postActivation = postActivation
        super.init()
        child("linear_1", linear1)
        child("linear_2", linear2)
    }

    public func callAsFunction(_ x: Tensor) throws -> Tensor {
        let layer = beginLayer()
        defer { layer.end() }
        var h = try linear2(activation(linear1(x)))
        if let postActivation { h = try postActivation(h) }
        return h
    }
}
