import CMPI
import Foundation

/// Open MPI's world communicator. Errors come back as codes (MPI_ERRORS_RETURN) so a rank that sees a dead peer
/// can say so before the job ends, instead of MPI aborting silently.
final class MPICommunicator: Communicator {
    let comm: MPI_Comm
    let rank: Int
    let size: Int
    private var finalized = false

    init() throws {
        var provided: Int32 = 0
        // Funneled: only the training thread calls MPI (the data loader's thread never does).
        var rc = MPI_Init_thread(nil, nil, foley_mpi_thread_funneled(), &provided)
        guard rc == MPI_SUCCESS else { throw DistributedError(operation: "MPI_Init_thread", detail: MPICommunicator.describe(rc)) }
        comm = foley_mpi_comm_world()
        MPI_Comm_set_errhandler(comm, foley_mpi_errors_return())
        var r: Int32 = 0, s: Int32 = 0
        rc = MPI_Comm_rank(comm, &r)
        if rc == MPI_SUCCESS { rc = MPI_Comm_size(comm, &s) }
        guard rc == MPI_SUCCESS else { throw DistributedError(operation: "MPI_Comm_rank", detail: MPICommunicator.describe(rc)) }
        rank = Int(r)
        size = Int(s)
    }

    static func describe(_ code: Int32) -> String {
        var buf = [CChar](repeating: 0, count: Int(MPI_MAX_ERROR_STRING) + 1)
        var len: Int32 = 0
        MPI_Error_string(code, &buf, &len)
        return String(cString: buf) + " (MPI error \(code))"
    }

    func check(_ rc: Int32, _ op: String) throws {
        guard rc == MPI_SUCCESS else {
            throw DistributedError(operation: "\(op) on rank \(rank) of \(size)",
                                   detail: MPICommunicator.describe(rc) + "; another rank probably died (see its message above)")
        }
    }

    func allreduce(_ buffer: UnsafeMutablePointer<Float>, count: Int, op: ReduceOp) throws {
        guard count > 0 else { return }
        try check(MPI_Allreduce(foley_mpi_in_place(), buffer, Int32(count), foley_mpi_float(), mpiOp(op), comm), "all-reduce")
    }

    func allreduce(_ values: inout [Double], op: ReduceOp) throws {
        let n = Int32(values.count)
        guard n > 0 else { return }
        let rc = values.withUnsafeMutableBufferPointer { MPI_Allreduce(foley_mpi_in_place(), $0.baseAddress, n, foley_mpi_double(), mpiOp(op), comm) }
        try check(rc, "all-reduce")
    }

    func startAllreduce(_ buffer: UnsafeMutablePointer<Float>, count: Int) throws -> PendingReduction {
        let pending = Request(owner: self)
        try check(MPI_Iallreduce(foley_mpi_in_place(), buffer, Int32(count), foley_mpi_float(), foley_mpi_sum(), comm, &pending.request),
                  "MPI_Iallreduce")
        return pending
    }

    func broadcast(_ buffer: UnsafeMutableRawPointer, bytes: Int, root: Int) throws {
        // Counts are Int32: large buffers go in pieces.
        var offset = 0
        while offset < bytes {
            let n = min(bytes - offset, 1 << 30)
            try check(MPI_Bcast(buffer + offset, Int32(n), foley_mpi_byte(), Int32(root), comm), "broadcast")
            offset += n
        }
    }

    func barrier() throws { try check(MPI_Barrier(comm), "barrier") }

    func abort(code: Int32) -> Never {
        MPI_Abort(comm, code)
        exit(code)
    }

    func finalize() {
        guard !finalized else { return }
        finalized = true
        MPI_Finalize()
    }

    private func mpiOp(_ op: ReduceOp) -> MPI_Op { op == .sum ? foley_mpi_sum() : foley_mpi_max() }

    /// One MPI_Request; `wait` or a successful `test` completes it.
    final class Request: PendingReduction {
        var request: MPI_Request? = foley_mpi_request_null()
        let owner: MPICommunicator
        private var done = false

        init(owner: MPICommunicator) { self.owner = owner }

        func test() throws -> Bool {
            if done { return true }
            var flag: Int32 = 0
            try owner.check(MPI_Test(&request, &flag, foley_mpi_status_ignore()), "MPI_Test")
            done = flag != 0
            return done
        }

        func wait() throws {
            if done { return }
            try owner.check(MPI_Wait(&request, foley_mpi_status_ignore()), "MPI_Wait")
            done = true
        }
    }
}
