import ArgumentParser
import Foundation
import Corpus

/// `foley corpus`: synthesize the procedural captioned sound corpus in the `preprocess` input layout.
struct CorpusCommand: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "corpus",
                                                    abstract: "Synthesize captioned clips (audio/, text/, manifest.jsonl).")

    @Option(help: "Output folder.") var out: String
    @Option(help: "Number of clips.") var count = 1000
    @Option(help: "Seed: the same seed gives the same bytes.") var seed: UInt64 = 0
    @Option(help: "Seconds per clip.") var seconds: Double = 4
    @Option(help: "Recipe version: 1 is the original sampling; 2 draws beep counts uniformly over 1-8; 3 also makes each beep caption name one rhythm, length and pitch; 4 also puts a pitch word in any beep caption; 5 (the default model's corpus) adds low and whole-hertz beep pitches, non-round tone pitches, counted clicks and knocks, more loud/quiet words and more \"X, then Y\" mixtures.") var recipe = 1
    @Option(help: "Comma-separated families to draw from (tone, chord, sweep, beeps, noise, percussion, pluck, texture, speech); default all.")
    var families: String?

    func run() throws {
        let bar = ProgressBar(total: count, label: "corpus")
        let summary = try Corpus.generate(outDir: URL(fileURLWithPath: out), count: count, seed: seed, seconds: seconds, version: recipe,
                                             only: families.map { $0.split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) } }) { event in
            switch event {
            case let .notice(m): FileHandle.standardError.write(Data("corpus: \(m)\n".utf8))
            case let .clip(index, total, _): bar.update(index + 1, total: total)
            }
        }
        bar.finish()
        print("wrote \(summary.written), skipped \(summary.skipped) existing; manifest \(summary.manifest)")
    }
}
