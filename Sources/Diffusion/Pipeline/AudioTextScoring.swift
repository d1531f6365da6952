import Audio
import Foundation
import Tensors

/// Style vectors, audio-text scores and candidate reranking through the model's contrastive audio-text space.
extension TextToAudioPipeline {
    func requireContrastive(_ what: String) throws -> ContrastiveAudioText {
        guard let c = contrastive else {
            throw DiffusionError.invalidArgument(what, "this model (\(identity)) has no audio encoder aligned with its text conditioning (a contrastive audio-text model); Foley's default model has one, AudioLDM and Stable Audio folders do not")
        }
        return c
    }

    /// Unit-length audio embeddings [N, D] of waveforms at the model's rate.
    public func audioEmbeddings(_ waveforms: [[Float]]) throws -> Tensor {
        let c = try requireContrastive("audio")
        let rows = try waveforms.map { w -> Tensor in
            guard !w.isEmpty else { throw DiffusionError.invalidArgument("audio", "the recording is empty") }
            // Short clips are padded with silence to the encoder's shortest input.
            let mel = try logMelInput(w) { max($0, c.config.frameUnit) }
            return try GradMode.noGrad { try c.audioEmbeddings(mel) }
        }
        return try Tensor.concat(rows, axis: 0)
    }

    /// Unit-length text embeddings [N, D] in the same space.
    public func textEmbeddings(_ prompts: [String]) throws -> Tensor {
        let c = try requireContrastive("prompt")
        guard let conditioner else { throw DiffusionError.invalidArgument("prompt", "this model has no text encoder") }
        let rows = try prompts.map { p in try GradMode.noGrad { try c.textEmbeddings(try conditioner.encode([p]).normalizedPooled) } }
        return try Tensor.concat(rows, axis: 0)
    }

    /// The seed's `extract_style`: a recording's vector [D] in the conditioning space, to mix into a prompt's with
    /// `GenerationOptions.style` / `styleWeight`. `sampleRate` other than the model's is resampled.
    public func extractStyle(_ samples: [Float], sampleRate rate: Int) throws -> Tensor {
        let n = max(1, Int(Self.styleWindowSeconds * Double(rate)))
        var style = StyleWindows()
        for start in stride(from: 0, to: max(samples.count, 1), by: n) {
            let window = Array(samples[start..<min(samples.count, start + n)])
            try style.add(try audioEmbeddings([try modelRateSamples(try AudioBuffer(mono: window, sampleRate: rate))]), frames: window.count)
        }
        return try style.vector()
    }

    /// The style vector of an audio file, decoded a window at a time: memory stays one window however long the file.
    public func extractStyle(file path: String) throws -> Tensor {
        let rate = try AudioFile.info(path).sampleRate
        var style = StyleWindows()
        try AudioFile.forEachWindow(path, windowFrames: max(1, Int(Self.styleWindowSeconds * Double(rate)))) { w in
            try style.add(try audioEmbeddings([try modelRateSamples(w)]), frames: w.frameCount)
        }
        return try style.vector()
    }

    /// Style vectors of long recordings are built a window of this many seconds at a time (they used to take about
    /// 0.3 GB per minute of input): the vector is the length-weighted mean of the windows' unit-length embeddings,
    /// renormalized; a recording of one window or less gives exactly its own embedding.
    public static let styleWindowSeconds = 10.0

    struct StyleWindows {
        var sum: Tensor?
        var first: Tensor?
        var windows = 0

        mutating func add(_ embedding: Tensor, frames: Int) throws {
            let e = try embedding.reshape([-1])
            windows += 1
            if first == nil { first = e }
            let weighted = e * Float(frames)
            sum = try sum.map { try $0 + weighted } ?? weighted
        }

        func vector() throws -> Tensor {
            guard let sum, let first else { throw DiffusionError.invalidArgument("audio", "the recording is empty") }
            if windows == 1 { return first }
            return try sum * (try (sum * sum).sum()).rsqrt()
        }
    }

    /// Cosine similarity of each waveform to the prompt at the same index.
    public func audioTextScores(_ waveforms: [[Float]], prompts: [String]) throws -> [Float] {
        guard waveforms.count == prompts.count else {
            throw DiffusionError.invalidArgument("prompts", "expected one prompt per waveform (\(waveforms.count)), got \(prompts.count)")
        }
        let a = try audioEmbeddings(waveforms), t = try textEmbeddings(prompts)
        return try GradMode.noGrad { try (a * t).sum(axis: 1) }.scalars
    }

    /// Generates `candidates` outputs for every requested one and keeps the best-scoring by audio-text similarity.
    func generateReranked(_ options: GenerationOptions, progress: ((StepProgress) -> Bool)?) throws -> GenerationResult {
        _ = try requireContrastive("candidates")
        guard !options.prompts.isEmpty else {
            throw DiffusionError.invalidArgument("candidates", "reranking scores candidates against prompt text; pass prompts, not embeddings")
        }
        let b = options.batchPrompts * options.count
        let rowPrompts = (0..<options.batchPrompts).flatMap { Array(repeating: options.prompts[$0], count: options.count) }
        var runs: [GenerationResult] = [], scores: [[Float]] = []
        for k in 0..<options.candidates {
            var o = options
            o.candidates = 1
            o.seed = options.seed &+ UInt64(k * b)
            let r = try generate(o, progress: progress)
            runs.append(r)
            // The audio side scores one channel: a stereo output is scored by its mono mix.
            let mono = try r.waveforms.indices.map(r.monoWaveform)
            scores.append(try audioTextScores(mono, prompts: rowPrompts))
        }
        let best = (0..<b).map { r in (0..<options.candidates).max { scores[$0][r] < scores[$1][r] }! }
        var out = runs[0]
        out.waveforms = (0..<b).map { runs[best[$0]].waveforms[$0] }
        out.seeds = (0..<b).map { runs[best[$0]].seeds[$0] }
        out.latents = try Tensor.concat((0..<b).map { try runs[best[$0]].latents.slice(axis: 0, start: $0, end: $0 + 1) }, axis: 0)
        out.logMel = try Tensor.concat((0..<b).map { try runs[best[$0]].logMel.slice(axis: 0, start: $0, end: $0 + 1) }, axis: 0)
        out.scores = (0..<b).map { scores[best[$0]][$0] }
        out.warnings = try OutputCheck.check(out.waveforms)
        out.candidateScores = (0..<b).map { r in scores.map { $0[r] } }
        return out
    }
}
