import Foundation
import Tensors

/// What `foley eval` found and measured; written as JSON.
public struct EvaluationReport: Codable, Sendable {
    /// Per pair of same-named clips: the paired metrics that were computed.
    public struct Pair: Codable, Sendable {
        public let name: String
        public var lsd: Double?
        public var mcd: Double?
        public var pesq: Double?
    }

    public var generatedDirectory: String
    public var referenceDirectory: String
    public var backbone: String
    public var generatedCount: Int
    public var referenceCount: Int
    public var pairedCount: Int
    /// Unreadable or ambiguous files in either folder, and clips the backbone refused (too short).
    public var skipped: [EvaluationSet.Skipped]
    /// Readable clip names present on one side only (left out of paired metrics).
    public var unpairedGenerated: [String]
    public var unpairedReference: [String]
    /// Metric name -> value: fad, kl (with kl_variant), is and is_std, lsd, mcd, pesq (means over pairs).
    public var metrics: [String: Double]
    public var klVariant: String?
    /// Requested metrics that could not be computed, with why.
    public var notComputed: [String: String]
    public var pairs: [Pair]
    /// Each captioned generated clip's text-alignment score (clap), by name.
    public var clipTextAlignment: [String: Double]? = nil
}

// How an evaluation is shown: a plain-text table for the terminal and JSON written atomically.
extension EvaluationReport {
    /// Metrics first, then counts, then what was left out and why.
    public var table: String {
        var lines = ["metric   value        (backbone \(backbone))"]
        let order = ["fad", "kl", "is", "is_std", "lsd", "mcd", "pesq", "clap", "clap_rank1"]
        for key in order {
            if let v = metrics[key] {
                let note = key == "kl" ? "  (\(klVariant ?? "") variant, \(pairedCount) pairs)"
                    : key == "lsd" || key == "mcd" ? "  (mean of \(pairedCount) pairs)"
                    : key == "clap" ? "  (mean cosine to the caption, \(clipTextAlignment?.count ?? 0) captioned clips)"
                    : key == "clap_rank1" ? String(format: "  (own caption ranked first; chance %.3f)", metrics["clap_rank1_chance"] ?? 0)
                    : key == "pesq" ? "  (P.862.2 wide band at 16 kHz, mean of \(pairs.filter { $0.pesq != nil }.count) pairs)" : ""
                let row = key.padding(toLength: 9, withPad: " ", startingAt: 0) + String(format: "%-12.6g", v) + note
                lines.append(row.replacingOccurrences(of: "\\s+$", with: "", options: .regularExpression))
            } else if let why = notComputed[key] {
                lines.append(key.padding(toLength: 9, withPad: " ", startingAt: 0) + "-            not computed: " + why)
            }
        }
        lines.append("files: \(generatedCount) generated, \(referenceCount) reference, \(pairedCount) paired by name, \(skipped.count) skipped")
        if !unpairedGenerated.isEmpty { lines.append("unpaired generated: " + unpairedGenerated.joined(separator: ", ")) }
        if !unpairedReference.isEmpty { lines.append("unpaired reference: " + unpairedReference.joined(separator: ", ")) }
        // Read errors already start with the path.
        for s in skipped { lines.append("skipped " + (s.reason.hasPrefix(s.path) ? s.reason : "\(s.path): \(s.reason)")) }
        return lines.joined(separator: "\n")
    }

    /// Pretty, key-sorted JSON.
    public func jsonData() throws -> Data {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
        encoder.keyEncodingStrategy = .convertToSnakeCase
        return try encoder.encode(self)
    }

    /// Writes the JSON through a temporary file and a rename, so a reader never sees half a report.
    public func writeJSON(to path: String) throws {
        try AtomicFile.write(jsonData(), to: path)
    }
}
