import Tensors

/// Turns log-mel spectrograms into waveforms (HiFi-GAN when a checkpoint provides one, Griffin-Lim otherwise).
public protocol Vocoder: AnyObject {
    /// Sample rate of the produced audio, in Hz.
    var sampleRate: Int { get }

    /// `logMel` is [batch, frames, mel bins] (or [frames, mel bins]) of natural-log mel magnitudes, as AudioLDM's
    /// VAE decodes them; the result is [batch, samples] (or [samples] for an unbatched input).
    func waveform(fromLogMel logMel: Tensor) throws -> Tensor
}
