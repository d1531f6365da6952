import Foundation
import Tensors

// How an evaluation is shown: a plain-text table for the terminal and JSON written atomically.
extension EvaluationReport {
    /// Metrics first, then counts, then what was left out and why.
    public var table: String {
        var lines = ["metric   value        (backbone \(backbone))"]
        let order = ["fad", "kl", "is", "is_std", "lsd", "mcd"]
        for key in order {
            if let v = metrics[key] {
                let note = key == "kl" ? "  (\(klVariant ?? "") variant, \(pairedCount) pairs)"
                    : key == "lsd" || key == "mcd" ? "  (mean of \(pairedCount) pairs)" : ""
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
