import Audio
import Foundation
import Tensors

/// Writes generated audio (WAV/FLAC by extension), optional spectrogram PNGs and a JSON sidecar with
/// every setting, seed and the model's identity, so any output can be reproduced. Shared by the CLI and Lua.
public enum OutputWriter {
    /// The file for output `i` of `n`: `out.wav` alone, or `out-1.wav`, `out-2.wav`, ... for several.
    public static func path(_ base: String, index i: Int, of n: Int, ext: String? = nil) -> String {
        let url = URL(fileURLWithPath: base)
        let e = ext ?? url.pathExtension
        let stem = url.deletingPathExtension().path
        return n == 1 ? stem + "." + e : "\(stem)-\(i + 1).\(e)"
    }

    /// Writes every waveform of `result`; returns the audio paths.
    @discardableResult
    public static func write(_ result: GenerationResult, options: GenerationOptions, pipeline: TextToAudioPipeline,
                             to base: String, spectrogram: String? = nil, spectrogramScale: SpectrogramScale = .fixed) throws -> [String] {
        let n = result.waveforms.count
        var paths: [String] = []
        let frames = result.logMel.shape[1], mels = result.logMel.shape[2]
        for (i, wave) in result.waveforms.enumerated() {
            let p = path(base, index: i, of: n)
            let buffer = try AudioBuffer(sampleRate: result.sampleRate, channels: result.channels, interleaved: wave)
            try AudioFile.write(buffer, to: p)
            paths.append(p)
            if let spectrogram {
                let values = Array(result.logMel.scalars[(i * frames * mels)..<((i + 1) * frames * mels)])
                var img = SpectrogramImage(logMel: pipeline.frontEnd, sampleRate: result.sampleRate, scale: spectrogramScale)
                img.waveform = result.channels == 1 ? wave : buffer.mixedToMono().samples
                try img.write(try Spectrogram(frames: frames, bins: mels, values: values), to: path(spectrogram, index: i, of: n))
            }
            let promptIndex = i / options.count
            var settings: [String: Any] = [
                "prompt": options.prompts.isEmpty ? NSNull() : options.prompts[promptIndex],
                "negative": options.negativePrompts.isEmpty ? NSNull()
                    : options.negativePrompts[options.negativePrompts.count == 1 ? 0 : promptIndex],
                "seed": result.seeds[i], "steps": options.steps, "guidance": Double(options.guidanceScale),
                "sampler": options.sampler ?? pipeline.samplerConfig.className ?? "model default",
                "seconds": options.seconds ?? pipeline.defaultSeconds, "noise_temperature": Double(options.noiseTemperature),
                "model": pipeline.identity, "sample_rate": result.sampleRate, "samples": wave.count / result.channels,
                "channels": result.channels,
                "foley_version": foleyVersion,
            ]
            if !pipeline.loraAdapters.isEmpty { settings["lora"] = pipeline.loraRecord }
            if let l = options.loudness { settings["loudness_lufs"] = l }
            if options.reference != nil { settings["strength"] = Double(options.strength) }
            if let r = options.keepRange { settings["keep_seconds"] = [r.lowerBound, r.upperBound] }
            if !options.samplerOptions.isEmpty { settings["sampler_options"] = options.samplerOptions.mapValues { Double($0) } }
            let json = try JSONSerialization.data(withJSONObject: settings, options: [.prettyPrinted, .sortedKeys])
            try AtomicFile.write(json, to: path(base, index: i, of: n, ext: "json"))
        }
        return paths
    }
}
