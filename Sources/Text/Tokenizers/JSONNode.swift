import Foundation

/// A read-only view of a parsed JSON value that remembers where it came from,
/// so every loading error can name the file and the key path at fault.
struct JSONNode {
    let value: Any
    let file: String
    let path: String

    static func load(_ url: URL) throws -> JSONNode {
        let data: Data
        do {
            data = try Data(contentsOf: url)
        } catch {
            throw TextError.file(url.path, "cannot read the file (\(error.localizedDescription))")
        }
        let parsed: Any
        do {
            parsed = try JSONSerialization.jsonObject(with: data, options: [.fragmentsAllowed])
        } catch {
            throw TextError.file(url.path, "expected valid JSON (\(error.localizedDescription))")
        }
        return JSONNode(value: parsed, file: url.path, path: "")
    }

    var isNull: Bool { value is NSNull }

    /// The member `key`, or nil when it is absent or JSON null.
    subscript(key: String) -> JSONNode? {
        guard let dict = value as? [String: Any], let v = dict[key], !(v is NSNull) else { return nil }
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
        guard let s = value as? String else { throw fail("a string") }
        return s
    }

    func int() throws -> Int {
        // JSONSerialization yields NSNumber; reject booleans and fractions so a wrong type is reported.
        guard let n = value as? NSNumber, !Self.isBoolean(n) else { throw fail("an integer") }
        let d = n.doubleValue
        guard d == d.rounded(), abs(d) < 9e15 else { throw fail("an integer") }
        return n.intValue
    }

    func double() throws -> Double {
        guard let n = value as? NSNumber else { throw fail("a number") }
        return n.doubleValue
    }

    func bool() throws -> Bool {
        guard let n = value as? NSNumber, Self.isBoolean(n) else { throw fail("a boolean") }
        return n.boolValue
    }

    /// JSONSerialization returns true/false as a private NSNumber subclass; its name is the only portable tell.
    private static func isBoolean(_ n: NSNumber) -> Bool {
        String(describing: type(of: n)).contains("Boolean")
    }

    func array() throws -> [JSONNode] {
        guard let a = value as? [Any] else { throw fail("an array") }
        return a.enumerated().map { JSONNode(value: $0.element, file: file, path: "\(path)[\($0.offset)]") }
    }

    /// Members in file order is not recoverable from JSONSerialization, so callers that care sort by value.
    func object() throws -> [String: JSONNode] {
        guard let d = value as? [String: Any] else { throw fail("an object") }
        var out: [String: JSONNode] = [:]
        for (k, v) in d where !(v is NSNull) {
            out[k] = JSONNode(value: v, file: file, path: path.isEmpty ? k : "\(path).\(k)")
        }
        return out
    }

    func optionalString(_ key: String) throws -> String? { try self[key]?.string() }
    func optionalInt(_ key: String) throws -> Int? { try self[key]?.int() }
    func optionalBool(_ key: String) throws -> Bool? { try self[key]?.bool() }
    func bool(_ key: String, default d: Bool) throws -> Bool { try self[key]?.bool() ?? d }
    func string(_ key: String, default d: String) throws -> String { try self[key]?.string() ?? d }
}
