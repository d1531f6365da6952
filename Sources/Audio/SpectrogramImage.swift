import Foundation

/// Renders a spectrogram as a colour-mapped PNG with labelled time and frequency axes and an
/// optional waveform strip above; low frequencies at the bottom.
public struct SpectrogramImage: Sendable {
    /// What the bins of the spectrogram are, so frequency ticks land on the right rows.
    public enum FrequencyAxis: Sendable {
        /// Linear STFT bins from 0 Hz (first bin) to `maxHz` (last bin, Nyquist).
        case linear(maxHz: Double)
        /// Mel bands as `MelFilterbank` builds them (band i centred at mel point i + 1 of nMels + 2).
        case mel(fMin: Double, fMax: Double, scale: MelScale)
        /// Unlabelled bins.
        case bins
    }

    /// How values become colours.
    public enum ValueScale: Sendable {
        /// Already logarithmic (log-mel, dB): coloured as given.
        case asIs
        /// Linear magnitudes: shown as 20 log10(max(x, 1e-10)) dB.
        case decibels
    }

    public var frequencyAxis: FrequencyAxis
    /// Time between frame centres (hop / sample rate).
    public var secondsPerFrame: Double
    public var colormap: Colormap = .viridis
    public var valueScale: ValueScale = .asIs
    /// Values more than this below the maximum (after `valueScale`) get the darkest colour; nil uses
    /// the full min...max range. 80 suits dB; log-mel's own floor (ln 1e-5) usually needs none.
    public var dynamicRange: Float?
    /// Values coloured from the darkest (at or below the lower bound) to the brightest (at or above the upper), in
    /// the values' units after `valueScale`; replaces the clip's own min...max and `dynamicRange`. A log-mel
    /// picture starts on its front end's fixed dB scale (`LogMel.fullScaleRange`), so silence looks silent.
    public var fixedRange: ClosedRange<Float>?
    public var pixelsPerFrame: Int = 1
    /// Rows per bin; nil picks enough for a plot about 256 pixels tall.
    public var pixelsPerBin: Int?
    /// Samples drawn as a min/max envelope above the plot, stretched over the plot's width.
    public var waveform: [Float]?
    public var waveformHeight: Int = 48

    public init(frequencyAxis: FrequencyAxis, secondsPerFrame: Double) {
        self.frequencyAxis = frequencyAxis
        self.secondsPerFrame = secondsPerFrame
    }

    /// Axes for the output of `LogMel` at `sampleRate`, coloured on the fixed 80 dB scale below full scale
    /// (`scale: .auto` colours each picture from its own quietest to loudest value).
    public init(logMel: LogMel, sampleRate: Int, scale: SpectrogramScale = .fixed) {
        let fb = logMel.filterbank
        self.init(frequencyAxis: .mel(fMin: fb.fMin, fMax: fb.fMax, scale: fb.scale),
                  secondsPerFrame: Double(logMel.stft.config.hopLength) / Double(sampleRate))
        // A front end that cannot measure its full scale (too short an STFT for the test tone) draws auto-scaled.
        if scale == .fixed { fixedRange = try? logMel.fullScaleRange() }
    }

    /// Axes for `STFT` magnitudes at `sampleRate`, shown in dB over an 80 dB range.
    public init(stft: STFT, sampleRate: Int) {
        self.init(frequencyAxis: .linear(maxHz: Double(sampleRate) / 2),
                  secondsPerFrame: Double(stft.config.hopLength) / Double(sampleRate))
        valueScale = .decibels
        dynamicRange = 80
    }

    static let background: (UInt8, UInt8, UInt8) = (255, 255, 255)
    static let ink: (UInt8, UInt8, UInt8) = (32, 32, 32)
    static let tickLength = 3
    static let left = 44, right = 24, top = 14, bottom = 20

    /// The rendered image.
    public func render(_ spec: Spectrogram) throws -> RGBImage {
        guard spec.frames > 0 else { throw AudioError.invalidArgument("spec", "expected at least 1 frame to draw, got 0") }
        guard pixelsPerFrame > 0 else { throw AudioError.invalidArgument("pixelsPerFrame", "expected > 0, got \(pixelsPerFrame)") }
        if let p = pixelsPerBin, p <= 0 { throw AudioError.invalidArgument("pixelsPerBin", "expected > 0, got \(p)") }
        guard secondsPerFrame > 0, secondsPerFrame.isFinite else {
            throw AudioError.invalidArgument("secondsPerFrame", "expected > 0, got \(secondsPerFrame)")
        }
        let perBin = pixelsPerBin ?? max(1, 256 / spec.bins)
        let plotW = spec.frames * pixelsPerFrame, plotH = spec.bins * perBin
        guard plotW <= 32768, plotH <= 32768 else {
            throw AudioError.invalidArgument("spec", "image would be \(plotW)x\(plotH) pixels (expected at most 32768 per side)")
        }
        let strip = waveform == nil ? 0 : waveformHeight + 6
        let plotX = Self.left, plotY = Self.top + strip
        var img = RGBImage(width: Self.left + plotW + Self.right, height: plotY + plotH + Self.bottom, fill: Self.background)

        let levels = colourLevels(spec)
        let table = colormap.table
        for f in 0..<spec.frames {
            for b in 0..<spec.bins {
                let l = Int(levels[f * spec.bins + b]) * 3
                let c = (table[l], table[l + 1], table[l + 2])
                // Bin 0 (lowest frequency) is the bottom row.
                let y0 = plotY + plotH - (b + 1) * perBin
                for dy in 0..<perBin { for dx in 0..<pixelsPerFrame { img.set(plotX + f * pixelsPerFrame + dx, y0 + dy, c) } }
            }
        }
        drawFrame(&img, x: plotX, y: plotY, w: plotW, h: plotH)
        drawTimeAxis(&img, frames: spec.frames, plotX: plotX, plotY: plotY, plotW: plotW, plotH: plotH)
        drawFrequencyAxis(&img, bins: spec.bins, perBin: perBin, plotX: plotX, plotY: plotY, plotH: plotH)
        if let waveform { drawWaveform(&img, waveform, x: plotX, y: Self.top, w: plotW, h: waveformHeight) }
        return img
    }

    /// Renders and writes a PNG atomically (temporary file + rename).
    public func write(_ spec: Spectrogram, to path: String) throws {
        try render(spec).writePNG(to: path)
    }

    /// Colour-table indices 0...255 per value, after the value scale and dynamic range.
    func colourLevels(_ spec: Spectrogram) -> [UInt8] {
        let v: [Float] = valueScale == .decibels ? spec.values.map { 20 * log10(max($0, 1e-10)) } : spec.values
        let finite = v.filter { $0.isFinite }
        var hi = finite.max() ?? 0
        var lo = finite.min() ?? 0
        if let range = dynamicRange { lo = max(lo, hi - range) }
        if let r = fixedRange { (lo, hi) = (r.lowerBound, r.upperBound) }
        let span = hi - lo
        return v.map { x in
            guard x.isFinite, span > 0 else { return x == .infinity ? 255 : 0 }
            return UInt8(max(0, min(255, ((x - lo) / span * 255).rounded())))
        }
    }

    func drawFrame(_ img: inout RGBImage, x: Int, y: Int, w: Int, h: Int) {
        for i in -1...w {
            img.set(x + i, y - 1, Self.ink)
            img.set(x + i, y + h, Self.ink)
        }
        for j in -1...h {
            img.set(x - 1, y + j, Self.ink)
            img.set(x + w, y + j, Self.ink)
        }
    }

    func drawText(_ img: inout RGBImage, _ text: String, x: Int, y: Int) {
        BitmapFont.draw(text, x: x, y: y) { img.set($0, $1, Self.ink) }
    }

    /// Ticks at a 1-2-5 step in seconds, at least ~40 pixels apart, labelled below; unit "s" at the end.
    func drawTimeAxis(_ img: inout RGBImage, frames: Int, plotX: Int, plotY: Int, plotW: Int, plotH: Int) {
        let pxPerSecond = Double(pixelsPerFrame) / secondsPerFrame
        let duration = Double(frames - 1) * secondsPerFrame
        let step = Self.niceStep(minimum: 40 / pxPerSecond)
        let decimals = max(0, Int((-log10(step)).rounded(.up)))
        let axisY = plotY + plotH + 1
        var lastLabelEnd = Int.min
        var t = 0.0
        while t <= duration + 1e-9 {
            // Frame f's centre is at time f * secondsPerFrame, drawn in the middle of its column.
            let x = plotX + Int((t * pxPerSecond).rounded()) + pixelsPerFrame / 2
            for d in 0..<Self.tickLength { img.set(x, axisY + d, Self.ink) }
            let label = String(format: "%.\(decimals)f", t)
            let lx = x - BitmapFont.measure(label) / 2
            if lx > lastLabelEnd + 3 {
                drawText(&img, label, x: lx, y: axisY + Self.tickLength + 2)
                lastLabelEnd = lx + BitmapFont.measure(label)
            }
            t += step
        }
        // The unit follows the last label, or the axis end if that label stopped short of it.
        let unitX = max(plotX + plotW + 4, lastLabelEnd + 4)
        if unitX + BitmapFont.measure("s") < img.width { drawText(&img, "s", x: unitX, y: axisY + Self.tickLength + 2) }
    }

    /// Ticks at round frequencies (1-2-5 steps, plus octave-like marks on a mel axis) placed by the
    /// axis's own Hz -> bin mapping, dropping any closer than one label height to the one below.
    func drawFrequencyAxis(_ img: inout RGBImage, bins: Int, perBin: Int, plotX: Int, plotY: Int, plotH: Int) {
        let position: (Double) -> Double?  // Hz -> fractional bin index
        var candidates: [Double] = []
        switch frequencyAxis {
        case .bins:
            return
        case let .linear(maxHz):
            guard maxHz > 0, bins > 1 else { return }
            position = { $0 / maxHz * Double(bins - 1) }
            let step = Self.niceStep(minimum: maxHz / 8)
            candidates = stride(from: 0, through: maxHz + 1e-9, by: step).map { $0 }
        case let .mel(fMin, fMax, scale):
            let lo = scale.mel(hz: fMin), hi = scale.mel(hz: fMax)
            guard hi > lo else { return }
            position = { (scale.mel(hz: $0) - lo) / (hi - lo) * Double(bins + 1) - 1 }
            let step = Self.niceStep(minimum: (fMax - fMin) / 8)
            let marks = [100.0, 200, 500, 1000, 2000, 4000, 8000, 16000, 32000]
            candidates = (marks + stride(from: 0, through: fMax + 1e-9, by: step).map { $0 })
                .filter { $0 >= fMin && $0 <= fMax }
        }
        let axisX = plotX - 2
        var lastY = Int.max
        for hz in Set(candidates).sorted() {
            guard let p = position(hz), p >= -0.5, p <= Double(bins) - 0.5 else { continue }
            let y = plotY + plotH - 1 - Int((p * Double(perBin) + Double(perBin) / 2 - 0.5).rounded())
            guard lastY - y >= BitmapFont.height + 3 else { continue }
            lastY = y
            for d in 0..<Self.tickLength { img.set(axisX - d, y, Self.ink) }
            let label = Self.hzLabel(hz)
            drawText(&img, label, x: axisX - Self.tickLength - 2 - BitmapFont.measure(label), y: y - BitmapFont.height / 2)
        }
        // Above the top tick's label (which can reach 3 rows above the plot).
        drawText(&img, "Hz", x: axisX - Self.tickLength - 2 - BitmapFont.measure("Hz"), y: max(0, plotY - BitmapFont.height - 6))
    }

    /// Per column, a vertical line from the lowest to the highest sample that falls in it, scaled so
    /// the loudest sample reaches the strip's edge (quiet sounds stay visible).
    func drawWaveform(_ img: inout RGBImage, _ wave: [Float], x: Int, y: Int, w: Int, h: Int) {
        guard !wave.isEmpty else { return }
        let peak = max(wave.reduce(0) { max($0, abs($1.isFinite ? $1 : 0)) }, 1e-6)
        let mid = Double(y) + Double(h - 1) / 2, half = Double(h - 1) / 2
        for col in 0..<w {
            let a = wave.count * col / w, b = max(a + 1, wave.count * (col + 1) / w)
            var lo: Float = 0, hi: Float = 0
            for s in a..<min(b, wave.count) where wave[s].isFinite {
                lo = min(lo, wave[s])
                hi = max(hi, wave[s])
            }
            let top = Int((mid - Double(hi / peak) * half).rounded())
            let bot = Int((mid - Double(lo / peak) * half).rounded())
            for row in top...bot { img.set(x + col, row, (60, 60, 140)) }
        }
    }

    /// The smallest 1, 2 or 5 x 10^k at least `minimum`.
    static func niceStep(minimum: Double) -> Double {
        guard minimum > 0, minimum.isFinite else { return 1 }
        let base = pow(10, floor(log10(minimum)))
        for m in [1.0, 2, 5, 10] where m * base >= minimum * (1 - 1e-9) { return m * base }
        return 10 * base
    }

    /// "0", "500", "1k", "1.5k", "16k".
    static func hzLabel(_ hz: Double) -> String {
        if hz >= 1000 {
            let k = hz / 1000
            return k == k.rounded() ? "\(Int(k))k" : String(format: "%.1fk", k)
        }
        return "\(Int(hz.rounded()))"
    }
}
