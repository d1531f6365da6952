import Tensors

/// One synthesized, captioned sound: 16 kHz mono samples, its caption and the parameters the caption states.
public struct Clip {
    /// Every corpus clip is 16 kHz mono: the rate the default model's mel front end expects.
    public static let sampleRate = 16_000

    public var samples: [Float]
    public var caption: String
    /// Family name plus every drawn parameter, as strings, for the manifest and for probe evaluation.
    public var params: [String: String]
    public var family: String

    public init(samples: [Float], caption: String, family: String, params: [String: String]) {
        self.samples = samples
        self.caption = caption
        self.family = family
        var p = params
        p["family"] = family
        self.params = p
    }

    public var duration: Double { Double(samples.count) / Double(Clip.sampleRate) }
}

/// A kind of sound the corpus synthesizes: draws its parameters from a generator and says them in words.
public protocol SoundFamily {
    /// The stable family name written to manifests ("tone", "beeps", ...).
    var name: String { get }
    /// Clip length in seconds; mixtures set it to half the clip for "X then Y".
    var seconds: Double { get set }
    /// Draws parameters from `rng` and renders one clip of exactly `seconds`, peak at most 0.9.
    /// Only speech can throw (espeak-ng missing or failing); synthesized families never do.
    func render(rng: RandomGenerator) throws -> Clip
}

extension SoundFamily {
    /// The sample count a clip of `seconds` has at 16 kHz.
    var sampleCount: Int { DSP.count(seconds) }
}

/// The standard family set, in the fixed order the corpus draws from (order matters for determinism).
public enum SoundFamilies {
    /// Every family; speech only when an espeak-ng is given, since it needs that binary.
    /// `recipe` picks the beeps' sampling: 1 the original, 2 uniform counts, 3 one rhythm, length and pitch per caption,
    /// 4 as 3 with a pitch word allowed in any caption; 5 also draws beep and tone pitches by stated form (low beeps,
    /// whole-hertz tones) and makes counted percussion hits common.
    public static func standard(seconds: Double = 4, espeak: Espeak?, recipe: Int = 1) -> [SoundFamily] {
        let beeps: SoundFamily = recipe >= 3
            ? ExactBeepFamily(seconds: seconds, pitchInAnyCaption: recipe >= 4, drawnPitch: recipe >= 5)
            : BeepFamily(seconds: seconds, uniformCounts: recipe >= 2)
        var all: [SoundFamily] = [
            ToneFamily(seconds: seconds, drawnPitch: recipe >= 5), ChordFamily(seconds: seconds), SweepFamily(seconds: seconds),
            beeps, NoiseFamily(seconds: seconds), PercussionFamily(seconds: seconds, countedHits: recipe >= 5),
            PluckFamily(seconds: seconds), TextureFamily(seconds: seconds),
        ]
        if let espeak { all.append(SpeechFamily(seconds: seconds, espeak: espeak)) }
        return all
    }
}
