import Foundation

/// What is wrong with a kernel's connection file, naming the file and the key.
public struct ConnectionFileError: Error, CustomStringConvertible {
    public let description: String
    init(_ path: String, _ problem: String) { description = "connection file \(path): \(problem)" }
}

/// The connection file Jupyter writes for a kernel it starts: where the five channels listen and how
/// messages are signed.
public struct ConnectionInfo: Equatable {
    public var transport = "tcp"
    public var ip = "127.0.0.1"
    public var shellPort = 0, iopubPort = 0, stdinPort = 0, controlPort = 0, hbPort = 0
    /// The HMAC key; empty means messages are not signed.
    public var key = ""
    public var signatureScheme = "hmac-sha256"

    public init() {}

    /// Reads and checks `path`; every missing or mistyped key is an error naming it and what was expected.
    public init(contentsOf path: String) throws {
        guard let data = FileManager.default.contents(atPath: path) else {
            throw ConnectionFileError(path, "cannot be read (Jupyter passes it as --connection-file {connection_file})")
        }
        try self.init(json: data, path: path)
    }

    public init(json data: Data, path: String) throws {
        guard let object = try? JSONSerialization.jsonObject(with: data), let d = object as? [String: Any] else {
            throw ConnectionFileError(path, "is not a JSON object")
        }
        func port(_ key: String) throws -> Int {
            guard let v = d[key] else { throw ConnectionFileError(path, "no '\(key)' (expected a port number)") }
            guard let n = v as? Int, (0...65535).contains(n) else {
                throw ConnectionFileError(path, "'\(key)' is \(v) (expected a port number in 0...65535)")
            }
            return n
        }
        func string(_ key: String, default def: String) throws -> String {
            guard let v = d[key] else { return def }
            guard let s = v as? String else { throw ConnectionFileError(path, "'\(key)' is \(v) (expected a string)") }
            return s
        }
        shellPort = try port("shell_port")
        iopubPort = try port("iopub_port")
        stdinPort = try port("stdin_port")
        controlPort = try port("control_port")
        hbPort = try port("hb_port")
        transport = try string("transport", default: "tcp")
        guard transport == "tcp" || transport == "ipc" else {
            throw ConnectionFileError(path, "'transport' is '\(transport)' (expected 'tcp' or 'ipc')")
        }
        ip = try string("ip", default: "127.0.0.1")
        key = try string("key", default: "")
        signatureScheme = try string("signature_scheme", default: "hmac-sha256")
        guard signatureScheme == "hmac-sha256" else {
            throw ConnectionFileError(path, "'signature_scheme' is '\(signatureScheme)' (expected 'hmac-sha256')")
        }
    }

    /// The ZeroMQ address of a channel's port: tcp://ip:port, or ipc's ip-port file.
    public func endpoint(_ port: Int) -> String {
        transport == "ipc" ? "ipc://\(ip)-\(port)" : "tcp://\(ip):\(port)"
    }
}
