import Foundation

// Resampling of feature maps: nearest upsampling and pooling over the last two dims.
extension Tensor {
    /// Nearest-neighbour upsampling of [N, C, H, W] by integer factors (F.interpolate mode="nearest").
    public func upsampleNearest2d(scale: (Int, Int) = (2, 2)) throws -> Tensor {
        guard rank == 4 else { throw TensorError.shapeMismatch(op: "upsample_nearest2d", "expected [N, C, H, W], got \(shape)") }
        let (n, c, h, w) = (shape[0], shape[1], shape[2], shape[3])
        let (fh, fw) = scale
        let oh = h * fh, ow = w * fw
        let out = Tensor(uninitialized: [n, c, oh, ow])
        let src = pointer, dst = out.pointer
        Profiler.op("upsample_nearest2d", bytes: Double(4 * (count + out.count))) { Runtime.parallelFor(n * c) { p in
            let s = src + p * h * w, d = dst + p * oh * ow
            for y in 0..<h {
                let row = d + y * fh * ow
                for x in 0..<w {
                    let v = s[y * w + x]
                    for k in 0..<fw { row[x * fw + k] = v }
                }
                for r in 1..<Swift.max(fh, 1) { (row + r * ow).update(from: row, count: ow) }
            }
        } }
        return out.recording([self]) { g in
            [try g.reshape([n, c, h, fh, w, fw]).sum(axes: [3, 5])]
        }
    }

    /// Average pooling over [N, C, H, W] with kernel = stride, no padding (F.avg_pool2d).
    public func avgPool2d(kernel: (Int, Int), stride: (Int, Int)? = nil) throws -> Tensor {
        try pool2d(kernel: kernel, stride: stride ?? kernel, isMax: false)
    }

    /// Max pooling over [N, C, H, W], no padding (F.max_pool2d).
    public func maxPool2d(kernel: (Int, Int), stride: (Int, Int)? = nil) throws -> Tensor {
        try pool2d(kernel: kernel, stride: stride ?? kernel, isMax: true)
    }

    func pool2d(kernel: (Int, Int), stride: (Int, Int), isMax: Bool) throws -> Tensor {
        guard rank == 4 else { throw TensorError.shapeMismatch(op: isMax ? "max_pool2d" : "avg_pool2d", "expected [N, C, H, W], got \(shape)") }
        let (n, c, h, w) = (shape[0], shape[1], shape[2], shape[3])
        let oh = (h - kernel.0) / stride.0 + 1, ow = (w - kernel.1) / stride.1 + 1
        guard oh > 0, ow > 0 else {
            throw TensorError.shapeMismatch(op: "pool2d", "input \(shape) smaller than kernel \(kernel)")
        }
        let out = Tensor(uninitialized: [n, c, oh, ow])
        var argmax = [Int](repeating: 0, count: isMax ? out.count : 0)
        let inv = 1 / Float(kernel.0 * kernel.1)
        for p in 0..<(n * c) {
            let s = pointer + p * h * w
            for y in 0..<oh {
                for x in 0..<ow {
                    var best = -Float.infinity, bi = 0, acc: Float = 0
                    for i in 0..<kernel.0 {
                        for j in 0..<kernel.1 {
                            let idx = (y * stride.0 + i) * w + x * stride.1 + j
                            acc += s[idx]
                            if s[idx] > best { best = s[idx]; bi = idx }
                        }
                    }
                    let o = (p * oh + y) * ow + x
                    out.pointer[o] = isMax ? best : acc * inv
                    if isMax { argmax[o] = p * h * w + bi }
                }
            }
        }
        let inShape = shape
        return out.recording([self]) { g in
            let gi = Tensor.zeros(inShape)
            if isMax {
                for o in 0..<g.count { gi.pointer[argmax[o]] += g.pointer[o] }
            } else {
                for p in 0..<(n * c) {
                    for y in 0..<oh {
                        for x in 0..<ow {
                            let v = g.pointer[(p * oh + y) * ow + x] * inv
                            for i in 0..<kernel.0 {
                                for j in 0..<kernel.1 { gi.pointer[p * h * w + (y * stride.0 + i) * w + x * stride.1 + j] += v }
                            }
                        }
                    }
                }
            }
            return [gi]
        }
    }
}
