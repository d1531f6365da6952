import Foundation

/// A metric `foley eval` can compute.
public enum Metric: String, CaseIterable, Codable, Sendable {
    case fad, kl, `is`, lsd, mcd, pesq
    /// Text alignment: cosine between each clip and its caption in a contrastive audio-text space.
    case clap

    /// Whether the metric compares generated and reference clips of the same name.
    public var needsPairs: Bool { self == .kl || self == .lsd || self == .mcd || self == .pesq }
    /// Whether `foley eval` computes it when no metrics are named. PESQ only means something for
    /// speech, so it runs when asked for.
    public var isDefault: Bool { self != .pesq }
    /// Whether the metric needs class probabilities (a classifier backbone).
    public var needsClassifier: Bool { self == .kl || self == .is }
    /// Whether the metric needs an audio-text model and captions.
    public var needsScorer: Bool { self == .clap }

    /// Parses "fad,kl,is"; names the unknown entry.
    public static func parseList(_ text: String) throws -> [Metric] {
        try text.split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) }.filter { !$0.isEmpty }.map { s in
            guard let m = Metric(rawValue: s.lowercased()) else {
                throw MetricsError.invalidArgument("--metrics", "unknown metric '\(s)' (expected some of \(allCases.map(\.rawValue).joined(separator: ",")))")
            }
            return m
        }
    }
}
