import Foundation

/// Recycles freed float buffers by size so a diffusion loop does not hit malloc every step.
///
/// Every allocation is checked: `tryTake` returns nil when the system refuses (after giving the pooled buffers
/// back and trying once more), and the throwing doors (`Tensor.allocate`, `Tensor.checkAllocation`) turn that
/// into `TensorError.outOfMemory`. `take`, behind the non-throwing kernels, ends the process with the same
/// message and status 1 instead of dereferencing a null pointer.
final class BufferPool: @unchecked Sendable {
    static let shared = BufferPool()
    private var free: [Int: [UnsafeMutablePointer<Float>]] = [:]
    private var pooledBytes = 0
    private let lock = NSLock()
    /// Above this much idle memory (a quarter of RAM), freed buffers go back to the system. A training
    /// step frees and re-allocates the same activation sizes every step; returning them to the kernel
    /// made it zero fresh pages each time (a quarter of a training step's time before the pool kept them).
    private let limitBytes = Int(min(ProcessInfo.processInfo.physicalMemory / 4, UInt64(Int.max)))
    /// No single buffer may be larger than the machine's memory: with overcommit the allocation would succeed
    /// and the kernel would kill the process when the pages are touched.
    static let maxBytes = Int(min(ProcessInfo.processInfo.physicalMemory, UInt64(Int.max / 2)))

    /// A buffer of `count` floats, or nil if the system cannot give it.
    func tryTake(_ count: Int) -> UnsafeMutablePointer<Float>? {
        let n = max(count, 1)
        guard n <= BufferPool.maxBytes / 4 else { return nil }
        lock.lock()
        if var list = free[n], let p = list.popLast() {
            free[n] = list
            pooledBytes -= n * 4
            lock.unlock()
            return p
        }
        lock.unlock()
        if let p = allocate(n) { return p }
        drain()
        return allocate(n)
    }

    func take(_ count: Int) -> UnsafeMutablePointer<Float> {
        if let p = tryTake(count) { return p }
        let bytes = max(count, 1).multipliedReportingOverflow(by: 4)
        let message = TensorError.outOfMemory(shape: [count], bytes: bytes.overflow ? Int.max : bytes.partialValue)
        FileHandle.standardError.write(Data("foley: \(message)\n".utf8))
        exit(1)
    }

    /// 64-byte alignment keeps SIMD loads on cache lines.
    private func allocate(_ n: Int) -> UnsafeMutablePointer<Float>? {
        var raw: UnsafeMutableRawPointer?
        guard posix_memalign(&raw, 64, n * 4) == 0, let raw else { return nil }
        return raw.bindMemory(to: Float.self, capacity: n)
    }

    /// Gives every idle buffer back to the system (before retrying a refused allocation).
    func drain() {
        lock.lock()
        let lists = free
        free = [:]
        pooledBytes = 0
        lock.unlock()
        for (_, list) in lists { for p in list { Foundation.free(p) } }
    }

    func give(_ p: UnsafeMutablePointer<Float>, _ count: Int) {
        let n = max(count, 1)
        // Small buffers are cheap to malloc; keep the pool for large activations.
        if n < 1024 { Foundation.free(p); return }
        lock.lock()
        if pooledBytes + n * 4 > limitBytes {
            lock.unlock()
            Foundation.free(p)
            return
        }
        free[n, default: []].append(p)
        pooledBytes += n * 4
        lock.unlock()
    }
}

extension Tensor {
    /// Gives the pool's idle buffers back to the system. For work that moves on to sizes the pooled buffers will
    /// never match again (each block of a waveform decoder runs at a new length), they would only add to the peak.
    public static func releaseIdleBuffers() { BufferPool.shared.drain() }
}
