import Audio
import Tensors

/// The vocoder of last resort: mel -> linear magnitude (NNLS) -> fast Griffin-Lim, behind `Vocoder`.
public final class GriffinLimVocoder: Vocoder {
    public let frontEnd: LogMel
    public let sampleRate: Int
    public let iterations: Int
    public let seed: UInt64

    /// Inverts the log-mel of `audio`, the model's front end.
    public init(audio: AudioFrontEnd, iterations: Int = 32, seed: UInt64 = 0) throws {
        frontEnd = try audio.logMel()
        sampleRate = audio.sampleRate
        self.iterations = iterations
        self.seed = seed
    }

    public func waveform(fromLogMel logMel: Tensor) throws -> Tensor {
        let batched = logMel.rank == 3
        let x = batched ? logMel : try logMel.unsqueeze(0)
        let (b, frames, mels) = (x.shape[0], x.shape[1], x.shape[2])
        guard mels == frontEnd.filterbank.nMels else {
            throw DiffusionError.invalidArgument("logMel", "expected \(frontEnd.filterbank.nMels) mel bins, got \(mels)")
        }
        // A vocoder turns F frames into F hops of samples (as HiFi-GAN does), so a generation asked for a whole
        // number of frames comes back exactly that long; the centred inverse STFT's own length is one hop shorter,
        // and the last frame's window still covers the hop it leaves out.
        let length = frames * frontEnd.stft.config.hopLength
        var rows: [Tensor] = []
        for i in 0..<b {
            let values = Array(x.scalars[(i * frames * mels)..<((i + 1) * frames * mels)])
            let spec = try Spectrogram(frames: frames, bins: mels, values: values)
            let wave = try GriffinLim.fromLogMel(spec, frontEnd: frontEnd, iterations: iterations, seed: seed, length: length)
            rows.append(Tensor(wave))
        }
        let out = try Tensor.stack(rows)
        return batched ? out : try out.squeeze(0)
    }
}
