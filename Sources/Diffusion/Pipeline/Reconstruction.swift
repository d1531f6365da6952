import Audio
import Foundation
import NN
import Tensors

extension TextToAudioPipeline {
    /// A recording through the model's own autoencoder and vocoder (log-mel -> VAE posterior mode -> decode ->
    /// vocoder), trimmed to its length: the best any UNet sample could sound through this decoder, so measurements of
    /// it separate what the UNet gets wrong from what decoding loses.
    public func reconstruct(_ samples: [Float]) throws -> [Float] {
        guard !samples.isEmpty else { throw DiffusionError.invalidArgument("samples", "the recording to reconstruct is empty") }
        let f = vaeScaleFactor
        let mel = try logMelInput(samples) { frames in (frames + f - 1) / f * f }
        let z = try GradMode.noGrad { try vae.encode(mel).mode * vae.scalingFactor }
        return try decode(latents: z, samples: samples.count).waveforms[0]
    }
}
