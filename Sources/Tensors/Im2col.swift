import Foundation

/// The geometry of one 2-D convolution: input plane, kernel, stride, padding, dilation, output plane.
public struct ConvGeometry {
    public var channels, height, width: Int
    public var kh, kw, sh, sw, ph, pw, dh, dw: Int
    public var outH: Int { (height + 2 * ph - dh * (kh - 1) - 1) / sh + 1 }
    public var outW: Int { (width + 2 * pw - dw * (kw - 1) - 1) / sw + 1 }
    public var colRows: Int { channels * kh * kw }
    /// True when the column matrix is the input itself (1x1, stride 1, no padding).
    var isIdentity: Bool { kh == 1 && kw == 1 && sh == 1 && sw == 1 && ph == 0 && pw == 0 }
}

/// Unfolds input patches into columns so a convolution becomes one sgemm (and its adjoint folds back).
enum Im2col {
    /// dst[(c,ki,kj), (oh,ow)] = src[c, oh*sh - ph + ki*dh, ow*sw - pw + kj*dw] (0 outside).
    static func unfold(_ src: UnsafePointer<Float>, _ g: ConvGeometry, _ dst: UnsafeMutablePointer<Float>) {
        let oh = g.outH, ow = g.outW, plane = oh * ow
        Runtime.parallelFor(g.colRows, minChunk: 4) { r in
            let c = r / (g.kh * g.kw), ki = (r / g.kw) % g.kh, kj = r % g.kw
            let s = src + c * g.height * g.width
            let d = dst + r * plane
            let x0 = kj * g.dw - g.pw
            for y in 0..<oh {
                let iy = y * g.sh - g.ph + ki * g.dh
                let row = d + y * ow
                if iy < 0 || iy >= g.height { row.update(repeating: 0, count: ow); continue }
                let sr = s + iy * g.width
                if g.sw == 1 {
                    // Contiguous run: zero the edges, copy the middle.
                    let lo = Swift.max(0, -x0), hi = Swift.min(ow, g.width - x0)
                    if hi <= lo { row.update(repeating: 0, count: ow); continue }
                    if lo > 0 { row.update(repeating: 0, count: lo) }
                    (row + lo).update(from: sr + x0 + lo, count: hi - lo)
                    if hi < ow { (row + hi).update(repeating: 0, count: ow - hi) }
                } else {
                    for x in 0..<ow {
                        let ix = x * g.sw + x0
                        row[x] = ix >= 0 && ix < g.width ? sr[ix] : 0
                    }
                }
            }
        }
    }

    /// Adjoint of `unfold`: adds columns back into dst (which the caller zeroes or accumulates into).
    static func fold(_ col: UnsafePointer<Float>, _ g: ConvGeometry, _ dst: UnsafeMutablePointer<Float>) {
        let oh = g.outH, ow = g.outW, plane = oh * ow, kk = g.kh * g.kw
        // Parallel over channels: each channel's rows only touch that channel's plane.
        Runtime.parallelFor(g.channels) { c in
            let d = dst + c * g.height * g.width
            for k in 0..<kk {
                let ki = k / g.kw, kj = k % g.kw
                let s = col + (c * kk + k) * plane
                let x0 = kj * g.dw - g.pw
                for y in 0..<oh {
                    let iy = y * g.sh - g.ph + ki * g.dh
                    if iy < 0 || iy >= g.height { continue }
                    let dr = d + iy * g.width, sr = s + y * ow
                    for x in 0..<ow {
                        let ix = x * g.sw + x0
                        if ix >= 0 && ix < g.width { dr[ix] += sr[x] }
                    }
                }
            }
        }
    }
}
