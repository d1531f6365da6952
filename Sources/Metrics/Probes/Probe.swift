import Corpus
import Foundation
import Tensors

/// What a probe prompt asks for that can be measured from the audio alone.
public enum ProbeKind: String, CaseIterable, Codable, Sendable {
    /// A tone's pitch asked in Hz (YIN fundamental within a semitone).
    case pitch
    /// A tone's pitch asked as a note name ("F#4"); expected is the note's Hz, scored as `pitch` is.
    case note
    /// A tone asked low, mid or high: the YIN fundamental's band (`PitchWords.register`) must be the asked one.
    case register
    /// How many beeps, clicks, knocks or drum strokes (separate events counted on the energy envelope).
    case count
    /// White, pink or brown noise (long-term spectral slope 0, -3 or -6 dB per octave).
    case noiseColor = "noise_color"
    /// The same prompt said loud and said quiet: the loud one must measure at least `ProbeScoring.loudnessMargin` LU louder.
    case loudness
    /// The requested length in seconds, to the sample.
    case duration
    /// "X, followed by Y": the zero-shot classifier must put the first half in X's family and the second in Y's.
    case order
    /// A single family's held-out caption: the zero-shot classifier's top label for the clip must be that family.
    case family

    /// Kinds scored on a zero-shot classifier's labels; without a classifier they are skipped.
    public var needsClassifier: Bool { self == .order || self == .family }
}

/// One probe: a prompt phrased unlike any training caption, the answer it asks for, and a reference clip
/// synthesized with exactly those parameters (so the measurement itself can be checked).
public struct Probe: Sendable {
    public var kind: ProbeKind
    public var caption: String
    /// The quiet twin of a loudness probe (`caption` is the loud one).
    public var quietCaption: String?
    /// The asked value as text: Hz, a register, a count, a color name, "loud>quiet", seconds, "X>Y" families in turn,
    /// or a family.
    public var expected: String
    public var seconds: Double
    /// The reference rendering (for loudness, the loud reference; `quietReference` the quiet one).
    public var reference: [Float]
    public var quietReference: [Float]?
    public var params: [String: String]

    public init(kind: ProbeKind, caption: String, quietCaption: String? = nil, expected: String, seconds: Double,
                reference: [Float], quietReference: [Float]? = nil, params: [String: String] = [:]) {
        self.kind = kind
        self.caption = caption
        self.quietCaption = quietCaption
        self.expected = expected
        self.seconds = seconds
        self.reference = reference
        self.quietReference = quietReference
        self.params = params
    }
}

