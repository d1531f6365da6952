import Tensors

/// Batch normalization over channels of [N, C, H, W] in evaluation mode (nn.BatchNorm2d, running statistics).
///
/// Only inference is needed to score audio, so the training-mode batch statistics are not implemented.
public final class BatchNorm2d: Module {
    public let eps: Float
    // Loading assigns into these tensors in place, so the references stay the loaded values.
    let weight: Tensor, bias: Tensor, runningMean: Tensor, runningVar: Tensor

    public init(_ channels: Int, eps: Float = 1e-5) {
        self.eps = eps
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

    public override var summary: String { "BatchNorm2d(\(weight.count), eps \(eps))" }
}
