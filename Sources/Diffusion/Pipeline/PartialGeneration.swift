import Tensors

/// What a generation stopped early (Ctrl-C, or a progress callback returning false) had: the latents after the last
/// completed step and the sampler's prediction of the clean latents there, decoded, so a long run that was cut short
/// can still be looked at and listened to. Carried by `DiffusionError.cancelled`, hence Sendable: its tensors are
/// made for it and the stopped run never touches them again.
public struct PartialGeneration: @unchecked Sendable {
    /// Steps completed, of `totalSteps`.
    public let step: Int
    public let totalSteps: Int
    /// The noisy latents after step `step`.
    public let latents: Tensor
    /// The predicted x0 at step `step` (nil when no step completed).
    public let predictedOriginal: Tensor?
    /// `predictedOriginal` decoded (one waveform per output, interleaved when `channels` > 1); empty when nil.
    public let preview: [[Float]]
    public let sampleRate: Int
    public let channels: Int
}

extension TextToAudioPipeline {
    /// The cancellation error of a loop stopped after `step`, carrying its partial result; the preview is decoded
    /// here, once for the mel and the waveform-latent models (`decode` picks the path).
    func cancelled(_ loop: DenoisingLoop, step: Int, samples: Int) -> DiffusionError {
        // A failing preview must not hide the cancellation: the partial then has the latents alone.
        let x0 = try? loop.predictedOriginal()
        // The decoders' kernels poll the Ctrl-C flag that stopped the run: it is lowered while the preview decodes (a
        // new Ctrl-C raises it again and ends the preview) and put back for the caller to see.
        let flag = Interrupt.flag.pointee
        Interrupt.flag.pointee = 0
        let preview = x0.flatMap { try? decode(latents: $0, samples: samples).waveforms } ?? []
        if flag != 0 { Interrupt.flag.pointee = flag }
        let partial = PartialGeneration(step: step, totalSteps: loop.totalSteps, latents: loop.latents,
                                        predictedOriginal: x0, preview: preview, sampleRate: sampleRate,
                                        channels: audioChannels)
        return .cancelled(step: step, partial: partial)
    }
}
