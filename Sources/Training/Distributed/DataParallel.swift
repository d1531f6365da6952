import Foundation
import NN
import Tensors

/// What `TrainingLoop` does differently under mpirun (PyTorch DDP's part): the same start on every rank, gradients
/// averaged in buckets during backward, one agreement per step on the logged values and on stopping.
final class DataParallel {
    let communicator: Communicator
    let buckets: GradientBuckets?
    /// Seconds this step spent in collectives (bucket reductions and the agreement).
    private(set) var stepCommSeconds = 0.0
    /// Test-only fault injection: this rank exits with status 1 at the start of that step (FOLEY_DIST_FAIL_AT_STEP,
    /// FOLEY_DIST_FAIL_RANK, default 1), as a crashed process would.
    let failAt: (rank: Int, step: Int)?

    init(communicator: Communicator, parameters: [Tensor], bucketMB: Double,
         environment: [String: String] = ProcessInfo.processInfo.environment) {
        self.communicator = communicator
        buckets = communicator.isDistributed
            ? GradientBuckets(parameters: parameters, communicator: communicator, bucketBytes: Int(bucketMB * 1_048_576)) : nil
        if let s = environment["FOLEY_DIST_FAIL_AT_STEP"].flatMap(Int.init) {
            failAt = (environment["FOLEY_DIST_FAIL_RANK"].flatMap(Int.init) ?? 1, s)
        } else {
            failAt = nil
        }
    }

    var isDistributed: Bool { communicator.isDistributed }

    /// Rank 0's values of `groups` (model, optimizer, EMA...) on every rank, checked to have the same names and
    /// sizes first, so a rank started on another config or checkpoint fails with a message instead of a wrong run.
    func broadcast(_ groups: [String: [String: Tensor]]) throws -> [String: [String: Tensor]] {
        let keys = groups.keys.sorted().flatMap { g in groups[g]!.keys.sorted().map { (g, $0) } }
        let summary: [Double] = [Double(keys.count), Double(keys.reduce(0) { $0 + groups[$1.0]![$1.1]!.count })]
        var root = summary
        try communicator.allreduce(&root, op: .max)
        var low = summary.map { -$0 }
        try communicator.allreduce(&low, op: .max)
        guard root == summary, low.map({ -$0 }) == summary else {
            throw TrainingError.invalidArgument("mpirun", "rank \(communicator.rank) holds \(Int(summary[0])) tensors of \(Int(summary[1])) values, "
                                                + "another rank differs; expected the same config and checkpoint on every rank (same paths on every host)")
        }
        var out: [String: [String: Tensor]] = [:]
        for (g, k) in keys {
            let t = communicator.isRoot ? groups[g]![k]! : groups[g]![k]!.copy()
            try communicator.broadcast(t.pointer, bytes: t.count * MemoryLayout<Float>.size, root: 0)
            out[g, default: [:]][k] = t
        }
        return out
    }

    /// The generator words of rank 0 (the run's seed and position).
    func broadcast(state: [UInt64]) throws -> [UInt64] {
        var n = [Float(state.count)]
        try communicator.broadcast(&n)
        var words = state.count == Int(n[0]) ? state : Array(repeating: 0, count: Int(n[0]))
        try communicator.broadcast(&words)
        return words
    }

    /// Before a backward pass whose gradients are final (the last micro-batch).
    func arm() { buckets?.arm() }

    /// Exits as a crash would, when the test-only fault injection names this rank and step.
    func injectFault(step: Int) {
        guard let f = failAt, f.rank == communicator.rank, f.step == step else { return }
        FileHandle.standardError.write(Data("foley train: rank \(communicator.rank): injected failure at step \(step) (FOLEY_DIST_FAIL_AT_STEP)\n".utf8))
        exit(1)
    }

    /// What every rank agreed at the end of a step.
    struct Agreement {
        /// Some rank was stopped inside the step: every rank undoes it.
        var undo: Bool
        /// Some rank was asked to stop (Ctrl-C, SIGTERM, a watcher): every rank stops after this step.
        var stop: Bool
        /// The mean of each logged value over the ranks.
        var parts: [String: Double]
    }

    /// Ends a step on every rank with the same collectives, even a rank stopped half-way: waits for the gradient
    /// buckets (averaged into `grad`), then one sum carries the stop flags and the logged values.
    func finishStep(stoppedInside: Bool, stopRequested: Bool, parts: [String: Double]) throws -> Agreement {
        let t0 = DispatchTime.now().uptimeNanoseconds
        defer { stepCommSeconds = Double(DispatchTime.now().uptimeNanoseconds - t0) / 1e9 + (buckets?.seconds ?? 0) }
        guard isDistributed else { return Agreement(undo: stoppedInside, stop: stopRequested, parts: parts) }
        try buckets?.finish()
        // The flags first: a rank stopped half-way may hold only some of the logged values.
        var flags: [Double] = [stoppedInside ? 1 : 0, stopRequested ? 1 : 0]
        try Profiler.op("all_reduce") { try communicator.allreduce(&flags, op: .sum) }
        guard flags[0] == 0 else { return Agreement(undo: true, stop: true, parts: parts) }
        let names = parts.keys.sorted()
        var values = names.map { parts[$0]! }
        try Profiler.op("all_reduce") { try communicator.allreduce(&values, op: .sum) }
        let n = Double(communicator.size)
        return Agreement(undo: false, stop: flags[1] > 0, parts: Dictionary(uniqueKeysWithValues: zip(names, values.map { $0 / n })))
    }

    /// Whether any rank says yes (a stop asked on one rank only).
    func anyRank(_ local: Bool) throws -> Bool {
        guard isDistributed else { return local }
        var v: [Double] = [local ? 1 : 0]
        try communicator.allreduce(&v, op: .sum)
        return v[0] > 0
    }

    /// Clears the per-step communication time.
    func startStep() {
        buckets?.resetSeconds()
        stepCommSeconds = 0
    }
}
