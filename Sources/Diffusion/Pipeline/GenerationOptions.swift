import Audio
import Foundation
import Tensors
import Text

/// Everything one call to `TextToAudioPipeline.generate` can be asked for (the seed's controls). The stored
/// values are the one defaults table of every front door: `foley generate`, `foley eval-probes` and Lua's
/// `p:generate` all start from `GenerationOptions.defaults` (names and help in `GenerationSchema`).
public struct GenerationOptions {
    /// The defaults every front door starts from.
    public static let defaults = GenerationOptions()

    public var prompts: [String] = []
    /// One negative prompt for all, or one per prompt; replaces the unconditional branch (as diffusers does).
    public var negativePrompts: [String] = []
    /// Precomputed conditioning instead of text (rows per prompt); `negativeEmbeddings` likewise.
    public var promptEmbeddings: ConditioningEmbeddings?
    public var negativeEmbeddings: ConditioningEmbeddings?
    public var guidanceScale: Float = 3
    public var steps = 50
    public var sampler: String?
    /// Sampler options by name: only `eta`, which only DDIM takes (any other sampler makes it an error).
    public var samplerOptions: [String: Float] = [:]
    public var seed: UInt64 = 42
    /// Outputs per prompt; output j of prompt i uses seed + i * count + j.
    public var count = 1
    /// Output length; nil generates the model's trained length (`defaultSeconds`, diffusers' `audio_length_in_s=None`).
    public var seconds: Double?
    /// Scales the initial and the ancestral noise (1 = as trained).
    public var noiseTemperature: Float = 1
    /// Target integrated loudness of each output in LUFS (nil = untouched).
    public var loudness: Double?
    /// Audio-to-audio: a reference waveform at the model's rate, and how much of it to re-noise (0...1).
    public var reference: [Float]?
    /// Channels of `reference`, interleaved when more than one (a stereo model keeps a stereo reference's channels).
    public var referenceChannels = 1
    public var strength: Float = 0.6
    /// Inpainting/continuation: keep the reference in this time range (seconds) and generate the rest.
    public var keepRange: ClosedRange<Double>?
    /// Mixes a style vector into the pooled conditioning: (1 - w) * text + w * style.
    public var style: Tensor?
    public var styleWeight: Float = 0.5
    /// CLAP-style reranking: generate this many candidates per output and keep the one whose audio best matches its
    /// prompt in the model's audio-text space (1 = no reranking). Candidate k of output r uses seed + k * outputs + r.
    public var candidates = 1
    /// Starting latents instead of seeded noise (diffusers' `latents=`), scaled by the sampler's init sigma.
    public var latents: Tensor?

    public init(prompt: String = "") { if !prompt.isEmpty { prompts = [prompt] } }

    /// The valid range of every numeric option, by its schema name (the command line's and Lua's).
    public enum Range {
        public static let steps = 1...10_000
        public static let count = 1...256
        public static let candidates = 1...64
        /// Up to ten minutes: longer asks for more memory than the machines this runs on have (the UNet's
        /// activations grow with the length), and `--seconds 1e9` used to end in a failed allocation.
        public static let seconds = 0.0...600.0
        public static let guidance: ClosedRange<Float> = 0...100
        public static let strength: ClosedRange<Float> = 0...1
        public static let temperature: ClosedRange<Float> = 0...10
        /// Integrated loudness in LUFS: -70 is EBU R 128's absolute gate, 0 full scale.
        public static let loudness = -70.0...0.0
        public static let styleWeight: ClosedRange<Float> = 0...1
    }

    static func outOfRange(_ name: String, _ value: Any, _ range: String) -> DiffusionError {
        .invalidArgument(name, "\(value) is out of range (expected \(range))")
    }

    /// Checks ranges and names the offending option, its value and the valid range.
    public func validate() throws {
        let r = Range.self
        guard r.steps.contains(steps) else { throw Self.outOfRange("steps", steps, "an integer in 1...10000") }
        guard r.count.contains(count) else { throw Self.outOfRange("count", count, "an integer in 1...256") }
        guard r.candidates.contains(candidates) else { throw Self.outOfRange("candidates", candidates, "an integer in 1...64") }
        if let seconds, !(seconds > 0 && seconds <= r.seconds.upperBound) {
            throw Self.outOfRange("seconds", seconds, "a duration in (0, 600] seconds")
        }
        guard r.guidance.contains(guidanceScale) else { throw Self.outOfRange("guidance", guidanceScale, "a number in [0, 100]") }
        guard r.strength.contains(strength) else { throw Self.outOfRange("strength", strength, "a number in [0, 1]") }
        guard noiseTemperature > 0, noiseTemperature <= r.temperature.upperBound else {
            throw Self.outOfRange("temperature", noiseTemperature, "a number in (0, 10]")
        }
        if let loudness, !r.loudness.contains(loudness) {
            throw Self.outOfRange("loudness", loudness, "a loudness in [-70, 0] LUFS")
        }
        guard r.styleWeight.contains(styleWeight) else { throw Self.outOfRange("style_weight", styleWeight, "a number in [0, 1]") }
        if let eta = samplerOptions["eta"], !(0...1).contains(eta) { throw Self.outOfRange("eta", eta, "a number in [0, 1]") }
        // Output i uses seed + i: the last seed must not wrap past 2^64 - 1 back to 0.
        let outputs = UInt64(max(batchPrompts, 1) * count * candidates)
        if seed > UInt64.max - (outputs - 1) {
            throw Self.outOfRange("seed", seed, "at most \(UInt64.max - (outputs - 1)), so that the \(outputs) outputs' seeds seed...seed+\(outputs - 1) do not wrap")
        }
        if prompts.isEmpty && promptEmbeddings == nil {
            throw DiffusionError.invalidArgument("prompt", "expected a prompt or prompt embeddings")
        }
        if !negativePrompts.isEmpty && negativePrompts.count != 1 && negativePrompts.count != batchPrompts {
            throw DiffusionError.invalidArgument("negative", "expected 1 or \(batchPrompts) negative prompts, got \(negativePrompts.count)")
        }
        if keepRange != nil && reference == nil {
            throw DiffusionError.invalidArgument("keep", "inpainting needs a reference recording")
        }
    }

    var batchPrompts: Int { promptEmbeddings?.count ?? prompts.count }
}

/// Conditioning for a batch: token states + mask for cross-attention and/or one pooled vector per row, and the
/// prompts' `PromptAttributes` features for a model that reads them.
public struct ConditioningEmbeddings {
    public var tokens: Tensor?
    public var mask: Tensor?
    public var pooled: Tensor?
    /// [B, PromptAttributes.featureSize]: fed to the class embedding after the pooled vector.
    public var attributes: Tensor?
    public init(tokens: Tensor? = nil, mask: Tensor? = nil, pooled: Tensor? = nil, attributes: Tensor? = nil) {
        self.tokens = tokens
        self.mask = mask
        self.pooled = pooled
        self.attributes = attributes
    }
    var count: Int { pooled?.shape[0] ?? tokens?.shape[0] ?? 0 }

    /// The class embedding's input: the pooled vector, then the attribute features when there are any. Style mixing and
    /// audio-embedding swaps act on `pooled` alone, so the numbers a prompt states survive them.
    public var classLabels: Tensor? {
        get throws {
            guard let pooled else { return nil }
            guard let attributes else { return pooled }
            return try Tensor.concat([pooled, attributes], axis: 1)
        }
    }

    /// These rows with the features of a prompt that states nothing where they carry none (embeddings passed in), for
    /// a model that reads prompt attributes.
    func withAttributes() -> ConditioningEmbeddings {
        guard attributes == nil, pooled != nil else { return self }
        var c = self
        c.attributes = Tensor.zeros([count, PromptAttributes.featureSize])
        return c
    }

    /// Rows `idx` of every part, token states cut to the longest real length among them, so padding
    /// added for other rows never reaches (and never perturbs) these.
    func rows(_ idx: [Int]) throws -> ConditioningEmbeddings {
        var t = try tokens?.indexSelect(axis: 0, idx), m = try mask?.indexSelect(axis: 0, idx)
        if let mt = m, let tt = t {
            let n = mt.shape[1]
            var longest = 0
            for r in 0..<mt.shape[0] { for j in 0..<n where mt.pointer[r * n + j] != 0 { longest = max(longest, j + 1) } }
            if longest < n {
                t = try tt.slice(axis: 1, start: 0, end: max(longest, 1))
                m = try mt.slice(axis: 1, start: 0, end: max(longest, 1))
            }
        }
        return ConditioningEmbeddings(tokens: t, mask: m, pooled: try pooled?.indexSelect(axis: 0, idx),
                                      attributes: try attributes?.indexSelect(axis: 0, idx))
    }

    /// Two batches joined (the unconditional rows first, as diffusers concatenates them).
    static func joined(_ a: ConditioningEmbeddings, _ b: ConditioningEmbeddings) throws -> ConditioningEmbeddings {
        func cat(_ x: Tensor?, _ y: Tensor?) throws -> Tensor? {
            guard let x, let y else { return nil }
            if x.rank == 3 && x.shape[1] != y.shape[1] {
                // Token states of different lengths: pad the shorter with zeros (its mask hides them).
                let n = max(x.shape[1], y.shape[1])
                return try Tensor.concat([x.pad([0, 0, 0, n - x.shape[1]]), y.pad([0, 0, 0, n - y.shape[1]])], axis: 0)
            }
            if x.rank == 2 && x.shape[1] != y.shape[1] {
                let n = max(x.shape[1], y.shape[1])
                return try Tensor.concat([x.pad([0, n - x.shape[1]]), y.pad([0, n - y.shape[1]])], axis: 0)
            }
            return try Tensor.concat([x, y], axis: 0)
        }
        return ConditioningEmbeddings(tokens: try cat(a.tokens, b.tokens), mask: try cat(a.mask, b.mask), pooled: try cat(a.pooled, b.pooled),
                                      attributes: try cat(a.attributes, b.attributes))
    }
}

/// What the pipeline reports after each denoising step; return false from the callback to cancel.
public struct StepProgress {
    public let step: Int
    public let totalSteps: Int
    public let timestep: Float
    public let latents: Tensor
}

/// The generated audio and what produced it.
public struct GenerationResult {
    /// One waveform per output, prompt-major (prompt 0's outputs first), interleaved when `channels` > 1.
    public var waveforms: [[Float]]
    public var sampleRate: Int
    public var seeds: [UInt64]
    public var latents: Tensor
    /// The decoded log-mel [B, frames, mels], for spectrogram pictures.
    public var logMel: Tensor
    /// Channels per output; `waveforms` are interleaved when there are several (Stable Audio's stereo).
    public var channels = 1
    /// With reranking: each kept output's audio-text similarity, and every candidate's, output-major.
    public var scores: [Float]?
    public var candidateScores: [[Float]]?
    /// What the output check found worth saying (a silent output), for the front door to print.
    public var warnings: [String] = []

    /// Output `i` as one channel: itself, or the mix of its interleaved channels (measurements read one channel).
    public func monoWaveform(_ i: Int) throws -> [Float] {
        channels == 1 ? waveforms[i]
            : try AudioBuffer(sampleRate: sampleRate, channels: channels, interleaved: waveforms[i]).mixedToMono().samples
    }
}
