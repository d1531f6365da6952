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
        let plane = g.outH * g.outW
        Runtime.parallelFor(g.colRows, minChunk: 4) { r in unfoldRow(src, g, r, 0, plane, dst + r * plane) }
    }

    /// Columns `c0 ..< c0 + cw` of `unfold` (output positions in row-major order) into dst [colRows, cw]:
    /// a tile small enough to stay in cache while the product that reads it runs. Serial.
    static func unfoldTile(_ src: UnsafePointer<Float>, _ g: ConvGeometry, _ c0: Int, _ cw: Int, _ dst: UnsafeMutablePointer<Float>) {
        for r in 0..<g.colRows { unfoldRow(src, g, r, c0, cw, dst + r * cw) }
    }

    /// Row `r` (one channel and kernel offset) of the column matrix, columns `c0 ..< c0 + cw`, into `d`.
    @inline(__always)
    static func unfoldRow(_ src: UnsafePointer<Float>, _ g: ConvGeometry, _ r: Int, _ c0: Int, _ cw: Int,
                          _ d: UnsafeMutablePointer<Float>) {
        let ow = g.outW, kk = g.kh * g.kw
        let c = r / kk, ki = (r / g.kw) % g.kh, kj = r % g.kw
        let s = src + c * g.height * g.width
        let x0 = kj * g.dw - g.pw
        var d = d
        var p = c0
        let end = c0 + cw
        while p < end {
            let y = p / ow, xStart = p % ow
            let n = Swift.min(ow, xStart + (end - p)) - xStart
            let iy = y * g.sh - g.ph + ki * g.dh
            if iy < 0 || iy >= g.height {
                d.update(repeating: 0, count: n)
            } else if g.sw == 1 {
                let sr = s + iy * g.width
                // Contiguous run: zero the edges, copy the middle.
                let lo = Swift.min(n, Swift.max(0, -x0 - xStart)), hi = Swift.max(lo, Swift.min(n, g.width - x0 - xStart))
                if lo > 0 { d.update(repeating: 0, count: lo) }
                if hi > lo { (d + lo).update(from: sr + x0 + xStart + lo, count: hi - lo) }
                if hi < n { (d + hi).update(repeating: 0, count: n - hi) }
            } else {
                let sr = s + iy * g.width
                for x in 0..<n {
                    let ix = (xStart + x) * g.sw + x0
                    d[x] = ix >= 0 && ix < g.width ? sr[ix] : 0
                }
            }
            d += n
            p += n
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
