import CDNNLConv
import Foundation

/// Long one-row convolutions (Conv1d at audio rate) through oneDNN a fixed width of output columns at a time.
///
/// oneDNN's direct kernels keep per-primitive tables that grow with the output width: a dilated width-7 kernel
/// (Oobleck's dilation 9) over 442,368 samples takes about 1.9 GB to create, and primitives are cached by shape,
/// so a 10-s Stable Audio decode held several GB of them. Each tile is an unpadded convolution of a zero-padded
/// copy of the input columns it reads; every tile but the last has one shape and so one small cached primitive.
/// Each output column sums the same products as the whole-row call, so the result differs at most by rounding.
enum DNNLRowTiles {
    /// Output columns per tile: large enough that each call keeps both threads busy, small enough that its
    /// primitive stays under ~100 MB.
    static let columns = 16_384

    /// Whether a convolution is one row long enough to tile (x [N, Cin, 1, W] with a 1-row kernel). Pointwise
    /// kernels keep no such tables, and for them the tiles' copies cost a third more time (W7: 2.0 s -> 2.8 s).
    static func applies(height: Int, kh: Int, kw: Int, outW: Int) -> Bool { height == 1 && kh == 1 && kw > 1 && outW > columns }

    /// out[b, :, 0, c0 ..< c0 + cw] tile by tile; false as soon as oneDNN refuses a tile (the caller then runs
    /// the whole convolution its own way, overwriting anything written here).
    static func run(_ x: UnsafePointer<Float>, _ weight: UnsafePointer<Float>, _ bias: UnsafePointer<Float>?,
                    _ out: UnsafeMutablePointer<Float>, batch n: Int, cin: Int, width w: Int, cout: Int, kw: Int,
                    stride sw: Int, padding pw: Int, dilation dw: Int, outW ow: Int) -> Bool {
        let reach = dw * (kw - 1) + 1
        let input = Tensor(uninitialized: [cin * ((columns - 1) * sw + reach)])
        let output = Tensor(uninitialized: [cout * columns])
        for b in 0..<n {
            let src = x + b * cin * w, dst = out + b * cout * ow
            for c0 in stride(from: 0, to: ow, by: columns) {
                let cw = min(columns, ow - c0)
                let inW = (cw - 1) * sw + reach
                let first = c0 * sw - pw
                // The columns this tile reads, zero outside the input (the padding the whole-row call adds).
                let lo = max(0, -first), hi = min(inW, w - first)
                Runtime.parallelFor(cin, minChunk: 8) { c in
                    let row = input.pointer + c * inW
                    if lo > 0 { row.update(repeating: 0, count: min(lo, inW)) }
                    if hi > lo { row.advanced(by: lo).update(from: src + c * w + first + lo, count: hi - lo) }
                    if hi < inW { row.advanced(by: max(hi, 0)).update(repeating: 0, count: inW - max(hi, 0)) }
                }
                guard foley_dnnl_conv2d(input.pointer, weight, bias, output.pointer, 1, cin, 1, inW, cout, 1, kw,
                                        1, sw, 0, 0, 1, dw, Int32(Runtime.threadCount)) == 0 else { return false }
                Runtime.parallelFor(cout, minChunk: 8) { c in
                    (dst + c * ow + c0).update(from: output.pointer + c * cw, count: cw)
                }
            }
        }
        return true
    }
}
