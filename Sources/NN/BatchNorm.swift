import Tensors

/// Batch normalization over channels of [N, C, H, W] (nn.BatchNorm2d): running statistics in evaluation mode; in
/// training mode the batch's (with gradients) and a momentum update of the running ones, as torch does.
public final class BatchNorm2d: Module {
    public let eps: Float
    /// torch's `momentum`: running = (1 - m) running + m batch (variance unbiased).
    public let momentum: Float
    // Loading assigns into these tensors in place, so the references stay the loaded values.
    let weight: Tensor, bias: Tensor, runningMean: Tensor, runningVar: Tensor

    public init(_ channels: Int, eps: Float = 1e-5, momentum: Float = 0.1) {
        self.eps = eps
        self.momentum = momentum
        weight = Tensor.ones([channels])
        bias = Tensor.zeros([channels])
        runningMean = Tensor.zeros([channels])
        runningVar = Tensor.ones([channels])
        super.init()
        parameter("weight", weight)
        parameter("bias", bias)
        buffer("running_mean", runningMean)
        buffer("running_var", runningVar)
    }

    public func callAsFunction(_ x: Tensor) throws -> Tensor {
        let c = weight.count
        guard x.rank == 4, x.shape[1] == c else {
            throw NNError.invalidArgument("BatchNorm2d", "expected [N, \(c), H, W], got \(x.shape)")
        }
        if isTraining { return try trainingForward(x) }
        // y = (x - mean) / sqrt(var + eps) * w + b, folded into one scale and shift per channel.
        let w = weight.pointer, b = bias.pointer, mean = runningMean.pointer, variance = runningVar.pointer
        let spatial = x.shape[2] * x.shape[3]
        let out = Tensor.zeros(x.shape)
        for n in 0..<x.shape[0] {
            for k in 0..<c {
                let scale = w[k] / (variance[k] + eps).squareRoot()
                let shift = b[k] - mean[k] * scale
                let src = x.pointer + (n * c + k) * spatial, dst = out.pointer + (n * c + k) * spatial
                for i in 0..<spatial { dst[i] = src[i] * scale + shift }
            }
        }
        return out
    }

    /// Normalizes by the batch's statistics (differentiable) and moves the running ones toward them.
    func trainingForward(_ x: Tensor) throws -> Tensor {
        let c = weight.count, n = x.count / c
        guard n > 1 else { throw NNError.invalidArgument("BatchNorm2d", "training needs more than one value per channel, got input \(x.shape)") }
        let mean = try x.mean(axes: [0, 2, 3], keepDim: true)
        let centered = try x - mean
        let variance = try (centered * centered).mean(axes: [0, 2, 3], keepDim: true)
        try GradMode.noGrad {
            let m = mean.pointer, v = variance.pointer, rm = runningMean.pointer, rv = runningVar.pointer
            let unbias = Float(n) / Float(n - 1)
            for k in 0..<c {
                rm[k] = (1 - momentum) * rm[k] + momentum * m[k]
                rv[k] = (1 - momentum) * rv[k] + momentum * v[k] * unbias
            }
        }
        let y = try centered * (variance + eps).rsqrt()
        return try y * weight.reshape([1, c, 1, 1]) + bias.reshape([1, c, 1, 1])
    }

    public override var summary: String { "BatchNorm2d(\(weight.count), eps \(eps))" }
}
