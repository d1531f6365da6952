import Audio
import Foundation
import Tensors

// Lua bindings of plotting: `foley.plot.line` (a 1-D tensor as a PNG line chart) and
// `foley.plot.spectrogram` (an Audio clip or a log-mel tensor as a spectrogram picture). Both
// attach their picture to the REPL notebook.

public enum PlotBindings {
    static let margin = 12

    /// A line chart of `values`: axes box, a zero line when the range crosses zero, the polyline.
    static func lineChart(_ values: [Float], width: Int, height: Int) -> RGBImage {
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

    public static func register(_ lua: LuaState) {
        lua.register(library: "plot", help: "foley.plot: PNG pictures of tensors and audio.", [
            LuaFunction("line", """
            line(tensor, path[, {width = 640, height = 240}])
            Draws a 1-D tensor (or a Lua table of numbers) as a PNG line chart; the notebook shows it.
            """) { lua in
                let values: [Float]
                if let t = lua.toObject(1, as: Tensor.self) {
                    guard t.rank == 1 else { throw lua.argError(1, "1-D tensor expected, got shape \(t.shape)") }
                    values = t.scalars
                } else if lua.isTable(1) {
                    values = try TensorBindings.fromLua(lua, 1).scalars
                } else {
                    throw lua.typeError(1, "Tensor")
                }
                guard !values.isEmpty else { throw lua.argError(1, "empty tensor") }
                let path = try lua.string(2)
                let width = try lua.option(3, "width") { try lua.integer($0) } ?? 640
                let height = try lua.option(3, "height") { try lua.integer($0) } ?? 240
                guard (64...8192).contains(width), (48...8192).contains(height) else {
                    throw lua.argError(3, "width and height expected in 64...8192 and 48...8192, got \(width)x\(height)")
                }
                try lineChart(values, width: width, height: height).writePNG(to: path)
                AudioBindings.attachPNG(path)
                return 0
            },
            LuaFunction("spectrogram", """
            spectrogram(audio_or_mel, path[, {rate = 16000, hop = 160, fmax = 8000}])
            Draws an Audio clip's log-mel, or a log-mel tensor [frames, mels] (rate and hop label its time
            axis, fmax its slaney mel axis; fmax = 0 leaves bins unlabelled), as a PNG; the notebook shows it.
            """) { lua in
                let path = try lua.string(2)
                if let clip = lua.toObject(1, as: AudioClip.self) {
                    try AudioBindings.writeSpectrogram(clip, to: path)
                    return 0
                }
                guard let m = lua.toObject(1, as: Tensor.self) else { throw lua.typeError(1, "Audio or Tensor") }
                let mel = m.rank == 3 && m.shape[0] == 1 ? try m.squeeze(0) : m
                guard mel.rank == 2 else { throw lua.argError(1, "mel tensor [frames, mels] expected, got shape \(m.shape)") }
                let rate = try lua.option(3, "rate") { try lua.integer($0) } ?? 16000
                let hop = try lua.option(3, "hop") { try lua.integer($0) } ?? 160
                guard rate > 0, hop > 0 else { throw lua.argError(3, "positive rate and hop expected") }
                let fmax = try lua.option(3, "fmax") { try lua.number($0) } ?? 8000
                let axis: SpectrogramImage.FrequencyAxis = fmax > 0 ? .mel(fMin: 0, fMax: fmax, scale: .slaney) : .bins
                let img = SpectrogramImage(frequencyAxis: axis, secondsPerFrame: Double(hop) / Double(rate))
                try img.write(try Spectrogram(frames: mel.shape[0], bins: mel.shape[1], values: mel.scalars), to: path)
                AudioBindings.attachPNG(path)
                return 0
            },
        ])
    }
}
