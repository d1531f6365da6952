import Foundation

/// How values from every rank are combined.
public enum ReduceOp: Sendable {
    case sum
    case max
}

/// A reduction started without waiting (MPI_Iallreduce): the buffer must stay untouched until `wait` returns.
public protocol PendingReduction: AnyObject {
    /// Lets the transport make progress; true once the result is in the buffer.
    func test() throws -> Bool
    func wait() throws
}

/// The processes of one training job and the collectives the trainer needs (MPI's world communicator).
public protocol Communicator: AnyObject {
    /// This process's index, 0 ..< size; rank 0 logs, validates and writes checkpoints.
    var rank: Int { get }
    var size: Int { get }
    /// Combines `count` floats in place across all ranks.
    func allreduce(_ buffer: UnsafeMutablePointer<Float>, count: Int, op: ReduceOp) throws
    /// Combines doubles in place across all ranks (losses, flags).
    func allreduce(_ values: inout [Double], op: ReduceOp) throws
    /// Starts a float sum across ranks in place, returning at once so computation can go on meanwhile.
    func startAllreduce(_ buffer: UnsafeMutablePointer<Float>, count: Int) throws -> PendingReduction
    /// Copies `root`'s bytes into every rank's buffer.
    func broadcast(_ buffer: UnsafeMutableRawPointer, bytes: Int, root: Int) throws
    func barrier() throws
    /// Ends the whole job at once (every rank), with `code` as its status: for errors seen by one rank only.
    func abort(code: Int32) -> Never
    /// Leaves the job cleanly; every rank calls it once at the end.
    func finalize()
}

extension Communicator {
    public var isDistributed: Bool { size > 1 }
    public var isRoot: Bool { rank == 0 }

    /// `root`'s array, of the same length on every rank.
    public func broadcast(_ values: inout [Float], root: Int = 0) throws {
        let n = values.count
        try values.withUnsafeMutableBytes { try broadcast($0.baseAddress!, bytes: n * 4, root: root) }
    }

    /// `root`'s generator words.
    public func broadcast(_ words: inout [UInt64], root: Int = 0) throws {
        let n = words.count
        guard n > 0 else { return }
        try words.withUnsafeMutableBytes { try broadcast($0.baseAddress!, bytes: n * 8, root: root) }
    }
}

/// The job of one process: every collective is the identity, so a run without mpirun behaves as it always has.
public final class SingleProcess: Communicator {
    public init() {}
    public var rank: Int { 0 }
    public var size: Int { 1 }
    public func allreduce(_ buffer: UnsafeMutablePointer<Float>, count: Int, op: ReduceOp) throws {}
    public func allreduce(_ values: inout [Double], op: ReduceOp) throws {}
    public func startAllreduce(_ buffer: UnsafeMutablePointer<Float>, count: Int) throws -> PendingReduction { Done() }
    public func broadcast(_ buffer: UnsafeMutableRawPointer, bytes: Int, root: Int) throws {}
    public func barrier() throws {}
    public func abort(code: Int32) -> Never { exit(code) }
    public func finalize() {}

    final class Done: PendingReduction {
        func test() throws -> Bool { true }
        func wait() throws {}
    }
}

/// The job this process belongs to: Open MPI's world when a launcher (mpirun) started it, else a single process.
public enum Distributed {
    /// Variables mpirun (ORTE or PMIx) sets in every process it starts.
    static let launcherVariables = ["OMPI_COMM_WORLD_SIZE", "PMIX_RANK"]

    /// Whether `environment` comes from an MPI launcher.
    public static func launchedByMPI(_ environment: [String: String] = ProcessInfo.processInfo.environment) -> Bool {
        launcherVariables.contains { environment[$0] != nil }
    }

    nonisolated(unsafe) private static var shared: Communicator?

    /// The job's communicator, created on first use (MPI_Init then, only under a launcher).
    public static func world() throws -> Communicator {
        if let c = shared { return c }
        let c: Communicator = launchedByMPI() ? try MPICommunicator() : SingleProcess()
        shared = c
        return c
    }

    /// The communicator if one was created (for shutting it down), without creating it.
    public static var existing: Communicator? { shared }
}

/// A collective failed, or MPI could not start.
public struct DistributedError: Error, CustomStringConvertible {
    public let operation: String
    public let detail: String
    public var description: String { "\(operation) failed: \(detail)" }
}
