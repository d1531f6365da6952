import Audio
import Diffusion
import CLua
import Foundation
import Metrics
import Tensors
import Training

// Lua bindings of the Metrics module: `foley.metrics.fad`, `kl`, `inception_score`, `lsd`, `mcd`,
// `melstats`, `eval` and `embedder`, and the `Embedder` userdata (a backbone: melstats, VGGish or
// CNN14). Embeddings and probabilities are tensors; clips are Audio values.

/// An embedding backbone held by Lua.
public final class EmbedderObject: LuaObject {
    public static var luaTypeName: String { "Embedder" }
    public let model: AudioEmbedder
    public init(_ model: AudioEmbedder) { self.model = model }
}

public enum MetricsBindings {
    /// The samples of an Audio argument (mixed to mono) and its rate.
    static func clip(_ lua: Lua, _ i: Int32) throws -> (samples: [Float], rate: Int) {
        let b = try lua.audio(i).buffer.mixedToMono()
        return (b.samples, b.sampleRate)
    }

    /// The mono samples of an Audio argument at `rate` (soxr when its rate differs).
    static func samples(_ lua: Lua, _ i: Int32, at rate: Int) throws -> [Float] {
        let (x, r) = try clip(lua, i)
        return r == rate ? x : try Resample.resample(x, from: r, to: rate)
    }

    /// Two paired clips at the first one's rate.
    static func pair(_ lua: Lua) throws -> (x: [Float], y: [Float], rate: Int) {
        let x = try clip(lua, 1)
        return (x.samples, try samples(lua, 2, at: x.rate), x.rate)
    }

    public static func register(_ lua: LuaState) {
        lua.register(library: "metrics", help: "foley.metrics: FAD, KL, Inception Score, LSD and MCD for judging generated audio.", [
            LuaFunction("fad", """
            fad(a, b) -> number
            Fréchet distance between the Gaussians of two embedding sets, tensors [count, dim] (FAD).
            """) { lua in
                lua.push(try FrechetDistance.distance(lua.tensor(1), lua.tensor(2)))
                return 1
            },
            LuaFunction("kl", """
            kl(p_ref, p_gen[, variant = 'softmax']) -> number
            KL(p_ref || p_gen) of paired class probabilities [clips, classes], summed over classes and
            averaged over clips; variant 'sigmoid' sums per-class Bernoulli KLs (multi-label taggers).
            """) { lua in
                let name = try lua.optString(3) ?? "softmax"
                guard let variant = ClassifierScores.Variant(rawValue: name) else {
                    throw lua.argError(3, "'softmax' or 'sigmoid' expected, got '\(name)'")
                }
                lua.push(try ClassifierScores.klDivergence(reference: lua.tensor(1), generated: lua.tensor(2), variant: variant))
                return 1
            },
            LuaFunction("inception_score", """
            inception_score(p[, splits = 1]) -> mean, std
            exp(E[KL(p(y|x) || p(y))]) of softmax rows [clips, classes], over `splits` consecutive parts.
            """) { lua in
                let (mean, std) = try ClassifierScores.inceptionScore(lua.tensor(1), splits: lua.optInteger(2, 1))
                lua.push(mean)
                lua.push(std)
                return 2
            },
            LuaFunction("lsd", """
            lsd(x, y) -> number
            Log-spectral distance of two paired Audio clips (STFT power, n_fft 2048, hop 512), cut to the shorter.
            """) { lua in
                let (x, y, _) = try pair(lua)
                lua.push(try SpectralDistance.logSpectralDistance(x, y))
                return 1
            },
            LuaFunction("mcd", """
            mcd(x, y) -> number
            Mel-cepstral distance in dB of two paired Audio clips (80 slaney mels, coefficients 1-13).
            """) { lua in
                let (x, y, rate) = try pair(lua)
                lua.push(try SpectralDistance.melCepstralDistance(x, y, sampleRate: rate))
                return 1
            },
            LuaFunction("melstats", """
            melstats(a) -> Tensor
            The fixed `melstats` embedding [1, 256] of an Audio clip (log-mel band means, stds and their deltas', at 16 kHz).
            """) { lua in
                let (samples, rate) = try clip(lua, 1)
                lua.push(try MelStatsEmbedder().embed(rate == 16000 ? samples : Resample.resample(samples, from: rate, to: 16000)))
                return 1
            },
            LuaFunction("embedder", """
            embedder([name = 'melstats'[, weights or pipe]]) -> Embedder
            A backbone: 'melstats' (no weights), 'vggish' or 'cnn14' with their state dict as a safetensors file,
            or 'foley' (a Pipeline's contrastive audio encoder with zero-shot sound-family classes; default: the
            shipped model).
            """) { lua in
                let name = try lua.optString(1) ?? "melstats"
                let model: AudioEmbedder
                if name == "foley" {
                    if let p = try lua.optObject(2, as: PipelineObject.self) {
                        lua.push(EmbedderObject(try ContrastiveEmbedder(pipeline: p.pipeline)))
                    } else {
                        lua.push(EmbedderObject(try ContrastiveEmbedder(modelFolder: nil)))
                    }
                    return 1
                }
                let weights = try lua.optString(2)
                switch name {
                case "melstats": model = try MelStatsEmbedder()
                case "vggish", "cnn14":
                    guard let weights else { throw lua.argError(2, "weights file expected for \(name) (its state dict as safetensors)") }
                    model = name == "vggish" ? try VGGish(weights: weights) : try CNN14(weights: weights)
                default: throw lua.argError(1, "'foley', 'melstats', 'vggish' or 'cnn14' expected, got '\(name)'")
                }
                lua.push(EmbedderObject(model))
                return 1
            },
            LuaFunction("eval", """
            eval(generated_dir, reference_dir[, metrics[, embedder[, pipe]]]) -> table
            What `foley eval` computes: metric name -> value, plus counts (generated, reference, paired,
            skipped); metrics is a string such as 'fad,lsd,clap' (default: all the embedder and pipe support),
            the embedder defaults to melstats; clap (text alignment) scores in pipe's audio-text space.
            """) { lua in
                let metrics = try lua.optString(3).map { try Metric.parseList($0) }
                let backbone = try lua.optObject(4, as: EmbedderObject.self)?.model ?? MelStatsEmbedder()
                let scorer = try lua.optObject(5, as: PipelineObject.self)?.pipeline
                let r = try Evaluation.run(generated: lua.string(1), reference: lua.string(2), metrics: metrics, backbone: backbone,
                                           scorer: scorer?.contrastive == nil ? nil : scorer)
                lua_createtable(lua.L, 0, 8)
                for (k, v) in r.metrics { lua.setField(-1, k) { lua.push(v) } }
                lua.setField(-1, "generated") { lua.push(r.generatedCount) }
                lua.setField(-1, "reference") { lua.push(r.referenceCount) }
                lua.setField(-1, "paired") { lua.push(r.pairedCount) }
                lua.setField(-1, "skipped") { lua.push(r.skipped.count) }
                return 1
            },
            LuaFunction("probes", """
            probes(pipe[, {per_kind = 2, steps = 50, guidance = 3, seed = 42, seconds = 4, classifier = dir}]) -> accuracy, text
            (steps and guidance default to the model's own, else 50 and 3)
            What `foley eval-probes` computes: a Pipeline's accuracy per probe kind (pitch, note, register, count,
            noise_color, loudness, duration, order, family) on held-out phrasings, and the printed table (model beside
            references). Order and family are read by the contrastive model of the folder `classifier` (default: the
            shipped model's) and skipped when there is none.
            """) { lua in
                let pipe = try lua.pipeline(1).pipeline
                let hasOptions = lua.isTable(2)
                try lua.checkOptionKeys(2, ["per_kind", "steps", "guidance", "seed", "seconds", "classifier"], what: "probes option")
                let d = pipe.defaults
                func opt(_ key: String, _ def: Int) throws -> Int { hasOptions ? try lua.field(2, key) { try lua.optInteger($0, def) } : def }
                let guidance = hasOptions ? try lua.field(2, "guidance") { try lua.optNumber($0, Double(d.guidanceScale)) } : Double(d.guidanceScale)
                let seconds = hasOptions ? try lua.field(2, "seconds") { try lua.optNumber($0, 4) } : 4
                let seed = hasOptions ? try lua.field(2, "seed") { try lua.optInteger($0) }.map { UInt64(bitPattern: Int64($0)) } ?? d.seed : d.seed
                let probes = try ProbeSet.make(perKind: try opt("per_kind", 2), seed: seed, seconds: seconds)
                let folder = hasOptions ? try lua.field(2, "classifier") { try lua.optString($0) } : nil
                let report = try ProbeEvaluation(pipeline: pipe, steps: try opt("steps", d.steps), guidanceScale: Float(guidance), seed: seed,
                                                 classifier: try ProbeLabeler.classifier(folder: folder).classifier)
                    .run(probes) { _, _ in !Interrupt.requested }
                lua_createtable(lua.L, 0, Int32(ProbeKind.allCases.count))
                for kind in ProbeKind.allCases { if let a = report.accuracy(kind) { lua.setField(-1, kind.rawValue) { lua.push(a) } } }
                lua.push(report.table)
                return 2
            },
        ])
        lua.register(type: EmbedderObject.self, help: """
        Embedder: an audio embedding backbone (fields name, rate, dim); clips are resampled to its rate.
        """, methods: [
            LuaMethod("embed", """
            e:embed(a) -> Tensor
            Embeddings [windows, dim] of an Audio clip mixed to mono (VGGish: one per 0.96 s; others: one row).
            """) { lua, e in
                lua.push(try e.model.embed(samples(lua, 2, at: e.model.sampleRate)))
                return 1
            },
            LuaMethod("classify", """
            e:classify(a) -> embedding, probabilities
            A classifier's clip embedding [1, dim] and class probabilities [1, classes] (CNN14: 527 AudioSet tags).
            """) { lua, e in
                guard let c = e.model as? AudioClassifier else {
                    throw LuaRuntimeError("\(e.model.name) only embeds; classify needs a classifier (foley.metrics.embedder('cnn14', weights))")
                }
                let (emb, probs) = try c.classify(samples(lua, 2, at: c.sampleRate))
                lua.push(emb)
                lua.push(probs)
                return 2
            },
        ], metamethods: [
            fieldIndex(EmbedderObject.self, [
                "name": { lua, e in lua.push(e.model.name) },
                "rate": { lua, e in lua.push(e.model.sampleRate) },
                "dim": { lua, e in lua.push(e.model.embeddingSize) },
            ]),
            LuaFunction("__tostring") { lua in
                let m = try lua.object(1, as: EmbedderObject.self).model
                lua.push("Embedder(\(m.name), \(m.embeddingSize)-d, \(m.sampleRate) Hz)")
                return 1
            },
        ])
    }
}
