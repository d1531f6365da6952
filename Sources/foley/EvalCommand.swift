import ArgumentParser
import Diffusion
import Foundation
import Metrics

/// `foley eval`: FAD, KL, IS, LSD, MCD, PESQ and text alignment (clap) between a folder of generated clips and a reference folder.
struct Eval: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Score generated audio against reference audio (FAD, KL, IS, LSD, MCD, PESQ) and against its captions (clap).",
        discussion: """
        Clips pair by file name without extension (gen/dog.wav with ref/dog.flac) for the paired metrics \
        (kl, lsd, mcd, pesq); fad and is use every readable clip. pesq (ITU-T P.862.2 wide band at 16 kHz, \
        for speech) runs only when named. Without --weights the backbone is `foley`: the shipped model's \
        contrastive audio encoder (384-d embeddings) with zero-shot classification over the corpus's nine sound \
        families, so FAD, KL and IS run with no download (its numbers compare only with other `foley` numbers). \
        `melstats` is a fixed log-mel statistics embedder (no model at all); vggish and cnn14 load published \
        weights: --backbone cnn14 --weights Cnn14.safetensors (the PANNs state dict saved as safetensors). clap scores each \
        generated clip against its caption (a same-named .json sidecar's "prompt", as foley generate writes, or a \
        .txt) in the audio-text space of --clap-model (default: the shipped model's contrastive model).
        """)

    @Option(help: "Folder of generated audio files.") var generated: String
    @Option(help: "Folder of reference audio files.") var reference: String
    @Option(help: "Comma-separated metrics: \(Metric.allCases.map(\.rawValue).joined(separator: ",")) (default: all the backbone and model support, except pesq).") var metrics: String?
    @Option(help: "Embedding backbone: foley (default: the shipped model's audio encoder), melstats, vggish or cnn14 (need --weights).") var backbone: String?
    @Option(help: "Backbone weights: a safetensors file of the torchvggish or PANNs state dict.") var weights: String?
    @Option(help: "Also write the report as JSON here (written atomically).") var json: String?
    @Option(help: "Model folder whose audio-text space scores clap and is the foley backbone (default: the shipped model).") var clapModel: String?

    func run() throws {
        let requested = try metrics.map { try Metric.parseList($0) }
        let fallback = weights != nil ? "cnn14" : (clapModel != nil || DefaultModel.locate() != nil) ? "foley" : "melstats"
        let model = try Self.backbone(named: backbone ?? fallback, weights: weights, modelFolder: clapModel)
        let scorer = try Self.scorer(clapModel, required: requested?.contains(.clap) == true)
        let report = try Evaluation.run(generated: generated, reference: reference, metrics: requested, backbone: model, scorer: scorer)
        print(report.table)
        if let json {
            try report.writeJSON(to: json)
            print("wrote \(json)")
        }
    }

    /// The model whose contrastive audio-text space scores clap; the shipped model when none is named.
    static func scorer(_ path: String?, required: Bool) throws -> AudioTextScorer? {
        guard let folder = path.map({ URL(fileURLWithPath: $0) }) ?? DefaultModel.locate() else {
            if required { throw ValidationError("--metrics clap needs --clap-model DIR (no shipped model found)") }
            return nil
        }
        let pipe = try TextToAudioPipeline.load(folder: folder)
        guard pipe.contrastive != nil else {
            if path != nil || required { throw ValidationError("--clap-model \(folder.path): this model has no contrastive audio-text model (contrastive/)") }
            return nil
        }
        return pipe
    }

    static func backbone(named name: String, weights: String?, modelFolder: String? = nil) throws -> AudioEmbedder {
        switch name.lowercased() {
        case "foley":
            guard weights == nil else { throw ValidationError("--weights: the foley backbone is the model folder's (--clap-model DIR)") }
            return try ContrastiveEmbedder(modelFolder: modelFolder)
        case "melstats":
            guard weights == nil else { throw ValidationError("--weights: melstats has no weights; pass --backbone vggish or cnn14 with them") }
            return try MelStatsEmbedder()
        case "vggish", "cnn14":
            guard let weights else {
                throw ValidationError("--backbone \(name) needs --weights FILE (its state dict as safetensors); leave both out for melstats")
            }
            return name.lowercased() == "vggish" ? try VGGish(weights: weights) : try CNN14(weights: weights)
        default:
            throw ValidationError("--backbone: unknown '\(name)' (expected foley, melstats, vggish or cnn14)")
        }
    }
}
