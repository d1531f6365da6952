import LuaHost
import XCTest

/// The REPL on a pseudo-terminal: libedit editing, completion, history, Ctrl-C.
final class LineReaderTests: XCTestCase {
    var history = ""

    func start() throws -> PtySession {
        history = try temporaryDirectory(self).appendingPathComponent("history").path
        let s = try PtySession(environment: ["FOLEY_HISTORY": history])
        s.expect("> ")
        return s
    }

    func quit(_ s: PtySession, file: StaticString = #filePath, line: UInt = #line) {
        s.send(":quit\r")
        XCTAssertEqual(s.waitForExit(), 0, file: file, line: line)
    }

    func testTabCompletesFieldsAndMethods() throws {
        let s = try start()
        // libedit redraws only what completion added.
        s.send("foley.ten\t")
        s.expect("sor.")
        s.send("zeros(2)\r")
        s.expect("[Tensor of size 2]")
        s.expect("> ")
        s.send("t = foley.tensor.ones(3)\r")
        s.expect("> ")
        s.send("t:resh\t")
        s.expect("ape(")
        s.send("3, 1)\r")
        s.expect("[Tensor of size 3x1]")
        s.expect("> ")
        quit(s)
    }

    func testMultiLineEntryAndExpressions() throws {
        let s = try start()
        s.send("for i = 1, 3 do\r")
        s.expect(">> ")
        s.send("print(i * 11)\r")
        s.expect(">> ")
        s.send("end\r")
        s.expect("11\r\n22\r\n33\r\n")
        s.expect("> ")
        s.send("=1+1\r")
        s.expect("\r\n2\r\n")
        s.expect("> ")
        // Ctrl-D on an empty line ends the session (sent once libedit has the terminal).
        usleep(200_000)
        s.send("\u{4}")
        XCTAssertEqual(s.waitForExit(), 0)
    }

    func testCtrlCInterruptsTheRunningEntryAndTheREPLGoesOn() throws {
        let s = try start()
        s.send("while true do end\r")
        s.expect("while true do end\r\n")
        usleep(300_000)
        s.send("\u{3}")
        s.expect("interrupted!")
        s.expect("> ")
        s.send("=20+22\r")
        s.expect("\r\n42\r\n")
        s.expect("> ")
        quit(s)
    }

    /// Ctrl-C at an idle prompt abandons the line being typed and the session goes on with its state (as Python,
    /// Julia and Node do); on a continuation line it drops the whole entry; Ctrl-D still quits.
    func testCtrlCAtThePromptClearsTheLine() throws {
        let s = try start()
        s.send("kept = 41\r")
        s.expect("> ")
        usleep(200_000)
        s.send("kept = 0 -- half typed")
        s.expect("half typed")
        s.send("\u{3}")
        s.expect("^C")
        s.expect("> ")
        s.send("for i = 1, 2 do\r")
        s.expect(">> ")
        usleep(200_000)
        s.send("\u{3}")
        s.expect("^C")
        s.expect("> ")
        s.send("=kept + 1\r")
        s.expect("\r\n42\r\n")
        s.expect("> ")
        usleep(200_000)
        s.send("\u{4}")
        XCTAssertEqual(s.waitForExit(), 0)
    }

    func testHistoryIsWrittenAfterEachEntry() throws {
        let s = try start()
        s.send("=6*7\r")
        s.expect("42")
        s.expect("> ")
        let text = try String(contentsOfFile: history, encoding: .utf8)
        XCTAssertTrue(text.contains("=6*7"), text)
        s.send("x=1\r")
        s.expect("> ")
        XCTAssertTrue(try String(contentsOfFile: history, encoding: .utf8).contains("x=1"))
        quit(s)
        // A new session reads it back: Up recalls the last entry.
        let s2 = try PtySession(environment: ["FOLEY_HISTORY": history])
        s2.expect("> ")
        s2.send("\u{1b}[A\r")
        s2.expect("x=1")
        s2.send("=x\r")
        s2.expect("\r\n1\r\n")
        s2.expect("> ")
        quit(s2)
    }
}
