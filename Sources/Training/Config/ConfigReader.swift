import Foundation
import Yams

/// One mapping of a YAML config, read key by key: every accessor validates type and range and names the dotted key
/// on failure; `finish()` rejects keys nobody asked for, listing the allowed ones.
public final class ConfigReader {
    /// The dotted path of this mapping ("" for the root).
    public let path: String
    let values: [String: Any]
    private var known: [String] = []
    private var children: [ConfigReader] = []

    init(path: String, values: [String: Any]) {
        self.path = path
        self.values = values
    }

    /// Parses YAML text whose top level must be a mapping.
    public static func parse(yaml: String) throws -> ConfigReader {
        let root = try load(yaml: yaml)
        guard let any = root else { return ConfigReader(path: "", values: [:]) }
        guard let dict = any as? [String: Any] else {
            throw TrainingError.config(key: "<root>", found: describe(any), expected: "a YAML mapping of sections")
        }
        return ConfigReader(path: "", values: dict)
    }

    public func key(_ k: String) -> String { path.isEmpty ? k : "\(path).\(k)" }

    /// The one YAML loader of configs: the node tree is checked before Yams builds values from it, because Yams
    /// traps (a crash, not an error) on a key that is itself a mapping or list (`? a: 1`), and a repeated key would
    /// silently replace the first.
    static func load(yaml: String) throws -> Any? {
        do {
            if let node = try Yams.compose(yaml: yaml) { try checkKeys(node, path: "") }
            return try Yams.load(yaml: yaml)
        } catch let e as TrainingError { throw e } catch {
            throw TrainingError.config(key: "<root>", found: "invalid YAML (\(error))", expected: "a YAML mapping of sections")
        }
    }

    /// Throws for the first key (at any depth) that is not a plain value or that a mapping repeats, naming its
    /// dotted path and lines.
    static func checkKeys(_ node: Node, path: String) throws {
        if let mapping = node.mapping {
            var seen: [String: Int] = [:]
            for (k, v) in mapping {
                let line = k.mark?.line ?? 0
                guard let name = k.scalar?.string else {
                    throw TrainingError.config(key: path.isEmpty ? "<root>" : path, found: "a key that is a mapping or list (line \(line))",
                                               expected: "plain keys (`name: value`)")
                }
                let dotted = path.isEmpty ? name : "\(path).\(name)"
                if let first = seen[name] {
                    throw TrainingError.config(key: dotted, found: "the key twice (lines \(first) and \(line))", expected: "each key once")
                }
                seen[name] = line
                try checkKeys(v, path: dotted)
            }
        } else if let sequence = node.sequence {
            for (i, v) in sequence.enumerated() { try checkKeys(v, path: "\(path)[\(i)]") }
        }
    }

    /// Whether the mapping holds `k` (with any value but null).
    public func has(_ k: String) -> Bool {
        if let v = values[k], !(v is NSNull) { return true }
        return false
    }

    private func raw(_ k: String) -> Any? {
        known.append(k)
        guard let v = values[k], !(v is NSNull) else { return nil }
        return v
    }

    /// Marks `k` as allowed without reading it (for keys only some configurations use).
    public func allow(_ keys: String...) { known += keys }

    static func describe(_ v: Any) -> String {
        switch v {
        case let s as String: return "'\(s)'"
        case let b as Bool: return "\(b)"
        case let i as Int: return "\(i)"
        case let d as Double: return "\(d)"
        case is [Any]: return "a list"
        case is [String: Any], is [AnyHashable: Any]: return "a mapping"
        default: return "\(v)"
        }
    }

    func fail(_ k: String, _ v: Any, _ expected: String) -> TrainingError {
        .config(key: key(k), found: Self.describe(v), expected: expected)
    }

    static func number(_ v: Any) -> Double? {
        if v is Bool { return nil }
        if let i = v as? Int { return Double(i) }
        if let d = v as? Double { return d }
        if let s = v as? String, let d = Double(s.trimmingCharacters(in: .whitespaces)) { return d }
        return nil
    }

    // MARK: scalars

    public func int(_ k: String, default def: Int, min lo: Int? = nil, max hi: Int? = nil) throws -> Int {
        try optionalInt(k, min: lo, max: hi) ?? def
    }

    public func optionalInt(_ k: String, min lo: Int? = nil, max hi: Int? = nil) throws -> Int? {
        guard let v = raw(k) else { return nil }
        guard let d = Self.number(v), d == d.rounded(), abs(d) < 1e15 else { throw fail(k, v, "an integer\(rangeText(lo, hi))") }
        let i = Int(d)
        if let lo, i < lo { throw fail(k, v, "an integer\(rangeText(lo, hi))") }
        if let hi, i > hi { throw fail(k, v, "an integer\(rangeText(lo, hi))") }
        return i
    }

    public func double(_ k: String, default def: Double, min lo: Double? = nil, max hi: Double? = nil,
                       exclusiveMin: Bool = false) throws -> Double {
        try optionalDouble(k, min: lo, max: hi, exclusiveMin: exclusiveMin) ?? def
    }

    public func optionalDouble(_ k: String, min lo: Double? = nil, max hi: Double? = nil, exclusiveMin: Bool = false) throws -> Double? {
        guard let v = raw(k) else { return nil }
        let expected = "a number" + rangeText(lo, hi, exclusiveMin: exclusiveMin)
        guard let d = Self.number(v), d.isFinite else { throw fail(k, v, expected) }
        if let lo, exclusiveMin ? d <= lo : d < lo { throw fail(k, v, expected) }
        if let hi, d > hi { throw fail(k, v, expected) }
        return d
    }

    public func bool(_ k: String, default def: Bool) throws -> Bool {
        guard let v = raw(k) else { return def }
        guard let b = v as? Bool else { throw fail(k, v, "true or false") }
        return b
    }

    public func string(_ k: String, default def: String, allowed: [String]? = nil) throws -> String {
        try optionalString(k, allowed: allowed) ?? def
    }

    public func optionalString(_ k: String, allowed: [String]? = nil) throws -> String? {
        guard let v = raw(k) else { return nil }
        let expected = allowed.map { "one of " + $0.joined(separator: ", ") } ?? "a string"
        guard let s = (v as? String) ?? ((v is Bool) ? nil : Self.number(v).map { _ in "\(v)" }) else { throw fail(k, v, expected) }
        if let allowed, !allowed.contains(s) { throw fail(k, v, expected) }
        return s
    }

    /// A required string.
    public func requiredString(_ k: String, allowed: [String]? = nil, meaning: String = "a string") throws -> String {
        guard let s = try optionalString(k, allowed: allowed) else {
            throw TrainingError.config(key: key(k), found: "nothing (the key is missing)",
                                       expected: allowed.map { "one of " + $0.joined(separator: ", ") } ?? meaning)
        }
        return s
    }

    // MARK: lists

    func list(_ k: String) throws -> [Any]? {
        guard let v = raw(k) else { return nil }
        guard let l = v as? [Any] else { throw fail(k, v, "a list") }
        return l
    }

    public func intList(_ k: String, default def: [Int]?, min lo: Int? = nil, count: ClosedRange<Int>? = nil) throws -> [Int]? {
        guard let l = try list(k) else { return def }
        let expected = "a list of integers\(rangeText(lo, nil))" + (count.map { " with \(countText($0)) entries" } ?? "")
        var out: [Int] = []
        for (i, v) in l.enumerated() {
            guard let d = Self.number(v), d == d.rounded(), abs(d) < 1e15, lo.map({ Int(d) >= $0 }) ?? true else {
                throw TrainingError.config(key: key(k) + "[\(i)]", found: Self.describe(v), expected: expected)
            }
            out.append(Int(d))
        }
        if let count, !count.contains(out.count) {
            throw TrainingError.config(key: key(k), found: "\(out.count) entries", expected: expected)
        }
        return out
    }

    public func doubleList(_ k: String, default def: [Double]?, count: ClosedRange<Int>? = nil) throws -> [Double]? {
        guard let l = try list(k) else { return def }
        let expected = "a list of numbers" + (count.map { " with \(countText($0)) entries" } ?? "")
        var out: [Double] = []
        for (i, v) in l.enumerated() {
            guard let d = Self.number(v), d.isFinite else {
                throw TrainingError.config(key: key(k) + "[\(i)]", found: Self.describe(v), expected: expected)
            }
            out.append(d)
        }
        if let count, !count.contains(out.count) {
            throw TrainingError.config(key: key(k), found: "\(out.count) entries", expected: expected)
        }
        return out
    }

    public func stringList(_ k: String, default def: [String]?, allowed: [String]? = nil) throws -> [String]? {
        guard let l = try list(k) else { return def }
        let expected = allowed.map { "one of " + $0.joined(separator: ", ") } ?? "a string"
        return try l.enumerated().map { i, v in
            guard let s = v as? String, allowed?.contains(s) ?? true else {
                throw TrainingError.config(key: key(k) + "[\(i)]", found: Self.describe(v), expected: expected)
            }
            return s
        }
    }

    // MARK: sections

    /// The nested mapping `k` (empty when absent); its unknown keys are reported by the parent's `finish()`.
    public func section(_ k: String) throws -> ConfigReader {
        let child: ConfigReader
        if let v = raw(k) {
            guard let d = v as? [String: Any] else { throw fail(k, v, "a mapping of keys") }
            child = ConfigReader(path: key(k), values: d)
        } else {
            child = ConfigReader(path: key(k), values: [:])
        }
        children.append(child)
        return child
    }

    /// Throws for the first key (here or in nested sections) that no accessor read.
    public func finish() throws {
        for k in values.keys.sorted() where !known.contains(k) {
            let allowed = Array(Set(known)).sorted()
            throw TrainingError.config(key: key(k), found: "an unknown key",
                                       expected: allowed.isEmpty ? "no keys here" : "one of " + allowed.joined(separator: ", "))
        }
        for c in children { try c.finish() }
    }

    /// Rejects a section that makes no sense in this kind of config.
    public func forbid(_ k: String, because reason: String) throws {
        if let v = values[k] {
            throw TrainingError.config(key: key(k), found: Self.describe(v), expected: "no '\(k)' \(reason)")
        }
    }

    private func rangeText<T: Comparable>(_ lo: T?, _ hi: T?, exclusiveMin: Bool = false) -> String {
        switch (lo, hi) {
        case let (l?, h?): return " in [\(l), \(h)]"
        case let (l?, nil): return exclusiveMin ? " > \(l)" : " >= \(l)"
        case let (nil, h?): return " <= \(h)"
        default: return ""
        }
    }

    private func countText(_ r: ClosedRange<Int>) -> String {
        r.lowerBound == r.upperBound ? "\(r.lowerBound)" : (r.upperBound == Int.max ? "at least \(r.lowerBound)" : "\(r.lowerBound) to \(r.upperBound)")
    }
}
