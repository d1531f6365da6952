import Foundation

/// A read-only view of a parsed JSON value that remembers where it came from,
/// so every loading error can name the file and the key path at fault.
struct JSONNode {
    let value: JSONValue
    let file: String
    let path: String

    static func load(_ url: URL) throws -> JSONNode {
        let data: Data
        do {
            data = try Data(contentsOf: url)
        } catch {
            throw TextError.file(url.path, "cannot read the file (\(error.localizedDescription))")
        }
        return try parse(data, file: url.path)
    }

    static func parse(_ data: Data, file: String) throws -> JSONNode {
        do {
            return JSONNode(value: try JSONParser.parse([UInt8](data)), file: file, path: "")
        } catch let JSONParser.Failure.syntax(offset, message) {
            throw TextError.file(file, "expected valid JSON: \(message) at byte \(offset)")
        }
    }

    var isNull: Bool { if case .null = value { return true } else { return false } }
    var isArray: Bool { if case .array = value { return true } else { return false } }
    var stringValue: String? { if case let .string(s) = value { return s } else { return nil } }

    /// The member `key` (the last one if repeated), or nil when it is absent or JSON null.
    subscript(key: String) -> JSONNode? {
        guard case let .object(members) = value,
              let v = members.last(where: { $0.0.isIdentical(to: key) })?.1 else { return nil }
        if case .null = v { return nil }
        return JSONNode(value: v, file: file, path: path.isEmpty ? key : "\(path).\(key)")
    }

    func fail(_ expected: String) -> TextError {
        .file(file, "key '\(path.isEmpty ? "<root>" : path)': expected \(expected)")
    }

    func required(_ key: String) throws -> JSONNode {
        guard let v = self[key] else {
            throw TextError.file(file, "key '\(path.isEmpty ? key : "\(path).\(key)")' is missing")
        }
        return v
    }

    func string() throws -> String {
        guard case let .string(s) = value else { throw fail("a string") }
        return s
    }

    func int() throws -> Int {
        guard case let .int(i) = value else { throw fail("an integer") }
        return i
    }

    func double() throws -> Double {
        switch value {
        case let .int(i): return Double(i)
        case let .double(d): return d
        default: throw fail("a number")
        }
    }

    func bool() throws -> Bool {
        guard case let .bool(b) = value else { throw fail("a boolean") }
        return b
    }

    func array() throws -> [JSONNode] {
        guard case let .array(a) = value else { throw fail("an array") }
        return a.enumerated().map { JSONNode(value: $0.element, file: file, path: "\(path)[\($0.offset)]") }
    }

    /// Members in file order (nulls left out), keys kept exactly as written.
    func members() throws -> [(String, JSONNode)] {
        guard case let .object(members) = value else { throw fail("an object") }
        return members.compactMap { k, v in
            if case .null = v { return nil }
            return (k, JSONNode(value: v, file: file, path: path.isEmpty ? k : "\(path).\(k)"))
        }
    }

    func optionalString(_ key: String) throws -> String? { try self[key]?.string() }
    func optionalInt(_ key: String) throws -> Int? { try self[key]?.int() }
    func optionalBool(_ key: String) throws -> Bool? { try self[key]?.bool() }
    func bool(_ key: String, default d: Bool) throws -> Bool { try self[key]?.bool() ?? d }
    func string(_ key: String, default d: String) throws -> String { try self[key]?.string() ?? d }
}
