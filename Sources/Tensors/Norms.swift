import CKernels
import Foundation

// Normalization layers as fused kernels with hand-written backward rules.
extension Tensor {
    /// Normalizes `blocks` contiguous blocks of `channels` x `spatial` values with per-channel affine
    /// (`channelBase(block)` is the block's first affine index); returns output, means and 1/stds.
    static func blockNorm(_ x: Tensor, blocks: Int, channels: Int, spatial: Int, eps: Float, channelBase: @escaping (Int) -> Int,
                          weight: Tensor?, bias: Tensor?, silu: Bool = false) -> (Tensor, Tensor, Tensor) {
        let out = Tensor(uninitialized: x.shape)
        let means = Tensor(uninitialized: [blocks]), rstds = Tensor(uninitialized: [blocks])
        let px = x.pointer, po = out.pointer, pw = weight?.pointer, pb = bias?.pointer
        let m = channels * spatial
        Runtime.parallelFor(blocks, minChunk: Swift.max(1, 4096 / Swift.max(m, 1))) { i in
            let c0 = channelBase(i)
            foley_norm_block(px + i * m, po + i * m, channels, spatial, pw.map { $0 + c0 }, pb.map { $0 + c0 }, eps,
                             silu ? 1 : 0, means.pointer + i, rstds.pointer + i)
        }
        return (out, means, rstds)
    }

    /// Backward of `blockNorm`: returns dx and fills dw/db accumulators.
    /// Backward of the block normalization: blocks of `channels` x `spatial` run in parallel, each writing
    /// its own partial dw/db rows, which are then summed in a fixed order (deterministic results).
    static func blockNormBackward(_ x: Tensor, _ g: Tensor, blocks: Int, channels: Int, spatial: Int, means: Tensor,
                                  rstds: Tensor, channelBase: @escaping (Int) -> Int, weight: Tensor?,
                                  gw: Tensor?, gb: Tensor?) -> Tensor {
        let gx = Tensor(uninitialized: x.shape)
        let m = channels * spatial
        let pw = weight?.pointer
        let partW = gw != nil ? Tensor(uninitialized: [blocks * channels]) : nil
        let partB = gb != nil ? Tensor(uninitialized: [blocks * channels]) : nil
        Runtime.parallelFor(blocks, minChunk: Swift.max(1, 4096 / Swift.max(m, 1))) { i in
            let c0 = channelBase(i)
            foley_norm_block_backward(x.pointer + i * m, g.pointer + i * m, gx.pointer + i * m, channels, spatial,
                                      pw.map { $0 + c0 }, means.pointer[i], rstds.pointer[i],
                                      partW.map { $0.pointer + i * channels }, partB.map { $0.pointer + i * channels })
        }
        for i in 0..<blocks {
            let c0 = channelBase(i)
            if let gw, let partW { for c in 0..<channels { gw.pointer[c0 + c] += partW.pointer[i * channels + c] } }
            if let gb, let partB { for c in 0..<channels { gb.pointer[c0 + c] += partB.pointer[i * channels + c] } }
        }
        return gx
    }

    /// Group normalization of x [N, C, *] over `groups` channel groups (torch.nn.functional.group_norm).
    public static func groupNorm(_ x: Tensor, groups: Int, weight: Tensor?, bias: Tensor?, eps: Float = 1e-5) throws -> Tensor {
        try Profiler.op("group_norm", bytes: Double(8 * x.count)) {
            try groupNormBody(x, groups: groups, weight: weight, bias: bias, eps: eps)
        }
    }

    /// silu(group_norm(x)) in one pass over memory (the ResNet blocks' norm-activation pair). With a graph to
    /// record it runs as the two ops, whose backward rules exist.
    public static func groupNormSiLU(_ x: Tensor, groups: Int, weight: Tensor?, bias: Tensor?, eps: Float = 1e-5) throws -> Tensor {
        let needsGraph = GradMode.isEnabled && (x.requiresGrad || (weight?.requiresGrad ?? false) || (bias?.requiresGrad ?? false))
        if needsGraph { return try groupNorm(x, groups: groups, weight: weight, bias: bias, eps: eps).silu() }
        return try Profiler.op("group_norm+silu", bytes: Double(8 * x.count)) {
            try groupNormBody(x, groups: groups, weight: weight, bias: bias, eps: eps, silu: true)
        }
    }

    private static func groupNormBody(_ x: Tensor, groups: Int, weight: Tensor?, bias: Tensor?, eps: Float,
                                      silu: Bool = false) throws -> Tensor {
        guard x.rank >= 2, x.shape[1] % groups == 0 else {
            throw TensorError.shapeMismatch(op: "group_norm", "\(x.shape[safe: 1] ?? 0) channels do not split into \(groups) groups")
        }
        let n = x.shape[0], c = x.shape[1], spatial = x.count / Swift.max(n * c, 1), cg = c / groups
        let blocks = n * groups, channels = cg
        let channelBase: (Int) -> Int = { ($0 % groups) * cg }
        let (out, means, rstds) = blockNorm(x, blocks: blocks, channels: cg, spatial: spatial, eps: eps,
                                            channelBase: channelBase, weight: weight, bias: bias, silu: silu)
        var inputs = [x]
        if let weight { inputs.append(weight) }
        if let bias { inputs.append(bias) }
        return out.recording(inputs) { g in
            let gw = weight.map { Tensor.zeros($0.shape) }, gb = bias.map { Tensor.zeros($0.shape) }
            let gx = blockNormBackward(x, g, blocks: blocks, channels: channels, spatial: spatial, means: means, rstds: rstds,
                                       channelBase: channelBase, weight: weight, gw: gw, gb: gb)
            var res: [Tensor?] = [gx]
            if weight != nil { res.append(gw) }
            if bias != nil { res.append(gb) }
            return res
        }
    }

    /// Layer normalization over the last `normalizedDims` dims (torch.nn.functional.layer_norm).
    public static func layerNorm(_ x: Tensor, normalizedDims: Int = 1, weight: Tensor?, bias: Tensor?, eps: Float = 1e-5) throws -> Tensor {
        try Profiler.op("layer_norm", bytes: Double(8 * x.count)) {
            try layerNormBody(x, normalizedDims: normalizedDims, weight: weight, bias: bias, eps: eps)
        }
    }

    private static func layerNormBody(_ x: Tensor, normalizedDims: Int, weight: Tensor?, bias: Tensor?, eps: Float) throws -> Tensor {
        let m = x.shape.suffix(normalizedDims).reduce(1, *)
        if let weight, weight.count != m {
            throw TensorError.shapeMismatch(op: "layer_norm", "weight \(weight.shape) vs normalized size \(m) of input \(x.shape)")
        }
        let blocks = x.count / Swift.max(m, 1)
        // Each row is one block whose "channels" are its elements, each with its own affine weight.
        let channels = m, spatial = 1
        let channelBase: (Int) -> Int = { _ in 0 }
        let out = Tensor(uninitialized: x.shape)
        let means = Tensor(uninitialized: [blocks]), rstds = Tensor(uninitialized: [blocks])
        let px = x.pointer, po = out.pointer, pw = weight?.pointer, pb = bias?.pointer
        Runtime.parallelRanges(blocks, minChunk: Swift.max(1, 4096 / Swift.max(m, 1))) { lo, hi in
            foley_layer_norm_rows(px + lo * m, po + lo * m, hi - lo, m, pw, pb, eps, means.pointer + lo, rstds.pointer + lo)
        }
        var inputs = [x]
        if let weight { inputs.append(weight) }
        if let bias { inputs.append(bias) }
        return out.recording(inputs) { g in
            let gw = weight.map { Tensor.zeros($0.shape) }, gb = bias.map { Tensor.zeros($0.shape) }
            let gx = blockNormBackward(x, g, blocks: blocks, channels: channels, spatial: spatial, means: means, rstds: rstds,
                                       channelBase: channelBase, weight: weight, gw: gw, gb: gb)
            var res: [Tensor?] = [gx]
            if weight != nil { res.append(gw) }
            if bias != nil { res.append(gb) }
            return res
        }
    }
}

extension Array {
    subscript(safe i: Int) -> Element? { indices.contains(i) ? self[i] : nil }
}
