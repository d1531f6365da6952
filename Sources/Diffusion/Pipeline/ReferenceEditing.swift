import Audio
import Foundation
import Tensors

/// Where a run starts and what it re-imposes after each step: seeded noise, given latents, SDEdit from a reference
/// (audio-to-audio) or inpainting over a kept range. One path for the mel and the waveform-latent models; only the
/// reference's latents and the latent frame rate differ between them.
///
/// Strength means the same for every family: the share of the sampler's schedule that is re-run from the reference
/// noised to that point (SDEdit), so 0 returns the reference's own decode and 1 is plain generation. diffusers'
/// StableAudioPipeline `initial_audio_waveforms` instead adds the encoded audio to full-sigma noise, which is not
/// SDEdit; Foley does not follow it there, so `strength` does one thing whatever the model.
struct RunStart {
    /// The latents the first kept step starts from.
    var latents: Tensor
    /// The sampler's timesteps that are still to run (all of them unless SDEdit skips the first part).
    var timesteps: [Float]
    /// Inpainting's hook: puts the kept region back after each step.
    var afterStep: ((Tensor, Int) throws -> Tensor)?
}

extension TextToAudioPipeline {
    /// Audio samples per latent frame: mel hop times the VAE's factor, or the waveform VAE's hop.
    public var samplesPerLatentFrame: Int { stableAudio?.vae.hopLength ?? hopLength * vaeScaleFactor }

    /// The start of a run of `latentShape` on `sampler` (timesteps already set): `options.latents` if given, else
    /// SDEdit from `reference` (the reference's latents, batch-expanded) when no range is kept and strength < 1, else
    /// noise; with `options.keepRange` the kept region is re-imposed after every step. Noise is drawn in this order
    /// (start, then the kept region's), so a seed gives the same output as before the paths were shared.
    func runStart(_ options: GenerationOptions, sampler: any Sampler, noise: BatchNoise, latentShape: [Int],
                  reference: Tensor?, seconds: Double) throws -> RunStart {
        var timesteps = sampler.timesteps
        let latents: Tensor
        if let given = options.latents {
            guard given.shape == latentShape else {
                throw DiffusionError.invalidArgument("latents", "expected shape \(latentShape), got \(given.shape)")
            }
            latents = given * sampler.initNoiseSigma
        } else if let reference, options.keepRange == nil, options.strength < 1 {
            // SDEdit: start part-way down the schedule from the noised reference.
            let initSteps = min(Int(Float(options.steps) * options.strength), options.steps)
            let start = max(options.steps - initSteps, 0) * sampler.order
            timesteps = Array(timesteps[min(start, timesteps.count)...])
            if timesteps.isEmpty {
                latents = reference
            } else {
                latents = try sampler.addNoise(original: reference, noise: try noise.nextNoise(shape: latentShape), timestep: timesteps[0])
            }
        } else {
            latents = try noise.nextNoise(shape: latentShape) * sampler.initNoiseSigma
        }
        var run = RunStart(latents: latents, timesteps: timesteps)
        if let range = options.keepRange, let reference {
            let mask = try keepMask(range, latentShape: latentShape, seconds: seconds)
            let keepNoise = try noise.nextNoise(shape: latentShape)
            let ts = timesteps
            run.afterStep = { x, i in
                // Re-impose the kept region at the next step's noise level (the reference itself at the end).
                let known = i + 1 < ts.count ? try sampler.addNoise(original: reference, noise: keepNoise, timestep: ts[i + 1]) : reference
                return try known * mask + x * (1 - mask)
            }
        }
        return run
    }

    /// 1 over the latent frames inside `range` (seconds), 0 elsewhere, shaped to broadcast over latents whose time axis
    /// is 2 ([1, 1, T, 1] for mel latents, [1, 1, T] for waveform latents).
    func keepMask(_ range: ClosedRange<Double>, latentShape: [Int], seconds: Double) throws -> Tensor {
        // A range past the clip would keep nothing of it (or silence past the reference), which is never what was meant.
        guard range.lowerBound >= 0, range.upperBound <= seconds + 1e-9 else {
            throw DiffusionError.invalidArgument("keep", "expected a range inside the clip, 0...\(seconds) s, got \(range.lowerBound)...\(range.upperBound)")
        }
        let framesPerSecond = Double(sampleRate) / Double(samplesPerLatentFrame)
        let lo = Int(range.lowerBound * framesPerSecond), hi = Int((range.upperBound * framesPerSecond).rounded(.up))
        let t = latentShape[2]
        let row = (0..<t).map { Float($0 >= lo && $0 < hi ? 1 : 0) }
        return Tensor(shape: [1, 1, t] + (latentShape.count > 3 ? [1] : []), data: row)
    }

    /// The reference recording of `options` as an AudioBuffer at the model's rate (its samples interleaved over
    /// `referenceChannels`), refused by name when empty, non-finite or not whole frames.
    func referenceBuffer(_ options: GenerationOptions) throws -> AudioBuffer? {
        guard let samples = options.reference else { return nil }
        guard !samples.isEmpty else { throw DiffusionError.invalidArgument("reference", "the reference recording is empty") }
        try OutputCheck.requireFiniteInput(samples, "reference")
        let channels = options.referenceChannels
        guard channels > 0, samples.count % channels == 0 else {
            throw DiffusionError.invalidArgument("reference", "expected whole frames of \(channels) interleaved channels, got \(samples.count) samples")
        }
        return try AudioBuffer(sampleRate: sampleRate, channels: channels, interleaved: samples)
    }

    /// A recording as the model takes it: resampled to the model's rate and brought to `channels` (default: the
    /// model's own): kept when it has that many, else mixed to mono, and the mono copied to every channel.
    public func modelRateAudio(_ audio: AudioBuffer, channels: Int? = nil) throws -> AudioBuffer {
        try OutputCheck.requireFiniteInput(audio.samples, "audio")
        let want = channels ?? audioChannels
        // Mixed before resampling and copied after it: one channel to resample instead of several.
        var b = audio.channels == want ? audio : audio.mixedToMono()
        if b.sampleRate != sampleRate { b = try b.resampled(to: sampleRate) }
        if b.channels != want { b = try AudioBuffer(planar: Array(repeating: b.samples, count: want), sampleRate: sampleRate) }
        return b
    }

    /// A recording's samples as the model's audio-text parts take them: mixed to mono and resampled to the model's rate.
    public func modelRateSamples(_ audio: AudioBuffer) throws -> [Float] {
        try modelRateAudio(audio, channels: 1).samples
    }
}

extension GenerationOptions {
    /// Sets `reference` (and `referenceChannels`) from a recording already at the model's rate (`modelRateAudio`).
    public mutating func setReference(_ audio: AudioBuffer) {
        reference = audio.samples
        referenceChannels = audio.channels
    }
}
