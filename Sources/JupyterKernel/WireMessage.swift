import Crypto
import Foundation

/// A message that cannot be read off the wire, and why.
public struct WireError: Error, CustomStringConvertible {
    public let description: String
    init(_ description: String) { self.description = description }
}

/// HMAC-SHA256 signatures of messages, keyed by the connection file's `key` (an empty key signs nothing).
public struct MessageSigner {
    let key: SymmetricKey?

    public init(key: String) { self.key = key.isEmpty ? nil : SymmetricKey(data: Data(key.utf8)) }

    /// The hex digest of the header, parent header, metadata and content frames, in that order.
    public func signature(_ parts: [Data]) -> String {
        guard let key else { return "" }
        var mac = HMAC<SHA256>(key: key)
        for p in parts { mac.update(data: p) }
        return Data(mac.finalize()).map { String(format: "%02x", $0) }.joined()
    }

    /// Whether `signature` (hex) signs the parts; compared in constant time.
    public func verify(_ signature: String, _ parts: [Data]) -> Bool {
        guard let key else { return true }
        guard let code = Data(hex: signature) else { return false }
        var joined = Data()
        for p in parts { joined.append(p) }
        return HMAC<SHA256>.isValidAuthenticationCode(code, authenticating: joined, using: key)
    }
}

extension Data {
    /// Bytes from lower- or upper-case hex; nil if `hex` is not hex.
    init?(hex: String) {
        guard hex.count % 2 == 0 else { return nil }
        var out = Data(capacity: hex.count / 2)
        var it = hex.utf8.makeIterator()
        while let a = it.next(), let b = it.next() {
            guard let hi = Data.nibble(a), let lo = Data.nibble(b) else { return nil }
            out.append(hi << 4 | lo)
        }
        self = out
    }

    static func nibble(_ c: UInt8) -> UInt8? {
        switch c {
        case 48...57: return c - 48
        case 97...102: return c - 87
        case 65...70: return c - 55
        default: return nil
        }
    }
}

/// One Jupyter message (protocol 5.3) as it travels: routing identities, then `<IDS|MSG>`, the signature, the
/// four JSON dicts and any binary buffers.
public struct WireMessage {
    public static let delimiter = Data("<IDS|MSG>".utf8)
    public static let protocolVersion = "5.3"

    public var identities: [Data] = []
    public var header: [String: Any] = [:]
    public var parentHeader: [String: Any] = [:]
    public var metadata: [String: Any] = [:]
    public var content: [String: Any] = [:]
    public var buffers: [Data] = []

    public init(identities: [Data] = [], header: [String: Any], parentHeader: [String: Any] = [:],
                metadata: [String: Any] = [:], content: [String: Any] = [:]) {
        self.identities = identities
        self.header = header
        self.parentHeader = parentHeader
        self.metadata = metadata
        self.content = content
    }

    public var msgType: String { header["msg_type"] as? String ?? "" }

    /// A new header of `type` in `session`, with a fresh id and the current time.
    public static func header(type: String, session: String, username: String = "foley") -> [String: Any] {
        ["msg_id": UUID().uuidString.lowercased(), "session": session, "username": username, "date": timestamp(),
         "msg_type": type, "version": protocolVersion]
    }

    /// ISO 8601 with microseconds and a Z, as Jupyter writes dates.
    static func timestamp(_ date: Date = Date()) -> String {
        var t = time_t(date.timeIntervalSince1970)
        var parts = tm()
        gmtime_r(&t, &parts)
        let micros = Int((date.timeIntervalSince1970 - Double(t)) * 1e6)
        return String(format: "%04d-%02d-%02dT%02d:%02d:%02d.%06dZ", parts.tm_year + 1900, parts.tm_mon + 1, parts.tm_mday,
                      parts.tm_hour, parts.tm_min, parts.tm_sec, max(0, min(999_999, micros)))
    }

    static func json(_ object: [String: Any]) throws -> Data {
        guard JSONSerialization.isValidJSONObject(object) else { throw WireError("a message part is not valid JSON: \(object)") }
        return try JSONSerialization.data(withJSONObject: object, options: [.sortedKeys])
    }

    /// The frames to send, signed by `signer`.
    public func frames(signer: MessageSigner) throws -> [Data] {
        let parts = [try WireMessage.json(header), try WireMessage.json(parentHeader), try WireMessage.json(metadata),
                     try WireMessage.json(content)]
        return identities + [WireMessage.delimiter, Data(signer.signature(parts).utf8)] + parts + buffers
    }

    /// Reads frames received on `channel`, checking the signature; errors say what was wrong.
    public static func parse(_ frames: [Data], signer: MessageSigner, channel: String = "shell") throws -> WireMessage {
        guard let d = frames.firstIndex(of: delimiter) else {
            throw WireError("a message on \(channel) has no <IDS|MSG> delimiter (\(frames.count) frames)")
        }
        guard frames.count >= d + 6 else {
            throw WireError("a message on \(channel) has \(frames.count - d - 1) frames after <IDS|MSG> (expected at least 5)")
        }
        let parts = Array(frames[(d + 2)...(d + 5)])
        guard signer.verify(String(decoding: frames[d + 1], as: UTF8.self), parts) else {
            throw WireError("a message on \(channel) has a bad signature (is the connection file's key the client's?)")
        }
        func dict(_ data: Data, _ name: String) throws -> [String: Any] {
            guard let o = try? JSONSerialization.jsonObject(with: data), let m = o as? [String: Any] else {
                throw WireError("a message on \(channel) has a \(name) that is not a JSON object")
            }
            return m
        }
        var m = WireMessage(identities: Array(frames[..<d]), header: try dict(parts[0], "header"),
                            parentHeader: try dict(parts[1], "parent header"), metadata: try dict(parts[2], "metadata"),
                            content: try dict(parts[3], "content"))
        m.buffers = Array(frames[(d + 6)...])
        return m
    }
}
