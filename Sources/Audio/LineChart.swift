import Foundation

/// A line chart of a series as an RGB picture (what `foley.plot.line` writes): an axes box with ticks at round values
/// (1-2-5 steps) labelled on both axes, grey grid lines at the value ticks, a zero line when the range crosses zero,
/// optional axis labels, and the polyline, broken at non-finite values.
public enum LineChart {
    static let margin = 12
    static let ink: (UInt8, UInt8, UInt8) = (32, 32, 32)

    /// A line chart of `values` (x is the index, 0-based, as torch and numpy plot a bare series), `xlabel` under the
    /// x axis and `ylabel` above the y axis. A picture too small for ticks and labels gets the bare box.
    public static func render(_ values: [Float], width: Int, height: Int, xlabel: String? = nil, ylabel: String? = nil) -> RGBImage {
        var img = RGBImage(width: width, height: height)
        let finite = values.filter { $0.isFinite }
        var lo = Double(finite.min() ?? 0), hi = Double(finite.max() ?? 1)
        if hi - lo < 1e-12 { lo -= 0.5; hi += 0.5 }
        let yStep = SpectrogramImage.niceStep(minimum: (hi - lo) / 5)
        let yTicks = stride(from: (lo / yStep).rounded(.up) * yStep, through: hi + yStep * 1e-9, by: yStep).map { $0 }
        let yDecimals = max(0, Int((-log10(yStep)).rounded(.up)))
        let yLabels = yTicks.map { label($0, decimals: yDecimals) }
        let fontH = BitmapFont.height
        // Room for the labels: value labels left of the box, index labels and xlabel below it, ylabel above it.
        var left = margin + (yLabels.map(BitmapFont.measure).max() ?? 0) + 5
        var top = margin + (ylabel == nil ? 0 : fontH + 4)
        var bottom = margin + fontH + 6 + (xlabel == nil ? 0 : fontH + 4)
        var axes = true
        if width - left - margin < 16 || height - top - bottom < 16 {
            (left, top, bottom, axes) = (margin, margin, margin, false)
        }
        let x0 = left, y0 = top, w = width - left - margin, h = height - top - bottom
        func py(_ v: Double) -> Int { y0 + h - 1 - Int(((v - lo) / (hi - lo) * Double(h - 1)).rounded()) }
        func px(_ i: Double) -> Int { x0 + (values.count <= 1 ? w / 2 : Int((i / Double(values.count - 1) * Double(w - 1)).rounded())) }
        let grey: (UInt8, UInt8, UInt8) = (200, 200, 200)
        let line: (UInt8, UInt8, UInt8) = (31, 119, 180)
        if axes {
            for (v, text) in zip(yTicks, yLabels) {
                let y = py(v)
                for x in x0..<(x0 + w) { img.set(x, y, grey) }
                for d in 1...3 { img.set(x0 - d, y, ink) }
                draw(&img, text, x: x0 - 5 - BitmapFont.measure(text), y: y - fontH / 2)
            }
            let n = max(values.count - 1, 1)
            let xStep = max(1, SpectrogramImage.niceStep(minimum: Double(n) / 6))
            var lastEnd = Int.min
            for i in stride(from: 0.0, through: Double(n) + 1e-9, by: xStep) {
                let x = px(i)
                for d in 0..<3 { img.set(x, y0 + h + d, ink) }
                let text = label(i, decimals: 0)
                let lx = x - BitmapFont.measure(text) / 2
                if lx > lastEnd + 3 {
                    draw(&img, text, x: lx, y: y0 + h + 5)
                    lastEnd = lx + BitmapFont.measure(text)
                }
            }
            if let xlabel { draw(&img, xlabel, x: x0 + (w - BitmapFont.measure(xlabel)) / 2, y: y0 + h + 5 + fontH + 4) }
            if let ylabel { draw(&img, ylabel, x: max(0, x0 - 5 - BitmapFont.measure(ylabel) / 2), y: margin) }
        } else {
            for y in 0..<4 { let yy = y0 + y * (h - 1) / 3; for x in x0..<(x0 + w) { img.set(x, yy, grey) } }
        }
        if lo < 0 && hi > 0 { let z = py(0); for x in x0..<(x0 + w) { img.set(x, z, (150, 150, 150)) } }
        for x in x0..<(x0 + w) { img.set(x, y0, ink); img.set(x, y0 + h - 1, ink) }
        for y in y0..<(y0 + h) { img.set(x0, y, ink); img.set(x0 + w - 1, y, ink) }
        var prev: (Int, Int)?
        for (i, v) in values.enumerated() {
            guard v.isFinite else { prev = nil; continue }
            let p = (px(Double(i)), py(Double(v)))
            if let q = prev { drawLine(&img, q, p, line) } else { img.set(p.0, p.1, line) }
            prev = p
        }
        return img
    }

    /// "0.5", "-2", "1000": fixed decimals from the tick step, no "-0".
    static func label(_ v: Double, decimals: Int) -> String {
        let s = String(format: "%.\(decimals)f", v)
        return Double(s) == 0 ? String(format: "%.\(decimals)f", 0.0) : s
    }

    static func draw(_ img: inout RGBImage, _ text: String, x: Int, y: Int) {
        BitmapFont.draw(text, x: x, y: y) { img.set($0, $1, ink) }
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
