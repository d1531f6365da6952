extension TextToAudioPipeline {
    /// A recording through the model's own autoencoder and vocoder (log-mel -> VAE posterior mode -> decode ->
    /// vocoder), trimmed to its length: the best any UNet sample could sound through this decoder, so measurements of
    /// it separate what the UNet gets wrong from what decoding loses.
    public func reconstruct(_ samples: [Float]) throws -> [Float] {
        let f = vaeScaleFactor
        let z = try recordingLatents(samples, argument: "samples", what: "the recording to reconstruct") { ($0 + f - 1) / f * f }
        return try decode(latents: z, samples: samples.count).waveforms[0]
    }
}
