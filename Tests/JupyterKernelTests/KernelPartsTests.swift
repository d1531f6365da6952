@testable import JupyterKernel
import Audio
import Foundation
import LuaHost
import XCTest

/// The kernel's pure parts: the connection file, the kernelspec, is_complete, the MIME bundles, the progress bar.
final class KernelPartsTests: XCTestCase {
    func testConnectionFileIsReadAndCheckedByKey() throws {
        let json = #"{"shell_port": 5001, "iopub_port": 5002, "stdin_port": 5003, "control_port": 5004, "hb_port": 5005,"#
            + #" "ip": "127.0.0.1", "key": "k", "transport": "tcp", "signature_scheme": "hmac-sha256", "kernel_name": "foley"}"#
        let c = try ConnectionInfo(json: Data(json.utf8), path: "c.json")
        XCTAssertEqual(c.shellPort, 5001)
        XCTAssertEqual(c.hbPort, 5005)
        XCTAssertEqual(c.key, "k")
        XCTAssertEqual(c.endpoint(c.controlPort), "tcp://127.0.0.1:5004")
        XCTAssertThrowsError(try ConnectionInfo(json: Data(#"{"shell_port": 1}"#.utf8), path: "c.json")) {
            XCTAssertEqual("\($0)", "connection file c.json: no 'iopub_port' (expected a port number)")
        }
        let bad = json.replacingOccurrences(of: "\"hmac-sha256\"", with: "\"hmac-md5\"")
        XCTAssertThrowsError(try ConnectionInfo(json: Data(bad.utf8), path: "c.json")) {
            XCTAssertEqual("\($0)", "connection file c.json: 'signature_scheme' is 'hmac-md5' (expected 'hmac-sha256')")
        }
        XCTAssertThrowsError(try ConnectionInfo(contentsOf: "/nonexistent/kernel-1.json")) {
            XCTAssertTrue("\($0)".hasPrefix("connection file /nonexistent/kernel-1.json: cannot be read"), "\($0)")
        }
    }

    func testKernelSpecFoldersAndJSON() throws {
        XCTAssertEqual(KernelSpec.kernelsFolder(.user, environment: ["HOME": "/home/a"]), "/home/a/.local/share/jupyter/kernels")
        XCTAssertEqual(KernelSpec.kernelsFolder(.user, environment: ["JUPYTER_DATA_DIR": "/d"]), "/d/kernels")
        XCTAssertEqual(KernelSpec.kernelsFolder(.prefix("/venv")), "/venv/share/jupyter/kernels")
        let spec = try JSONSerialization.jsonObject(with: try KernelSpec.json(executable: "/bin/foley")) as! [String: Any]
        XCTAssertEqual(spec["argv"] as? [String], ["/bin/foley", "kernel", "--connection-file", "{connection_file}"])
        XCTAssertEqual(spec["display_name"] as? String, "Foley (Lua)")
        XCTAssertEqual(spec["interrupt_mode"] as? String, "signal")
        let logo = KernelSpec.logo(size: 64)
        XCTAssertEqual(logo.width, 64)
        XCTAssertEqual(logo[0, 0].0, 28, "background in the corner")
        XCTAssertEqual(logo[32, 32].0, 255, "waveform through the middle")
        XCTAssertThrowsError(try KernelSpec.remove(at: .prefix("/nonexistent"))) {
            XCTAssertTrue("\($0)".hasPrefix("no Foley kernelspec in /nonexistent/share/jupyter/kernels/foley"), "\($0)")
        }
    }

    func testIsCompleteFollowsTheLuaPrompt() {
        let repl = Repl(lua: .foley(), reader: nil, interactive: false)
        XCTAssertEqual(repl.completeness(of: "1 + 1"), .complete)
        XCTAssertEqual(repl.completeness(of: "x = 1"), .complete)
        XCTAssertEqual(repl.completeness(of: "function f()"), .incomplete)
        XCTAssertEqual(repl.completeness(of: "s = [[long"), .incomplete)
        XCTAssertEqual(repl.completeness(of: "x = = 1"), .invalid)
        XCTAssertEqual(repl.completeness(of: "=1 +"), .incomplete)
        XCTAssertEqual(repl.completeness(of: ":help zeros"), .complete)
        XCTAssertEqual(repl.completeness(of: ""), .complete)
    }

    func testAudioBundleIsPlayerSpectrogramAndText() throws {
        let n = 1600
        let clip = AudioClip(try AudioBuffer(mono: (0..<n).map { sin(Float($0) * 0.3) * 0.5 }, sampleRate: 16000))
        let b = try DisplayBundle.bundle(for: clip)
        XCTAssertEqual(Set(b.keys), ["text/plain", "text/html", "image/png"])
        XCTAssertEqual(b["text/plain"], "Audio(0.100 s, 16000 Hz, mono, 1600 samples)")
        let html = b["text/html"]!
        XCTAssertTrue(html.hasPrefix("<div class=\"foley-audio\"><audio controls preload=\"metadata\" src=\"data:audio/wav;base64,"), html)
        XCTAssertTrue(html.hasSuffix("<br><img alt=\"spectrogram\" src=\"data:image/png;base64,\(b["image/png"]!)\"></div>"))
        let base64 = html.split(separator: ",")[1].prefix(while: { $0 != "\"" })
        let wav = Data(base64Encoded: String(base64))!
        XCTAssertEqual(Array(wav.prefix(4)), Array("RIFF".utf8))
        XCTAssertEqual(wav.count, 44 + 2 * n, "16-bit PCM")
        let png = Data(base64Encoded: b["image/png"]!)!
        XCTAssertEqual(Array(png.prefix(8)), [0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A])
    }

    func testProgressDrawsThenUpdatesOneDisplay() throws {
        var p = ProgressDisplay()
        let (t1, c1) = try XCTUnwrap(p.update(label: "generate", done: 1, total: 4))
        XCTAssertEqual(t1, "display_data")
        XCTAssertEqual((c1["data"] as? [String: String])?["text/plain"], "generate [#######.......................] 1/4")
        XCTAssertNil(p.update(label: "generate", done: 2, total: 4), "redraws at most ten times a second")
        let (t4, c4) = try XCTUnwrap(p.update(label: "generate", done: 4, total: 4))
        XCTAssertEqual(t4, "update_display_data")
        let id = (c1["transient"] as? [String: String])?["display_id"]
        XCTAssertNotNil(id)
        XCTAssertEqual((c4["transient"] as? [String: String])?["display_id"], id)
        XCTAssertEqual((c4["data"] as? [String: String])?["text/plain"], "generate [##############################] 4/4")
        p.finish()
        XCTAssertEqual(p.update(label: "generate", done: 1, total: 4)?.0, "display_data", "a new run draws a new bar")
    }

    func testNotebookExportsAndReadsIpynb() throws {
        let nb = Notebook()
        nb.begin(code: "print(1)")
        nb.record("1\n")
        nb.end()
        nb.begin(code: "x = 2")
        nb.end()
        let doc = try JSONSerialization.jsonObject(with: Data(try nb.ipynb().utf8)) as! [String: Any]
        XCTAssertEqual(doc["nbformat"] as? Int, 4)
        let cells = doc["cells"] as! [[String: Any]]
        XCTAssertEqual(cells.map { $0["source"] as? String }, ["print(1)", "x = 2"])
        let out = (cells[0]["outputs"] as! [[String: Any]])[0]
        XCTAssertEqual(out["output_type"] as? String, "stream")
        XCTAssertEqual(out["text"] as? String, "1\n")
        XCTAssertEqual(try Notebook.codeCells(ipynb: Data(try nb.ipynb().utf8), name: "s.ipynb"), ["print(1)", "x = 2"])
        let lines = ##"{"cells": [{"cell_type": "markdown", "source": "# t"}, {"cell_type": "code", "source": ["a = 1\n", "b = 2"]}]}"##
        XCTAssertEqual(try Notebook.codeCells(ipynb: Data(lines.utf8), name: "l.ipynb"), ["a = 1\nb = 2"])
        XCTAssertThrowsError(try Notebook.codeCells(ipynb: Data("[1]".utf8), name: "bad.ipynb")) {
            XCTAssertEqual("\($0)", "bad.ipynb: not a Jupyter notebook (expected a JSON object)")
        }
    }
}
