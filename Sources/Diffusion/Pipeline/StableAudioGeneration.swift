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
        .invalidArgument(option, "not supported for Stable Audio models yet (issue 27)")
    }

    func generateStableAudio(_ sa: StableAudioParts, _ options: GenerationOptions,
                             progress: ((StepProgress) -> Bool)?) throws -> GenerationResult {
        if options.reference != nil { throw stableAudioLacks("reference") }
        if options.style != nil { throw stableAudioLacks("style") }
        if options.candidates > 1 { throw stableAudioLacks("candidates") }
        if options.promptEmbeddings != nil || options.negativeEmbeddings != nil { throw stableAudioLacks("prompt_embeds") }
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
        var latents: Tensor
        if let given = options.latents {
            guard given.shape == latentShape else {
                throw DiffusionError.invalidArgument("latents", "expected shape \(latentShape), got \(given.shape)")
            }
            latents = given * sampler.initNoiseSigma
        } else {
            latents = try noise.nextNoise(shape: latentShape) * sampler.initNoiseSigma
        }
        let scale = options.guidanceScale
        // Each output runs on its own, as the mel pipeline does, so an output does not depend on its batch-mates.
        let loop = DenoisingLoop(sampler: sampler, timesteps: sampler.timesteps, latents: latents, noise: noise) { x, t in
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
