import CDNNLConv
import CKernels
import Foundation

// Convolutions as im2col + sgemm, one product per sample and group.
extension Tensor {
    /// 2-D convolution of x [N, Cin, H, W] with weight [Cout, Cin/groups, kh, kw] (torch.nn.functional.conv2d).
    public static func conv2d(_ x: Tensor, weight: Tensor, bias: Tensor? = nil, stride: (Int, Int) = (1, 1),
                              padding: (Int, Int) = (0, 0), dilation: (Int, Int) = (1, 1), groups: Int = 1) throws -> Tensor {
        try Interrupt.check()
        return try Profiler.op(weight.rank == 4 && weight.shape[2] * weight.shape[3] == 1 ? "conv2d 1x1" : "conv2d",
                        flops: convFlops(x, weight, stride: stride, padding: padding, dilation: dilation)) {
            try conv2dBody(x, weight: weight, bias: bias, stride: stride, padding: padding, dilation: dilation, groups: groups)
        }
    }

    /// 2 x multiply-adds of a convolution (0 for malformed shapes, which the op itself refuses).
    static func convFlops(_ x: Tensor, _ w: Tensor, stride: (Int, Int), padding: (Int, Int), dilation: (Int, Int)) -> Double {
        guard x.rank == 4, w.rank == 4, stride.0 > 0, stride.1 > 0 else { return 0 }
        let geo = ConvGeometry(channels: w.shape[1], height: x.shape[2], width: x.shape[3], kh: w.shape[2], kw: w.shape[3],
                               sh: stride.0, sw: stride.1, ph: padding.0, pw: padding.1, dh: dilation.0, dw: dilation.1)
        return 2 * Double(x.shape[0]) * Double(Swift.max(0, geo.outH) * Swift.max(0, geo.outW)) * Double(w.count)
    }

    private static func conv2dBody(_ x: Tensor, weight: Tensor, bias: Tensor?, stride: (Int, Int),
                                   padding: (Int, Int), dilation: (Int, Int), groups: Int) throws -> Tensor {
        guard x.rank == 4, weight.rank == 4 else {
            throw TensorError.shapeMismatch(op: "conv2d", "expected 4-D input and weight, got \(x.shape) and \(weight.shape)")
        }
        let (n, cin, h, w) = (x.shape[0], x.shape[1], x.shape[2], x.shape[3])
        let (cout, cg, kh, kw) = (weight.shape[0], weight.shape[1], weight.shape[2], weight.shape[3])
        guard cin % groups == 0, cout % groups == 0, cg == cin / groups else {
            throw TensorError.shapeMismatch(op: "conv2d", "input channels \(cin) with groups \(groups) do not fit weight \(weight.shape)")
        }
        let geo = ConvGeometry(channels: cg, height: h, width: w, kh: kh, kw: kw, sh: stride.0, sw: stride.1,
                               ph: padding.0, pw: padding.1, dh: dilation.0, dw: dilation.1)
        let (oh, ow) = (geo.outH, geo.outW)
        guard oh > 0, ow > 0 else {
            throw TensorError.shapeMismatch(op: "conv2d", "input \(x.shape) is smaller than the kernel \(kh)x\(kw) after padding")
        }
        let out = Tensor(uninitialized: [n, cout, oh, ow])
        let coutG = cout / groups
        let dnnl = groups == 1 && Runtime.useDNNL && (DNNLRowTiles.applies(height: h, kh: kh, kw: kw, outW: ow)
            ? DNNLRowTiles.run(x.pointer, weight.pointer, bias?.pointer, out.pointer, batch: n, cin: cin, width: w, cout: cout,
                               kw: kw, stride: stride.1, padding: padding.1, dilation: dilation.1, outW: ow)
            : foley_dnnl_conv2d(x.pointer, weight.pointer, bias?.pointer, out.pointer, n, cin, h, w, cout, kh, kw,
                                stride.0, stride.1, padding.0, padding.1, dilation.0, dilation.1, Int32(Runtime.threadCount)) == 0)
        if !dnnl {
            forwardTiles(x.pointer, weight.pointer, bias?.pointer, out.pointer, geo: geo, batch: n, groups: groups,
                         inPlane: h * w, coutG: coutG)
        }
        return out.recording(bias.map { [x, weight, $0] } ?? [x, weight]) { g in
            let gx = x.requiresGrad ? Tensor.zeros(x.shape) : nil
            let gw = weight.requiresGrad ? Tensor.zeros(weight.shape) : nil
            backwardImages(x.pointer, weight.pointer, g.pointer, gx?.pointer, gw?.pointer, geo: geo, batch: n,
                           groups: groups, inPlane: h * w, coutG: coutG)
            var res: [Tensor?] = [gx, gw]
            if let bias { res.append(bias.requiresGrad ? try g.sum(axes: [0, 2, 3]) : nil) }
            return res
        }
    }

    /// The backward products one image (and group) per task on the workers: each task unfolds its own
    /// patches, writes its own slice of dx, and its weight gradient into its own partial, and the partials are
    /// then summed in image order, so the result does not depend on the thread count.
    static func backwardImages(_ x: UnsafePointer<Float>, _ weight: UnsafePointer<Float>, _ g: UnsafePointer<Float>,
                               _ gx: UnsafeMutablePointer<Float>?, _ gw: UnsafeMutablePointer<Float>?, geo: ConvGeometry,
                               batch n: Int, groups: Int, inPlane: Int, coutG: Int) {
        let plane = geo.outH * geo.outW, k = geo.colRows, cg = geo.channels, cout = coutG * groups
        let slice = coutG * k
        let tasks = n * groups
        // Partials for at most 64 M floats at a time (256 MB); past that, the tasks go in chunks.
        let chunk = Swift.max(1, Swift.min(tasks, (1 << 26) / Swift.max(slice, 1)))
        let partials = gw != nil ? Tensor(uninitialized: [chunk * slice]) : nil
        for t0 in stride(from: 0, to: tasks, by: chunk) {
            let count = Swift.min(chunk, tasks - t0)
            Runtime.parallelFor(count) { i in
                let task = t0 + i
                let b = task / groups, gi = task % groups
                let src = x + (b * groups + gi) * cg * inPlane
                let go = g + (b * cout + gi * coutG) * plane
                let w = weight + gi * slice
                let col = geo.isIdentity ? nil : Tensor(uninitialized: [k * plane])
                if let partials {
                    let cols: UnsafePointer<Float>
                    if let col { Im2col.unfold(src, geo, col.pointer); cols = UnsafePointer(col.pointer) } else { cols = src }
                    sgemm(go, cols, partials.pointer + i * slice, m: coutG, n: k, k: plane, transB: true)
                }
                if let gx {
                    let dxp = gx + (b * groups + gi) * cg * inPlane
                    if let col {
                        sgemm(w, go, col.pointer, m: k, n: plane, k: coutG, transA: true)
                        Im2col.fold(col.pointer, geo, dxp)
                    } else {
                        sgemm(w, go, dxp, m: k, n: plane, k: coutG, transA: true, beta: 1)
                    }
                }
            }
            if let gw, let partials {
                for i in 0..<count {
                    let dst = gw + ((t0 + i) % groups) * slice, src = partials.pointer + i * slice
                    Runtime.parallelRanges(slice, minChunk: 1 << 15) { lo, hi in
                        foley_binary(0, dst + lo, 1, src + lo, 1, dst + lo, hi - lo)
                    }
                }
            }
        }
    }

    /// 1-D convolution of x [N, Cin, L] with weight [Cout, Cin/groups, k].
    public static func conv1d(_ x: Tensor, weight: Tensor, bias: Tensor? = nil, stride: Int = 1, padding: Int = 0,
                              dilation: Int = 1, groups: Int = 1) throws -> Tensor {
        guard x.rank == 3, weight.rank == 3 else {
            throw TensorError.shapeMismatch(op: "conv1d", "expected 3-D input and weight, got \(x.shape) and \(weight.shape)")
        }
        let y = try conv2d(x.unsqueeze(2), weight: weight.unsqueeze(2), bias: bias, stride: (1, stride),
                           padding: (0, padding), dilation: (1, dilation), groups: groups)
        return try y.squeeze(2)
    }

    /// The forward product in tiles of output columns: each tile's unfolded patches (at most ~512 KB) stay
    /// in cache for the product that reads them, and tiles run on the workers side by side, so no
    /// large column matrix is written to memory and read back. Fewer tiles than workers: the tiles run in
    /// turn and each product is split across the workers instead.
    static func forwardTiles(_ x: UnsafePointer<Float>, _ weight: UnsafePointer<Float>, _ bias: UnsafePointer<Float>?,
                             _ out: UnsafeMutablePointer<Float>, geo: ConvGeometry, batch n: Int, groups: Int,
                             inPlane: Int, coutG: Int) {
        let plane = geo.outH * geo.outW, k = geo.colRows, cg = geo.channels
        // Whole images while their column matrix fits in L2 (2 MB), else tiles of about 512 KB.
        let tileWidth = geo.isIdentity || k * plane <= 1 << 19 ? plane
            : Swift.min(plane, Swift.max(64, (131_072 / Swift.max(k, 1)) / 16 * 16))
        let tilesPerImage = (plane + tileWidth - 1) / tileWidth
        let tasks = n * groups * tilesPerImage
        let run = { (task: Int) in
            let image = task / tilesPerImage, t = task % tilesPerImage
            let b = image / groups, gi = image % groups
            let c0 = t * tileWidth, cw = Swift.min(tileWidth, plane - c0)
            let src = x + (b * groups + gi) * cg * inPlane
            let dst = out + (b * groups * coutG + gi * coutG) * plane + c0
            if let bias {
                for o in 0..<coutG { (dst + o * plane).update(repeating: bias[gi * coutG + o], count: cw) }
            }
            let w = weight + gi * coutG * k
            if geo.isIdentity {
                sgemm(w, src + c0, dst, m: coutG, n: cw, k: k, beta: bias == nil ? 0 : 1, ldb: plane, ldc: plane)
            } else {
                let col = Tensor(uninitialized: [k * cw])
                Im2col.unfoldTile(src, geo, c0, cw, col.pointer)
                sgemm(w, col.pointer, dst, m: coutG, n: cw, k: k, beta: bias == nil ? 0 : 1, ldc: plane)
            }
        }
        if tasks >= Runtime.threadCount { Runtime.parallelFor(tasks, run) } else { for t in 0..<tasks { run(t) } }
    }

    /// Transposed 2-D convolution of x [N, Cin, H, W] with weight [Cin, Cout/groups, kh, kw] (conv_transpose2d).
    public static func convTranspose2d(_ x: Tensor, weight: Tensor, bias: Tensor? = nil, stride: (Int, Int) = (1, 1),
                                       padding: (Int, Int) = (0, 0), outputPadding: (Int, Int) = (0, 0),
                                       dilation: (Int, Int) = (1, 1), groups: Int = 1) throws -> Tensor {
        try Profiler.op("conv_transpose2d", flops: x.rank == 4 ? 2 * Double(x.count) * Double(weight.count / Swift.max(1, x.shape[1])) : 0) {
            try convTranspose2dBody(x, weight: weight, bias: bias, stride: stride, padding: padding,
                                    outputPadding: outputPadding, dilation: dilation, groups: groups)
        }
    }

    private static func convTranspose2dBody(_ x: Tensor, weight: Tensor, bias: Tensor?, stride: (Int, Int), padding: (Int, Int),
                                            outputPadding: (Int, Int), dilation: (Int, Int), groups: Int) throws -> Tensor {
        guard x.rank == 4, weight.rank == 4, x.shape[1] == weight.shape[0], x.shape[1] % groups == 0 else {
            throw TensorError.shapeMismatch(op: "conv_transpose2d", "input \(x.shape) does not fit weight \(weight.shape) with groups \(groups)")
        }
        let (n, cin, h, w) = (x.shape[0], x.shape[1], x.shape[2], x.shape[3])
        let (coutG, kh, kw) = (weight.shape[1], weight.shape[2], weight.shape[3])
        let cinG = cin / groups, cout = coutG * groups
        let oh = (h - 1) * stride.0 - 2 * padding.0 + dilation.0 * (kh - 1) + outputPadding.0 + 1
        let ow = (w - 1) * stride.1 - 2 * padding.1 + dilation.1 * (kw - 1) + outputPadding.1 + 1
        // The output plays the role of a convolution's input whose unfolded columns have x's plane size.
        var geo = ConvGeometry(channels: coutG, height: oh, width: ow, kh: kh, kw: kw, sh: stride.0, sw: stride.1,
                               ph: padding.0, pw: padding.1, dh: dilation.0, dw: dilation.1)
        geo.height = oh
        let plane = h * w, k = geo.colRows
        guard geo.outH == h, geo.outW == w else {
            throw TensorError.invalidArgument(op: "conv_transpose2d", "output padding \(outputPadding) is inconsistent with stride \(stride)")
        }
        let out = Tensor.zeros([n, cout, oh, ow])
        let col = Tensor(uninitialized: [k, plane])
        for b in 0..<n {
            for gi in 0..<groups {
                sgemm(weight.pointer + gi * cinG * k, x.pointer + (b * cin + gi * cinG) * plane, col.pointer,
                      m: k, n: plane, k: cinG, transA: true)
                Im2col.fold(col.pointer, geo, out.pointer + (b * cout + gi * coutG) * oh * ow)
            }
            if let bias {
                for c in 0..<cout {
                    let p = out.pointer + (b * cout + c) * oh * ow, v = bias.pointer[c]
                    for j in 0..<(oh * ow) { p[j] += v }
                }
            }
        }
        return out.recording(bias.map { [x, weight, $0] } ?? [x, weight]) { g in
            let gx = x.requiresGrad ? Tensor(uninitialized: x.shape) : nil
            let gw = weight.requiresGrad ? Tensor.zeros(weight.shape) : nil
            let col = Tensor(uninitialized: [k, plane])
            for b in 0..<n {
                for gi in 0..<groups {
                    Im2col.unfold(g.pointer + (b * cout + gi * coutG) * oh * ow, geo, col.pointer)
                    let xp = x.pointer + (b * cin + gi * cinG) * plane
                    if let gx {
                        sgemm(weight.pointer + gi * cinG * k, col.pointer, gx.pointer + (b * cin + gi * cinG) * plane,
                              m: cinG, n: plane, k: k)
                    }
                    if let gw {
                        sgemm(xp, col.pointer, gw.pointer + gi * cinG * k, m: cinG, n: k, k: plane, transB: true, beta: 1)
                    }
                }
            }
            var res: [Tensor?] = [gx, gw]
            if let bias { res.append(bias.requiresGrad ? try g.sum(axes: [0, 2, 3]) : nil) }
            return res
        }
    }

    /// Transposed 1-D convolution of x [N, Cin, L] with weight [Cin, Cout/groups, k].
    public static func convTranspose1d(_ x: Tensor, weight: Tensor, bias: Tensor? = nil, stride: Int = 1, padding: Int = 0,
                                       outputPadding: Int = 0, dilation: Int = 1, groups: Int = 1) throws -> Tensor {
        let y = try convTranspose2d(x.unsqueeze(2), weight: weight.unsqueeze(2), bias: bias, stride: (1, stride),
                                    padding: (0, padding), outputPadding: (0, outputPadding), dilation: (1, dilation), groups: groups)
        return try y.squeeze(2)
    }
}
