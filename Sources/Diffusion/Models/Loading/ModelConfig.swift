import Foundation

/// A config value diffusers accepts either as one integer (applied to every block) or as a per-block list.
public enum IntOrList: Codable, Equatable, Sendable {
    case int(Int)
    case list([Int])

    public init(from decoder: Decoder) throws {
        let c = try decoder.singleValueContainer()
        if let i = try? c.decode(Int.self) { self = .int(i); return }
        if let l = try? c.decode([Int].self) { self = .list(l); return }
        throw DecodingError.typeMismatch(IntOrList.self, .init(codingPath: decoder.codingPath,
                                                               debugDescription: "expected an integer or a list of integers"))
    }

    public func encode(to encoder: Encoder) throws {
        var c = encoder.singleValueContainer()
        switch self {
        case let .int(i): try c.encode(i)
        case let .list(l): try c.encode(l)
        }
    }

    /// One value per block: an integer repeated `count` times, or the list (whose length must be `count`).
    public func perBlock(_ count: Int, key: String) throws -> [Int] {
        switch self {
        case let .int(i): return Array(repeating: i, count: count)
        case let .list(l):
            guard l.count == count else {
                throw DiffusionError.invalidArgument(key, "has \(l.count) entries, expected one per block (\(count))")
            }
            return l
        }
    }
}

/// A config value given either as one boolean or as a per-block list.
public enum BoolOrList: Codable, Equatable, Sendable {
    case bool(Bool)
    case list([Bool])

    public init(from decoder: Decoder) throws {
        let c = try decoder.singleValueContainer()
        if let b = try? c.decode(Bool.self) { self = .bool(b); return }
        if let l = try? c.decode([Bool].self) { self = .list(l); return }
        throw DecodingError.typeMismatch(BoolOrList.self, .init(codingPath: decoder.codingPath,
                                                                debugDescription: "expected a boolean or a list of booleans"))
    }

    public func encode(to encoder: Encoder) throws {
        var c = encoder.singleValueContainer()
        switch self {
        case let .bool(b): try c.encode(b)
        case let .list(l): try c.encode(l)
        }
    }

    public func perBlock(_ count: Int, key: String) throws -> [Bool] {
        switch self {
        case let .bool(b): return Array(repeating: b, count: count)
        case let .list(l):
            guard l.count == count else {
                throw DiffusionError.invalidArgument(key, "has \(l.count) entries, expected one per block (\(count))")
            }
            return l
        }
    }
}

extension KeyedDecodingContainer {
    /// The value under `key`, or `fallback` when the key is absent or null (diffusers' defaults for old configs).
    func value<T: Decodable>(_ key: Key, or fallback: @autoclosure () -> T) throws -> T {
        try decodeIfPresent(T.self, forKey: key) ?? fallback()
    }
}

/// Decoding of reference-library JSON configs with errors that name the file and the offending key.
public enum ModelConfig {
    /// Decodes `type` from JSON `data`; `path` names the source in errors. Unknown keys are ignored.
    public static func decode<C: Decodable>(_ type: C.Type, from data: Data, path: String) throws -> C {
        do {
            return try JSONDecoder().decode(C.self, from: data)
        } catch let e as DecodingError {
            throw DiffusionError.file(path, describe(e))
        } catch let e as DiffusionError {
            throw DiffusionError.file(path, e.description)
        }
    }

    /// Reads and decodes a JSON config file.
    public static func read<C: Decodable>(_ type: C.Type, file: URL) throws -> C {
        let data: Data
        do { data = try Data(contentsOf: file) } catch {
            throw DiffusionError.file(file.path, FileManager.default.fileExists(atPath: file.path)
                                      ? "cannot read: \(error.localizedDescription)" : "no such file")
        }
        return try decode(type, from: data, path: file.path)
    }

    static func keyPath(_ path: [CodingKey]) -> String {
        var s = ""
        for k in path {
            if let i = k.intValue { s += "[\(i)]" } else { s += s.isEmpty ? k.stringValue : "." + k.stringValue }
        }
        return s.isEmpty ? "<root>" : s
    }

    static func describe(_ e: DecodingError) -> String {
        switch e {
        case let .typeMismatch(type, ctx):
            return "key '\(keyPath(ctx.codingPath))': expected \(typeName(type)) (\(ctx.debugDescription))"
        case let .valueNotFound(type, ctx):
            return "key '\(keyPath(ctx.codingPath))': expected \(typeName(type)), found null"
        case let .keyNotFound(key, ctx):
            return "missing key '\(keyPath(ctx.codingPath + [key]))'"
        case let .dataCorrupted(ctx):
            return ctx.codingPath.isEmpty ? "not valid JSON (\(ctx.debugDescription))"
                : "key '\(keyPath(ctx.codingPath))': \(ctx.debugDescription)"
        @unknown default:
            return "\(e)"
        }
    }

    static func typeName(_ t: Any.Type) -> String {
        switch t {
        case is Int.Type: return "an integer"
        case is Float.Type, is Double.Type: return "a number"
        case is String.Type: return "a string"
        case is Bool.Type: return "a boolean"
        case is IntOrList.Type: return "an integer or a list of integers"
        case is BoolOrList.Type: return "a boolean or a list of booleans"
        default:
            let n = String(describing: t)
            if n.hasPrefix("Array<") { return "a list" }
            if n.hasPrefix("Dictionary<") { return "an object" }
            return n
        }
    }
}

/// Range checks of config values at the door: each error names the key, the value and the valid range, so a
/// zero or negative size is refused before a model is built (a zero divisor there used to stop the process).
public enum ConfigRange {
    /// The largest channel count, block count or head count a config may ask for.
    public static let maxSize = 1 << 16

    public static func check(_ key: String, _ value: Int, in range: ClosedRange<Int>) throws {
        guard range.contains(value) else {
            throw DiffusionError.invalidArgument(key, "\(value) is out of range (expected \(range.lowerBound)...\(range.upperBound))")
        }
    }

    public static func check(_ key: String, _ values: [Int], in range: ClosedRange<Int>) throws {
        for (i, v) in values.enumerated() where !range.contains(v) {
            throw DiffusionError.invalidArgument(values.count == 1 ? key : "\(key)[\(i)]",
                                                 "\(v) is out of range (expected \(range.lowerBound)...\(range.upperBound))")
        }
    }

    /// A size: 1 up to `maxSize`.
    public static func size(_ key: String, _ value: Int) throws { try check(key, value, in: 1...maxSize) }
    public static func size(_ key: String, _ values: [Int]) throws { try check(key, values, in: 1...maxSize) }

    /// A finite float in `range` (bounds included unless `open`).
    public static func check(_ key: String, _ value: Float, in range: ClosedRange<Float>, open: Bool = false) throws {
        let inside = value.isFinite && range.contains(value) && !(open && (value == range.lowerBound || value == range.upperBound))
        guard inside else {
            let r = open ? "(\(range.lowerBound), \(range.upperBound))" : "[\(range.lowerBound), \(range.upperBound)]"
            throw DiffusionError.invalidArgument(key, "\(value) is out of range (expected a finite number in \(r))")
        }
    }

    /// Every channel count divisible by `groups` (GroupNorm's contract), groups checked first so no division by zero.
    public static func groups(_ key: String, _ groups: Int, channelsKey: String, _ channels: [Int]) throws {
        try size(key, groups)
        if let bad = channels.first(where: { $0 % groups != 0 }) {
            throw DiffusionError.invalidArgument(key, "\(groups) groups do not divide \(bad) channels of \(channelsKey)")
        }
    }
}
