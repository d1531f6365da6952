import Foundation
import Tensors
import XCTest

final class InterruptTests: XCTestCase {
    override func tearDown() {
        Interrupt.uninstall()
        Interrupt.reset()
    }

    /// Ctrl-C (or SIGTERM for training) only raises the flag a loop polls; the loop then stops at its next step.
    func testSignalsSetTheOneFlagAndRestoreTheDefaultAction() {
        Interrupt.reset()
        Interrupt.install(signals: [SIGINT, SIGTERM])
        raise(SIGTERM)
        XCTAssertTrue(Interrupt.requested)
        // The handler put the default action back, so a second press would kill the process as usual.
        var old = sigaction()
        sigaction(SIGTERM, nil, &old)
        XCTAssertEqual(unsafeBitCast(old.__sigaction_handler.sa_handler, to: Int.self), unsafeBitCast(SIG_DFL, to: Int.self))
        Interrupt.uninstall()
        Interrupt.reset()
        XCTAssertFalse(Interrupt.requested)
    }

    /// A training run stopped by SIGTERM used to exit 0; the status now says which signal stopped it.
    func testExitStatusNamesTheSignal() {
        Interrupt.reset()
        Interrupt.install(signals: [SIGINT, SIGTERM])
        raise(SIGTERM)
        XCTAssertEqual(Interrupt.exitStatus, 143)
        Interrupt.uninstall()
        Interrupt.reset()
        Interrupt.install(signals: [SIGINT, SIGTERM])
        raise(SIGINT)
        XCTAssertEqual(Interrupt.exitStatus, 130)
        Interrupt.uninstall()
        Interrupt.reset()
        Interrupt.request()
        XCTAssertEqual(Interrupt.exitStatus, 130)
    }

    func testCheckThrowsInterruptedOnceRequested() throws {
        Interrupt.reset()
        XCTAssertNoThrow(try Interrupt.check())
        Interrupt.request()
        XCTAssertThrowsError(try Interrupt.check()) { e in
            XCTAssertTrue(e is Interrupt.Interrupted)
            XCTAssertEqual("\(e)", "interrupted!")
        }
    }

    /// Installs nest: only the outermost uninstall gives the signals back to the default action.
    func testInstallsNest() {
        Interrupt.install()
        Interrupt.install()
        Interrupt.uninstall()
        raise(SIGINT)
        XCTAssertTrue(Interrupt.requested)
    }
}
