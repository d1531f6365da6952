/// A line chart of a series as an RGB picture (what `foley.plot.line` writes): an axes box, grey quarter lines,
/// a zero line when the range crosses zero, and the polyline, broken at non-finite values.
public enum LineChart {
    static let margin = 12

    /// A line chart of `values`: axes box, a zero line when the range crosses zero, the polyline.
    public static func render(_ values: [Float], width: Int, height: Int) -> RGBImage {
        var img = RGBImage(width: width, height: height)
        let x0 = margin, y0 = margin, w = width - 2 * margin, h = height - 2 * margin
        let finite = values.filter { $0.isFinite }
        var lo = Double(finite.min() ?? 0), hi = Double(finite.max() ?? 1)
        if hi - lo < 1e-12 { lo -= 0.5; hi += 0.5 }
        func py(_ v: Double) -> Int { y0 + h - 1 - Int(((v - lo) / (hi - lo) * Double(h - 1)).rounded()) }
        func px(_ i: Int) -> Int { x0 + (values.count <= 1 ? w / 2 : Int((Double(i) / Double(values.count - 1) * Double(w - 1)).rounded())) }
        let grey: (UInt8, UInt8, UInt8) = (200, 200, 200), ink: (UInt8, UInt8, UInt8) = (32, 32, 32)
        let line: (UInt8, UInt8, UInt8) = (31, 119, 180)
        for y in 0..<4 { let yy = y0 + y * (h - 1) / 3; for x in x0..<(x0 + w) { img.set(x, yy, grey) } }
        if lo < 0 && hi > 0 { let z = py(0); for x in x0..<(x0 + w) { img.set(x, z, (150, 150, 150)) } }
        for x in x0..<(x0 + w) { img.set(x, y0, ink); img.set(x, y0 + h - 1, ink) }
        for y in y0..<(y0 + h) { img.set(x0, y, ink); img.set(x0 + w - 1, y, ink) }
        var prev: (Int, Int)?
        for (i, v) in values.enumerated() {
            guard v.isFinite else { prev = nil; continue }
            let p = (px(i), py(Double(v)))
            if let q = prev { drawLine(&img, q, p, line) } else { img.set(p.0, p.1, line) }
            prev = p
        }
        return img
    }

    static func drawLine(_ img: inout RGBImage, _ a: (Int, Int), _ b: (Int, Int), _ c: (UInt8, UInt8, UInt8)) {
        let n = max(abs(b.0 - a.0), abs(b.1 - a.1), 1)
        for k in 0...n {
            let x = a.0 + (b.0 - a.0) * k / n, y = a.1 + (b.1 - a.1) * k / n
            img.set(x, y, c)
            if y + 1 < img.height { img.set(x, y + 1, c) }
        }
    }
}
