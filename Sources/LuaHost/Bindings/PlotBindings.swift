import Audio
import Foundation
import Tensors

// Lua bindings of plotting: `foley.plot.line` (a 1-D tensor as a PNG line chart) and
// `foley.plot.spectrogram` (an Audio clip or a log-mel tensor as a spectrogram picture). Both
// attach their picture to the REPL notebook.

public enum PlotBindings {
    public static func register(_ lua: LuaState) {
        lua.register(library: "plot", help: "foley.plot: PNG pictures of tensors and audio.", [
            LuaFunction("line", """
            line(tensor, path[, {width = 640, height = 240, xlabel =, ylabel =}])
            Draws a 1-D tensor (or a Lua table of numbers) as a PNG line chart against its index, with ticks at
            round values on both axes and the axis labels given; the notebook shows it.
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
                try lua.checkOptionKeys(3, ["width", "height", "xlabel", "ylabel"], what: "plot option")
                let xlabel = try lua.option(3, "xlabel") { try lua.string($0) }
                let ylabel = try lua.option(3, "ylabel") { try lua.string($0) }
                let width = try lua.option(3, "width") { try lua.integer($0) } ?? 640
                let height = try lua.option(3, "height") { try lua.integer($0) } ?? 240
                guard (64...8192).contains(width), (48...8192).contains(height) else {
                    throw lua.argError(3, "width and height expected in 64...8192 and 48...8192, got \(width)x\(height)")
                }
                try LineChart.render(values, width: width, height: height, xlabel: xlabel, ylabel: ylabel).writePNG(to: path)
                AudioBindings.attachPNG(path)
                return 0
            },
            LuaFunction("spectrogram", """
            spectrogram(audio_or_mel, path[, {rate = 16000, hop = 160, fmax = 8000, scale = 'fixed'}])
            Draws an Audio clip's log-mel, or a log-mel tensor [frames, mels] (rate and hop label its time
            axis, fmax its slaney mel axis; fmax = 0 leaves bins unlabelled), as a PNG; the notebook shows it.
            scale 'fixed' colours 80 dB below full scale up to full scale (of a 1024-point STFT's mel for a
            tensor), so silence looks silent; 'auto' the picture's own range.
            """) { lua in
                let path = try lua.string(2)
                if let clip = lua.toObject(1, as: AudioClip.self) {
                    if !lua.isNoneOrNil(3) { try lua.checkTable(3) }
                    try lua.checkOptionKeys(3, ["scale"], what: "spectrogram option")
                    try AudioBindings.writeSpectrogram(clip, to: path, scale: try AudioBindings.spectrogramScale(lua, 3))
                    return 0
                }
                guard let m = lua.toObject(1, as: Tensor.self) else { throw lua.typeError(1, "Audio or Tensor") }
                let mel = m.rank == 3 && m.shape[0] == 1 ? try m.squeeze(0) : m
                guard mel.rank == 2 else { throw lua.argError(1, "mel tensor [frames, mels] expected, got shape \(m.shape)") }
                try lua.checkOptionKeys(3, ["rate", "hop", "fmax", "scale"], what: "spectrogram option")
                let scale = try AudioBindings.spectrogramScale(lua, 3)
                let rate = try lua.option(3, "rate") { try lua.integer($0) } ?? 16000
                let hop = try lua.option(3, "hop") { try lua.integer($0) } ?? 160
                guard rate > 0, hop > 0 else { throw lua.argError(3, "positive rate and hop expected") }
                let fmax = try lua.option(3, "fmax") { try lua.number($0) } ?? 8000
                let axis: SpectrogramImage.FrequencyAxis = fmax > 0 ? .mel(fMin: 0, fMax: fmax, scale: .slaney) : .bins
                var img = SpectrogramImage(frequencyAxis: axis, secondsPerFrame: Double(hop) / Double(rate))
                // A bare tensor has no front end: full scale is measured through AudioLDM's (n_fft 1024) at its rate,
                // hop and mel count (auto-scaled when those make no front end).
                if scale == .fixed {
                    img.fixedRange = try? LogMel(sampleRate: rate, hopLength: hop, nMels: mel.shape[1],
                                                 fMax: fmax > 0 ? min(fmax, Double(rate) / 2) : nil).fullScaleRange()
                }
                try img.write(try Spectrogram(frames: mel.shape[0], bins: mel.shape[1], values: mel.scalars), to: path)
                AudioBindings.attachPNG(path)
                return 0
            },
            LuaFunction("spectrograms", """
            spectrograms({audio, ...}, path[, {columns = 1, scale = 'fixed'}])
            Draws several clips' spectrograms (each with its waveform, on one colour scale when fixed) in one PNG
            grid, columns per row, to compare them; the notebook shows it.
            """) { lua in
                let clips = try lua.audioList(1)
                guard !clips.isEmpty else { throw lua.argError(1, "at least one Audio expected") }
                let path = try lua.string(2)
                if !lua.isNoneOrNil(3) { try lua.checkTable(3) }
                try lua.checkOptionKeys(3, ["columns", "scale"], what: "spectrograms option")
                let columns = try lua.option(3, "columns") { try lua.integer($0) } ?? 1
                guard columns > 0 else { throw lua.argError(3, "option 'columns': positive integer expected, got \(columns)") }
                let scale = try AudioBindings.spectrogramScale(lua, 3)
                let pictures = try clips.map { try AudioBindings.spectrogramImage($0, scale: scale) }
                try RGBImage.grid(pictures, columns: columns).writePNG(to: path)
                AudioBindings.attachPNG(path)
                return 0
            },
        ])
    }
}
