import CZMQ
import Foundation

/// A libzmq error: what was being done and zmq's own message.
public struct ZMQError: Error, CustomStringConvertible {
    public let description: String
    init(_ what: String) { description = "\(what): \(String(cString: zmq_strerror(zmq_errno())))" }
}

/// One ZeroMQ context per kernel; sockets are made from it and closed before it.
final class ZMQContext {
    let handle: UnsafeMutableRawPointer

    init() throws {
        guard let h = zmq_ctx_new() else { throw ZMQError("zmq_ctx_new") }
        handle = h
    }

    deinit { zmq_ctx_term(handle) }
}

/// A ZeroMQ socket sending and receiving multipart messages (frames of bytes). Not thread-safe, as zmq's sockets
/// are not: each is used from one thread, or under a lock.
final class ZMQSocket {
    let handle: UnsafeMutableRawPointer
    let name: String

    init(_ context: ZMQContext, type: Int32, name: String) throws {
        guard let h = zmq_socket(context.handle, type) else { throw ZMQError("zmq_socket (\(name))") }
        handle = h
        self.name = name
        var linger: Int32 = 1000   // a closing kernel still gets its last replies out, but never hangs
        zmq_setsockopt(h, ZMQ_LINGER, &linger, MemoryLayout<Int32>.size)
    }

    deinit { zmq_close(handle) }

    /// Binds to `endpoint` ("tcp://127.0.0.1:5555"); the error names the channel and the address.
    func bind(_ endpoint: String) throws {
        if zmq_bind(handle, endpoint) != 0 { throw ZMQError("cannot bind the \(name) channel to \(endpoint)") }
    }

    /// Sends the frames as one multipart message, retrying when a signal interrupts the call.
    func send(_ frames: [Data]) throws {
        for (i, frame) in frames.enumerated() {
            let flags: Int32 = i < frames.count - 1 ? ZMQ_SNDMORE : 0
            while true {
                let rc = frame.withUnsafeBytes { zmq_send(handle, $0.baseAddress, $0.count, flags) }
                if rc >= 0 { break }
                if zmq_errno() != EINTR { throw ZMQError("sending on the \(name) channel") }
            }
        }
    }

    /// Receives one whole multipart message (blocking), retrying when a signal interrupts the call.
    func receive() throws -> [Data] {
        var frames: [Data] = []
        while true {
            var msg = zmq_msg_t()
            zmq_msg_init(&msg)
            defer { zmq_msg_close(&msg) }
            while zmq_msg_recv(&msg, handle, 0) < 0 {
                if zmq_errno() != EINTR { throw ZMQError("receiving on the \(name) channel") }
            }
            frames.append(Data(bytes: zmq_msg_data(&msg), count: zmq_msg_size(&msg)))
            if zmq_msg_more(&msg) == 0 { return frames }
        }
    }

    /// Whether a message is waiting, after waiting up to `timeoutMs` (-1: forever).
    func poll(timeoutMs: Int) -> Bool {
        var item = zmq_pollitem_t(socket: handle, fd: 0, events: Int16(ZMQ_POLLIN), revents: 0)
        let rc = zmq_poll(&item, 1, timeoutMs)
        return rc > 0 && (item.revents & Int16(ZMQ_POLLIN)) != 0
    }
}
