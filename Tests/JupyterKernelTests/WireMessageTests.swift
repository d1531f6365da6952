@testable import JupyterKernel
import Foundation
import XCTest

/// Signing and framing of Jupyter messages, against digests Python's hmac computed.
final class WireMessageTests: XCTestCase {
    let key = "a0436f6c-1916-498b-8eb9-e81ab9368e84"
    let parts = [#"{"msg_id":"1"}"#, "{}", "{}", #"{"code":"1 + 1"}"#].map { Data($0.utf8) }

    func testSignatureMatchesPythonHmac() {
        // hmac.new(key, digestmod=hashlib.sha256) updated with the four parts, as jupyter_client's Session signs.
        let signer = MessageSigner(key: key)
        XCTAssertEqual(signer.signature(parts), "d3c99d67933892712e457ad78a2f875ebc30dd19138702a41ac312f86de8e702")
        XCTAssertTrue(signer.verify("d3c99d67933892712e457ad78a2f875ebc30dd19138702a41ac312f86de8e702", parts))
        XCTAssertTrue(signer.verify("D3C99D67933892712E457AD78A2F875EBC30DD19138702A41AC312F86DE8E702", parts))
        XCTAssertFalse(signer.verify("d3c99d67933892712e457ad78a2f875ebc30dd19138702a41ac312f86de8e703", parts))
        XCTAssertFalse(signer.verify("not hex", parts))
        XCTAssertEqual(MessageSigner(key: "").signature(parts), "", "an empty key signs nothing")
    }

    func testFramesRoundTripWithIdentitiesAndBuffers() throws {
        let signer = MessageSigner(key: key)
        var m = WireMessage(identities: [Data("client-1".utf8)], header: ["msg_id": "7", "msg_type": "execute_request"],
                            parentHeader: [:], metadata: ["a": 1], content: ["code": "print(1)", "silent": false])
        m.buffers = [Data([1, 2, 3])]
        let frames = try m.frames(signer: signer)
        XCTAssertEqual(frames.count, 1 + 1 + 1 + 4 + 1)
        XCTAssertEqual(frames[1], WireMessage.delimiter)
        XCTAssertEqual(String(decoding: frames[3], as: UTF8.self), #"{"msg_id":"7","msg_type":"execute_request"}"#)
        XCTAssertEqual(String(decoding: frames[2], as: UTF8.self), signer.signature(Array(frames[3...6])))
        let back = try WireMessage.parse(frames, signer: signer)
        XCTAssertEqual(back.identities, [Data("client-1".utf8)])
        XCTAssertEqual(back.msgType, "execute_request")
        XCTAssertEqual(back.content["code"] as? String, "print(1)")
        XCTAssertEqual(back.metadata["a"] as? Int, 1)
        XCTAssertEqual(back.buffers, [Data([1, 2, 3])])
    }

    func testBadMessagesAreNamedErrors() throws {
        let signer = MessageSigner(key: key)
        let good = try WireMessage(header: ["msg_type": "kernel_info_request"]).frames(signer: signer)
        var tampered = good
        tampered[4] = Data(#"{"x":1}"#.utf8)
        XCTAssertThrowsError(try WireMessage.parse(tampered, signer: signer, channel: "control")) {
            XCTAssertEqual("\($0)", "a message on control has a bad signature (is the connection file's key the client's?)")
        }
        XCTAssertThrowsError(try WireMessage.parse(Array(good.dropFirst()), signer: signer)) {
            XCTAssertEqual("\($0)", "a message on shell has no <IDS|MSG> delimiter (5 frames)")
        }
        XCTAssertThrowsError(try WireMessage.parse(Array(good.prefix(4)), signer: signer)) {
            XCTAssertEqual("\($0)", "a message on shell has 3 frames after <IDS|MSG> (expected at least 5)")
        }
    }

    func testHeaderHasProtocolFields() {
        let h = WireMessage.header(type: "status", session: "s1")
        XCTAssertEqual(h["version"] as? String, "5.3")
        XCTAssertEqual(h["msg_type"] as? String, "status")
        XCTAssertEqual(h["session"] as? String, "s1")
        XCTAssertEqual(WireMessage.timestamp(Date(timeIntervalSince1970: 1_700_000_000.25)), "2023-11-14T22:13:20.250000Z")
    }
}
