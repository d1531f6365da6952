import Foundation
import Tensors

/// How each corpus clip is drawn: a family (or a mixture of two), then effects, then a loudness level.
/// Every clip has its own generator seeded from (corpus seed, clip index), so clips can be made in any order,
/// skipped on a re-run, or remade alone, and still come out bit-identical.
public struct CorpusRecipe {
    public var seconds: Double
    /// The espeak-ng used for speech; nil leaves the speech family out.
    public var espeak: Espeak?
    /// How often a clip is two families ("X while Y" or "X, then Y"): 0.15, or 0.25 from version 5.
    public var mixtureProbability: Double
    /// How often a mixture is "X, then Y" rather than "X while Y": 1/2, or 2/3 from version 5.
    public var sequentialProbability: Double
    public var effectProbability = 0.35
    /// How often a clip is made (and called) loud or quiet rather than left at the normal level: 0.25, or 0.35
    /// (with more varied words, `LoudnessLevel.apply`'s `variedPhrasing`) from version 5.
    public var loudnessProbability: Double
    /// Which version of the families' sampling: 1 is the original; 2 draws beep counts uniformly; 3 also gives each
    /// beep caption one rhythm, beep length and pitch (`ExactBeepFamily`); 4 also lets a pitch word join any beep
    /// caption ("a high beep repeated three times"); 5 is the default model's corpus, made to follow pitch, count,
    /// loudness and order: beep pitches a quarter each unstated, a register word (low 180 Hz too), whole hertz
    /// log-uniform in 150-3000 and a note name D3-C7; tone pitches stated 40% in hertz (mostly whole numbers
    /// log-uniform in 70-3200, not only round ones), 30% as a note, 30% as a register; counted kicks, snares, clicks
    /// and knocks (1-8) the commonest percussion; more and more varied loud/quiet words; more mixtures, two thirds of
    /// them "X, then Y"; and beeps, tones and percussion drawn twice as often as each other family
    /// (`weightedFamilies`). The three rates above are set from the version at init. A version never changes once
    /// shipped, so a corpus made with it (and every model trained on that corpus) can be remade.
    public var version: Int
    /// The family names to draw from (mixtures pair two of them); nil draws from every family.
    public var only: [String]?

    public static let versions = 1...5
    /// The families version 5 lists twice: their captions carry most of the measurable attributes.
    public static let doubledFamilies = ["tone", "beeps", "percussion"]

    public init(seconds: Double = 4, espeak: Espeak?, version: Int = 1, only: [String]? = nil) {
        self.seconds = seconds
        self.espeak = espeak
        self.version = version
        self.only = only
        mixtureProbability = version >= 5 ? 0.25 : 0.15
        sequentialProbability = version >= 5 ? 2.0 / 3 : 0.5
        loudnessProbability = version >= 5 ? 0.35 : 0.25
    }

    public var families: [SoundFamily] {
        var all = SoundFamilies.standard(seconds: seconds, espeak: espeak, recipe: version)
        if let only { all = all.filter { only.contains($0.name) } }
        return all
    }

    /// The families a clip (and each part of a mixture) is drawn from: `families`, with `doubledFamilies` listed
    /// twice from version 5.
    public var weightedFamilies: [SoundFamily] {
        let all = families
        guard version >= 5 else { return all }
        return all + all.filter { Self.doubledFamilies.contains($0.name) }
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
        let all = weightedFamilies
        var clip: Clip
        if rng.chance(mixtureProbability) && Set(all.map(\.name)).count >= 2 {
            clip = try MixtureFamily(parts: all, seconds: seconds, sequentialProbability: sequentialProbability).render(rng: rng)
        } else {
            clip = try rng.pick(all).render(rng: rng)
        }
        clip = Effects.decorate(clip, rng: rng, probability: effectProbability)
        clip = LoudnessLevel.apply(to: clip, rng: rng, statedProbability: loudnessProbability, variedPhrasing: version >= 5)
        let n = DSP.count(seconds)
        if clip.samples.count != n {
            clip.samples = Array(clip.samples.prefix(n)) + [Float](repeating: 0, count: max(0, n - clip.samples.count))
        }
        return clip
    }
}
