import Foundation

/// The one option schema of generation: every key a front door may set (Lua's `p:generate{...}` table by these
/// names; the command line by the same names with `-` for `_`), each with its help. The defaults are the stored
/// values of `GenerationOptions` (one table, read by the CLI's option group and by Lua alike).
public enum GenerationSchema {
    /// Every option by name, in the order the help lists them.
    public static let keys: [(name: String, help: String)] = [
        ("prompt", "what the sound should be (a string, or a table of strings)"),
        ("negative", "what it should not be (replaces the unconditional branch)"),
        ("steps", "denoising steps (default: the model's, else 50)"),
        ("guidance", "classifier-free guidance scale, 1 disables the second branch (default: the model's, else 3)"),
        ("sampler", "sampler name (default: the model's)"),
        ("eta", "DDIM eta (0 = deterministic); only the ddim sampler takes it"),
        ("seed", "random seed; output i uses seed + i"),
        ("seconds", "duration (default: the length the model was trained on)"),
        ("count", "outputs per prompt"),
        ("loudness", "target integrated loudness in LUFS"),
        ("temperature", "noise temperature (scales the initial and ancestral noise)"),
        ("from", "audio-to-audio: a reference recording"),
        ("strength", "how much of the reference to re-noise, 0...1"),
        ("keep", "inpainting: keep the reference between these seconds"),
        ("latents", "starting latents instead of seeded noise"),
        ("style", "a style vector (or a recording) mixed into the prompt's"),
        ("style_weight", "weight of style in the mix, 0...1"),
        ("candidates", "generate this many per output and keep the best by audio-text similarity"),
        ("on_step", "called after each step; returning false stops the run"),
    ]

    /// An option's help as a sentence, for the command line's `--help`.
    public static func help(_ name: String) -> String {
        guard let h = keys.first(where: { $0.name == name })?.help, let first = h.first else { return "" }
        return first.uppercased() + h.dropFirst() + "."
    }

    /// Throws for the first key (sorted) that is not among `known` (default: the generation options), naming it and
    /// the nearest known one, so a typo (`step=2`) is an error instead of a silent default.
    public static func check(_ given: [String], known: [String] = keys.map(\.name), what: String = "generation option") throws {
        let set = Set(known)
        guard let bad = given.sorted().first(where: { !set.contains($0) }) else { return }
        throw DiffusionError.invalidArgument(bad, "unknown \(what)" + suggestion(for: bad, among: known))
    }

    /// "; did you mean 'steps'?" for the candidate within a third of the key's length in edits, else "".
    public static func suggestion(for key: String, among names: [String]) -> String {
        let scored = names.map { ($0, editDistance(key, $0)) }
        guard let best = scored.min(by: { $0.1 < $1.1 }), best.1 <= max(2, key.count / 3) else { return "" }
        return "; did you mean '\(best.0)'?"
    }
}

/// Levenshtein distance (insertions, deletions and substitutions each cost 1), over Unicode scalars.
func editDistance(_ a: String, _ b: String) -> Int {
    let x = Array(a.unicodeScalars), y = Array(b.unicodeScalars)
    var row = Array(0...y.count)
    for i in 1...max(x.count, 1) where !x.isEmpty {
        var diagonal = row[0]
        row[0] = i
        for j in stride(from: 1, through: y.count, by: 1) {
            let above = row[j]
            row[j] = min(above + 1, row[j - 1] + 1, diagonal + (x[i - 1] == y[j - 1] ? 0 : 1))
            diagonal = above
        }
    }
    return row[y.count]
}
