import Foundation
import NN
import Tensors

/// The Snake activation x + sin^2(alpha x) / beta with per-channel alpha and beta (diffusers' Snake1d); with
/// `logscale` the parameters hold log alpha and log beta, as Stable Audio's checkpoints do.
public final class Snake1d: Module {
    public let logscale: Bool
    public var alpha: Tensor { param("alpha")! }
    public var beta: Tensor { param("beta")! }

    public init(_ channels: Int, logscale: Bool = true) {
        self.logscale = logscale
        super.init()
        // diffusers starts both at zero: alpha = beta = 1 on the log scale.
        parameter("alpha", Tensor.zeros([1, channels, 1]))
        parameter("beta", Tensor.zeros([1, channels, 1]))
    }

    /// x [B, C, L] -> [B, C, L].
    public func callAsFunction(_ x: Tensor) throws -> Tensor {
        let a = logscale ? alpha.exp() : alpha, b = logscale ? beta.exp() : beta
        // 1e-9 keeps a zero beta finite, as the reference does.
        let inverseBeta = try Tensor(scalar: 1) / (b + 1e-9)
        let channels = alpha.shape[1]
        guard x.rank == 3, x.shape[1] == channels, !(GradMode.isEnabled && [x, alpha, beta].contains(where: \.requiresGrad)) else {
            let s = try (a * x).sin()
            return try x + inverseBeta * (s * s)
        }
        // Without gradients, one pass: the composite holds up to three temporaries the size of x at once (226 MB
        // each at the decoder's last block for 10 s of audio). Same operations in the same order, so the same floats.
        let out = try Tensor.checkedZeros(x.shape)
        let length = x.shape[2], pa = a.pointer, pb = inverseBeta.pointer, px = x.pointer, po = out.pointer
        Runtime.parallelFor(x.shape[0] * channels) { row in
            let av = pa[row % channels], bv = pb[row % channels]
            let src = px + row * length, dst = po + row * length
            for i in 0..<length {
                let v = src[i], s = Foundation.sin(av * v)
                dst[i] = v + bv * (s * s)
            }
        }
        return out
    }

    public override var summary: String { "Snake1d(\(alpha.shape[1])\(logscale ? ", logscale" : ""))" }
}
