import Foundation
import Tensors

/// What a rank says when mpirun ends the job under it. mpirun tears a job down with SIGCONT, then SIGTERM a second
/// later (odls_base_sigkill_timeout), then SIGKILL: a rank still running at SIGTERM is either stuck in a collective
/// with a rank that died or in a step too slow to stop in time, and says so before it goes, so that rank 0's output
/// explains the end of the job next to the launcher's own report.
enum LauncherSignals {
    /// The message, formatted before any signal can come (a handler may only write bytes).
    nonisolated(unsafe) static var message: UnsafeMutablePointer<CChar>?
    nonisolated(unsafe) static var length = 0

    /// Replaces SIGTERM's handler: it sets the interrupt flag as before, and writes the message.
    static func install(rank: Int, size: Int) {
        let text = "foley train: rank \(rank) of \(size) is being ended by mpirun: another rank failed (see its message above) "
            + "or Ctrl-C came during a step slower than --mca odls_base_sigkill_timeout\n"
        if let old = message { free(old) }
        message = strdup(text)
        length = text.utf8.count
        signal(SIGTERM) { sig in
            Interrupt.flag.pointee = sig
            if let m = LauncherSignals.message { _ = write(2, m, LauncherSignals.length) }
            signal(sig, SIG_DFL)
        }
    }
}
