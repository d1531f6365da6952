import Audio
import Foundation
import NN
import Tensors

/// Generation for a pipeline assembled from Stable Audio parts: the same options, seeds, sampler choice, denoising
/// loop and loudness as the mel models, with Stable Audio's conditioning (T5 -> projection, seconds start/total)
/// and its waveform VAE; outputs are interleaved stereo at the VAE's rate.
extension TextToAudioPipeline {
    /// The error for a control this model family does not offer yet.
    func stableAudioLacks(_ option: String) -> DiffusionError {
        .invalidArgument(option, "not available for Stable Audio models: they encode waveforms, not log-mels (pass the recording as the reference, from=, instead)")
    }

    /// Refuses, with what to do instead, the controls that have nothing to act on in Stable Audio's conditioning.
    func refuseStableAudioConditioning(_ options: GenerationOptions) throws {
        if options.style != nil {
            throw DiffusionError.invalidArgument(
                "style", "Stable Audio has no pooled class embedding to mix a style vector into (its text reaches the DiT only through T5 tokens); describe the style in the prompt, or start from a recording with from/strength")
        }
        if options.promptEmbeddings != nil || options.negativeEmbeddings != nil {
            throw DiffusionError.invalidArgument(
                "prompt_embeds", "Stable Audio builds its conditioning from prompt text and the seconds start/total together (projected T5 tokens plus duration tokens); pass prompt and negative text instead of embeddings")
        }
    }

    func generateStableAudio(_ sa: StableAudioParts, _ options: GenerationOptions,
                             progress: ((StepProgress) -> Bool)?) throws -> GenerationResult {
        try refuseStableAudioConditioning(options)
        let rowPrompt = (0..<options.batchPrompts).flatMap { Array(repeating: $0, count: options.count) }
        let b = rowPrompt.count
        let seeds = (0..<b).map { options.seed &+ UInt64($0) }
        let seconds = options.seconds ?? defaultSeconds
        let guided = options.guidanceScale > 1
        let negs = options.negativePrompts
        // One conditioning per row: the seconds conditioning says how long the clip is (seconds_total).
        let rows = try rowPrompt.map { p in
            try sa.conditioning(prompts: [options.prompts[p]], negative: negs.isEmpty ? nil : [negs.count == 1 ? negs[0] : negs[p]],
                                start: 0, end: seconds, guided: guided)
        }
        let latentShape = self.latentShape(seconds: seconds, batch: b)
        let sampler = try makeSampler(options)
        try sampler.setTimesteps(options.steps)
        let noise = BatchNoise(seeds: seeds, temperature: options.noiseTemperature)
        let reference = try referenceBuffer(options).map {
            try stableAudioReferenceLatents(sa, $0, samples: Int(seconds * Double(sampleRate)), frames: latentShape[2], batch: b)
        }
        let start = try runStart(options, sampler: sampler, noise: noise, latentShape: latentShape, reference: reference, seconds: seconds)
        var latents = start.latents
        let scale = options.guidanceScale
        // Each output runs on its own, as the mel pipeline does, so an output does not depend on its batch-mates.
        let loop = DenoisingLoop(sampler: sampler, timesteps: start.timesteps, latents: latents, noise: noise,
                                 afterStep: start.afterStep) { x, t in
            try Tensor.concat(try (0..<b).map { r in
                try sa.guidedOutput(try x.slice(axis: 0, start: r, end: r + 1), timestep: t, tokens: rows[r].tokens,
                                    global: rows[r].global, guidance: scale)
            }, axis: 0)
        }
        for step in loop {
            if let progress, !progress(step) {
                throw cancelled(loop, step: step.step, samples: Int(seconds * Double(sampleRate)))
            }
        }
        if let error = loop.error {
            // Ctrl-C lands inside a step (tensor kernels poll the flag): the run is cancelled with what it had.
            if error is Interrupt.Interrupted { throw cancelled(loop, step: loop.index, samples: Int(seconds * Double(sampleRate))) }
            throw error
        }
        latents = loop.latents
        var (waves, mel) = try decodeStableAudio(sa, latents: latents, samples: Int(seconds * Double(sampleRate)))
        if let lufs = options.loudness {
            waves = try waves.map {
                try AudioBuffer(sampleRate: sampleRate, channels: audioChannels, interleaved: $0).loudnessNormalized(to: lufs).samples
            }
        }
        var result = GenerationResult(waveforms: waves, sampleRate: sampleRate, seeds: seeds, latents: latents, logMel: mel)
        result.channels = audioChannels
        return result
    }

    /// A reference at the model's rate -> the VAE's channels (mono copied, or mixed down for a mono VAE) -> cropped to
    /// the requested `samples` and padded with silence to `frames` latent frames -> the Oobleck posterior mean (its
    /// mode), `batch` rows.
    func stableAudioReferenceLatents(_ sa: StableAudioParts, _ reference: AudioBuffer, samples: Int, frames: Int,
                                     batch: Int) throws -> Tensor {
        let audio = try modelRateAudio(reference)
        let n = frames * sa.vae.hopLength
        let planar = audio.planar.map { c in Array(c.prefix(min(samples, n))) }
        var data = [Float](repeating: 0, count: planar.count * n)
        for (i, c) in planar.enumerated() { data.replaceSubrange((i * n)..<(i * n + c.count), with: c) }
        let z = try GradMode.noGrad { try sa.vae.encode(Tensor(shape: [1, planar.count, n], data: data)).mean }
        guard z.shape[2] == frames else {
            throw DiffusionError.invalidArgument("reference", "the VAE encoded \(n) samples to \(z.shape[2]) latent frames, expected \(frames)")
        }
        return try z.expand([batch] + z.shape.dropFirst())
    }

    /// Latents -> the VAE's waveforms, interleaved and trimmed to `samples` frames, with the log-mel of each mono
    /// mix for pictures.
    func decodeStableAudio(_ sa: StableAudioParts, latents: Tensor, samples: Int?) throws -> (waveforms: [[Float]], logMel: Tensor) {
        let audio = try GradMode.noGrad { try sa.vae.decode(latents) }
        let (b, ch, n) = (audio.shape[0], audio.shape[1], audio.shape[2])
        let keep = min(samples ?? n, n), s = audio.scalars
        var waves: [[Float]] = [], mels: [Tensor] = []
        for r in 0..<b {
            let planar = (0..<ch).map { c in Array(s[((r * ch + c) * n)..<((r * ch + c) * n + keep)]) }
            let buffer = try AudioBuffer(planar: planar, sampleRate: sampleRate)
            waves.append(buffer.samples)
            let spec = try frontEnd(buffer.mixedToMono().samples)
            mels.append(Tensor(shape: [1, spec.frames, spec.bins], data: spec.values))
        }
        return (waves, try Tensor.concat(mels, axis: 0))
    }
}
