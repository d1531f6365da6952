import Audio

extension TextToAudioPipeline {
    /// A recording through the model's own autoencoder and vocoder (log-mel -> VAE posterior mode -> decode ->
    /// vocoder), trimmed to its length: the best any UNet sample could sound through this decoder, so measurements of
    /// it separate what the UNet gets wrong from what decoding loses.
    public func reconstruct(_ samples: [Float]) throws -> [Float] {
        let f = vaeScaleFactor
        let z = try recordingLatents(samples, argument: "samples", what: "the recording to reconstruct") { ($0 + f - 1) / f * f }
        return try decode(latents: z, samples: samples.count).waveforms[0]
    }

    /// A recording of any rate and channel count through the model's autoencoder, at the model's rate and channels:
    /// for a Stable Audio model the Oobleck's posterior mean decoded (its channels kept), else `reconstruct(_:)` of the
    /// mono mix.
    public func reconstruct(_ audio: AudioBuffer) throws -> AudioBuffer {
        guard let sa = stableAudio else {
            return try AudioBuffer(mono: try reconstruct(try modelRateSamples(audio)), sampleRate: sampleRate)
        }
        let input = try modelRateAudio(audio)
        guard input.frameCount > 0 else { throw DiffusionError.invalidArgument("audio", "the recording to reconstruct is empty") }
        let hop = sa.vae.hopLength
        let z = try stableAudioReferenceLatents(sa, input, samples: input.frameCount, frames: (input.frameCount + hop - 1) / hop, batch: 1)
        let wave = try decodeStableAudio(sa, latents: z, samples: input.frameCount).waveforms[0]
        return try AudioBuffer(sampleRate: sampleRate, channels: audioChannels, interleaved: wave)
    }
}
