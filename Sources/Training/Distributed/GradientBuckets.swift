import Foundation
import Tensors

/// PyTorch DDP's gradient buckets: parameters are grouped into buffers of about `bucketBytes`; while `backward`
/// runs, a bucket whose gradients are all final is packed and its sum across ranks started (MPI_Iallreduce), so the
/// transfer overlaps the rest of the pass (Horovod's tensor fusion: one message per bucket, not per tensor).
///
/// Buckets are started strictly in index order on every rank (a ready bucket waits for the ones before it), because
/// MPI pairs nonblocking collectives by the order they are called in; a rank stopped mid-pass starts the rest
/// in the same order, so no rank waits on a message that never comes.
final class GradientBuckets {
    struct Bucket {
        /// Indices into `parameters`, and each one's offset in the buffer.
        var members: [Int]
        var offsets: [Int]
        /// Floats of gradients, then one "had a gradient" count per member.
        var length: Int
        var buffer: UnsafeMutablePointer<Float>
        var ready = 0
        var pending: PendingReduction?
    }

    let communicator: Communicator
    let parameters: [Tensor]
    private(set) var buckets: [Bucket] = []
    private var slot: [ObjectIdentifier: (bucket: Int, member: Int)] = [:]
    private var seen: [Bool]
    private var nextToStart = 0
    /// Seconds the hook spent packing, starting and progressing reductions during backward (`finish`'s wait is
    /// timed by its caller).
    private(set) var seconds = 0.0

    /// Buckets fill from the last parameter backwards: `backward` reaches the output layers first.
    init(parameters: [Tensor], communicator: Communicator, bucketBytes: Int) {
        self.communicator = communicator
        self.parameters = parameters
        seen = Array(repeating: false, count: parameters.count)
        let cap = max(1, bucketBytes / MemoryLayout<Float>.size)
        var current: [Int] = [], floats = 0
        for i in parameters.indices.reversed() {
            current.append(i)
            floats += parameters[i].count
            if floats >= cap { add(current); current = []; floats = 0 }
        }
        if !current.isEmpty { add(current) }
    }

    private func add(_ members: [Int]) {
        var offsets: [Int] = [], length = 0
        for (j, i) in members.enumerated() {
            offsets.append(length)
            length += parameters[i].count
            slot[ObjectIdentifier(parameters[i])] = (buckets.count, j)
        }
        let buffer = UnsafeMutablePointer<Float>.allocate(capacity: length + members.count)
        buckets.append(Bucket(members: members, offsets: offsets, length: length + members.count, buffer: buffer))
    }

    deinit {
        GradHooks.leafGradientReady = nil
        for b in buckets { b.buffer.deallocate() }
    }

    /// Starts watching the next backward pass (the last micro-batch's, under gradient accumulation).
    func arm() {
        for i in buckets.indices { buckets[i].ready = 0; buckets[i].pending = nil }
        for i in seen.indices { seen[i] = false }
        nextToStart = 0
        GradHooks.leafGradientReady = { [unowned self] t in self.gradientReady(t) }
    }

    private func gradientReady(_ t: Tensor) {
        guard let (b, m) = slot[ObjectIdentifier(t)], !seen[buckets[b].members[m]] else { return }
        seen[buckets[b].members[m]] = true
        buckets[b].ready += 1
        let t0 = clock()
        // A failed start is reported by `finish`, which waits on every bucket.
        try? startReady(all: false)
        // Open MPI moves data only inside MPI calls: testing the oldest reduction lets it progress meanwhile.
        for b in 0..<nextToStart where !((try? buckets[b].pending?.test()) ?? true) { break }
        seconds += clock() - t0
    }

    private func startReady(all: Bool) throws {
        while nextToStart < buckets.count, all || buckets[nextToStart].ready == buckets[nextToStart].members.count {
            try start(nextToStart)
            nextToStart += 1
        }
    }

    private func start(_ b: Int) throws {
        let bucket = buckets[b]
        for (j, i) in bucket.members.enumerated() {
            let p = parameters[i], dst = bucket.buffer + bucket.offsets[j]
            if let g = p.grad { dst.update(from: g.pointer, count: p.count) } else { dst.update(repeating: 0, count: p.count) }
            bucket.buffer[bucket.length - bucket.members.count + j] = p.grad == nil ? 0 : 1
        }
        buckets[b].pending = try Profiler.op("all_reduce_start") { try communicator.startAllreduce(bucket.buffer, count: bucket.length) }
    }

    /// Ends the pass: starts what is left, waits for every bucket and writes the mean gradient across ranks into
    /// each parameter's `grad` (none where no rank had one, as a single process would leave it).
    func finish() throws {
        GradHooks.leafGradientReady = nil
        try startReady(all: true)
        let scale = 1 / Float(communicator.size)
        for b in buckets.indices {
            try Profiler.op("all_reduce_wait") { try buckets[b].pending?.wait() }
            let bucket = buckets[b]
            for (j, i) in bucket.members.enumerated() {
                let p = parameters[i]
                guard bucket.buffer[bucket.length - bucket.members.count + j] > 0 else { p.grad = nil; continue }
                let g = p.grad ?? Tensor.zeros(p.shape)
                let src = bucket.buffer + bucket.offsets[j]
                for k in 0..<p.count { g.pointer[k] = src[k] * scale }
                p.grad = g
            }
        }
    }

    private func clock() -> Double { Double(DispatchTime.now().uptimeNanoseconds) / 1e9 }

    /// Clears the time counter (per step).
    func resetSeconds() { seconds = 0 }
}
