import Foundation
import Tensors

/// How each corpus clip is drawn: a family (or a mixture of two), then effects, then a loudness level.
/// Every clip has its own generator seeded from (corpus seed, clip index), so clips can be made in any order,
/// skipped on a re-run, or remade alone, and still come out bit-identical.
public struct CorpusRecipe {
    public var seconds: Double
    /// The espeak-ng used for speech; nil leaves the speech family out.
    public var espeak: Espeak?
    public var mixtureProbability = 0.15
    public var effectProbability = 0.35
    /// How often a clip is made (and called) loud or quiet rather than left at the normal level.
    public var loudnessProbability = 0.25
    /// Which version of the families' sampling: 1 is the original; 2 draws beep counts uniformly; 3 also gives each
    /// beep caption one rhythm, beep length and pitch (`ExactBeepFamily`); 4 also lets a pitch word join any beep
    /// caption ("a high beep repeated three times"). A version never
    /// changes once shipped, so a corpus made with it (and every model trained on that corpus) can be remade.
    public var version: Int
    /// The family names to draw from (mixtures pair two of them); nil draws from every family.
    public var only: [String]?

    public static let versions = 1...4

    public init(seconds: Double = 4, espeak: Espeak?, version: Int = 1, only: [String]? = nil) {
        self.seconds = seconds
        self.espeak = espeak
        self.version = version
        self.only = only
    }

    public var families: [SoundFamily] {
        var all = SoundFamilies.standard(seconds: seconds, espeak: espeak, recipe: version)
        if let only { all = all.filter { only.contains($0.name) } }
        return all
    }

    /// Throws when the version is unknown or `only` names a family that does not exist (or is speech without espeak-ng).
    public func validate() throws {
        guard Self.versions.contains(version) else {
            throw CorpusError.invalidArgument("recipe", "must be \(Self.versions.lowerBound)-\(Self.versions.upperBound), got \(version)")
        }
        guard let only else { return }
        let known = SoundFamilies.standard(seconds: seconds, espeak: espeak).map(\.name)
        for name in only where !known.contains(name) {
            if name == "speech" {
                throw CorpusError.invalidArgument("families", "speech needs espeak-ng, which was not found (scripts/setup installs it)")
            }
            throw CorpusError.invalidArgument("families", "unknown family '\(name)'; expected some of \(known.joined(separator: ", "))")
        }
        guard !only.isEmpty else { throw CorpusError.invalidArgument("families", "must name at least one family") }
    }

    /// A well-mixed 64-bit seed for clip `index` of a corpus with `seed` (SplitMix64 finalizer over both), so
    /// neighbouring indices and neighbouring corpus seeds never share streams.
    public static func clipSeed(seed: UInt64, index: Int) -> UInt64 {
        func mix(_ v: UInt64) -> UInt64 {
            var x = v &+ 0x9E37_79B9_7F4A_7C15
            x = (x ^ (x >> 30)) &* 0xBF58_476D_1CE4_E5B9
            x = (x ^ (x >> 27)) &* 0x94D0_49BB_1331_11EB
            return x ^ (x >> 31)
        }
        return mix(mix(seed) ^ UInt64(truncatingIfNeeded: index))
    }

    /// Clip `index` of the corpus with `seed`: exactly `seconds` long, peak at most 0.9.
    public func clip(index: Int, seed: UInt64) throws -> Clip {
        let rng = RandomGenerator(seed: Self.clipSeed(seed: seed, index: index))
        let all = families
        var clip: Clip
        if rng.chance(mixtureProbability) && all.count >= 2 {
            clip = try MixtureFamily(parts: all, seconds: seconds).render(rng: rng)
        } else {
            clip = try rng.pick(all).render(rng: rng)
        }
        clip = Effects.decorate(clip, rng: rng, probability: effectProbability)
        clip = LoudnessLevel.apply(to: clip, rng: rng, statedProbability: loudnessProbability)
        let n = DSP.count(seconds)
        if clip.samples.count != n {
            clip.samples = Array(clip.samples.prefix(n)) + [Float](repeating: 0, count: max(0, n - clip.samples.count))
        }
        return clip
    }
}
