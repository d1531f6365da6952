import Audio
import Foundation
import Tensors

// `foley.audio.stft` and `foley.audio.mel_filters`: the front end's parts as tensors, so a log-mel can be taken
// apart (and rebuilt) at the prompt. The math is Audio's STFT and MelFilterbank; these only convert.

public enum SpectralBindings {
    public static func register(_ lua: LuaState) {
        lua.register(library: "audio", [
            LuaFunction("stft", """
            stft(audio, {n_fft = 1024, hop_length = 160, win_length = n_fft, center = true}) -> magnitude, phase
            The clip's (mixed to mono) short-time Fourier transform with a Hann window and reflect padding, as
            torch.stft: magnitude and phase (radians) tensors [frames, n_fft / 2 + 1], time-major as p:mel.
            """) { lua in
                let clip = try lua.audio(1)
                try lua.checkOptionKeys(2, ["n_fft", "hop_length", "win_length", "center"], what: "stft option")
                let nFFT = try lua.option(2, "n_fft") { try lua.integer($0) } ?? 1024
                let hop = try lua.option(2, "hop_length") { try lua.integer($0) } ?? 160
                let win = try lua.option(2, "win_length") { try lua.integer($0) }
                let center = try lua.option(2, "center") { try lua.bool($0) } ?? true
                guard nFFT >= 2, hop >= 1 else {
                    throw lua.argError(2, "n_fft >= 2 and hop_length >= 1 expected, got \(nFFT) and \(hop)")
                }
                var config = STFTConfig(nFFT: nFFT, hopLength: hop, winLength: win)
                config.center = center
                let spec = try STFT(config).forward(clip.buffer.mixedToMono().samples)
                let shape = [spec.frames, spec.bins]
                lua.push(Tensor(shape: shape, data: zip(spec.real, spec.imag).map { ($0 * $0 + $1 * $1).squareRoot() }))
                lua.push(Tensor(shape: shape, data: zip(spec.real, spec.imag).map { atan2($1, $0) }))
                return 2
            },
            LuaFunction("mel_filters", """
            mel_filters{sr = 16000, n_fft = 1024, n_mels = 64, fmin = 0, fmax = sr / 2, htk = false} -> Tensor
            The mel filterbank [n_mels, n_fft / 2 + 1] as librosa.filters.mel builds it (slaney-normalized
            triangles; htk = true uses the HTK mel scale): magnitude [frames, bins] times its transpose is a mel.
            """) { lua in
                try lua.checkTable(1)
                try lua.checkOptionKeys(1, ["sr", "n_fft", "n_mels", "fmin", "fmax", "htk"], what: "mel_filters option")
                let sr = try lua.option(1, "sr") { try lua.integer($0) } ?? 16000
                let nFFT = try lua.option(1, "n_fft") { try lua.integer($0) } ?? 1024
                let nMels = try lua.option(1, "n_mels") { try lua.integer($0) } ?? 64
                let fMin = try lua.option(1, "fmin") { try lua.number($0) } ?? 0
                let fMax = try lua.option(1, "fmax") { try lua.number($0) }
                let htk = try lua.option(1, "htk") { try lua.bool($0) } ?? false
                let fb: MelFilterbank
                do {
                    fb = try MelFilterbank(sampleRate: sr, nFFT: nFFT, nMels: nMels, fMin: fMin, fMax: fMax,
                                           scale: htk ? .htk : .slaney)
                } catch let e as AudioError { throw lua.argError(1, "\(e)") }
                lua.push(Tensor(shape: [nMels, fb.bins], data: fb.weights))
                return 1
            },
        ])
    }
}
