import Foundation

/// Recycles freed float buffers by size so a diffusion loop does not hit malloc every step.
final class BufferPool: @unchecked Sendable {
    static let shared = BufferPool()
    private var free: [Int: [UnsafeMutablePointer<Float>]] = [:]
    private var pooledBytes = 0
    private let lock = NSLock()
    /// Above this much idle memory (a quarter of RAM), freed buffers go back to the system. A training
    /// step frees and re-allocates the same activation sizes every step; returning them to the kernel
    /// made it zero fresh pages each time (a quarter of a training step's time before the pool kept them).
    private let limitBytes = Int(min(ProcessInfo.processInfo.physicalMemory / 4, UInt64(Int.max)))

    func take(_ count: Int) -> UnsafeMutablePointer<Float> {
        let n = max(count, 1)
        lock.lock()
        if var list = free[n], let p = list.popLast() {
            free[n] = list
            pooledBytes -= n * 4
            lock.unlock()
            return p
        }
        lock.unlock()
        // 64-byte alignment keeps SIMD loads on cache lines.
        var raw: UnsafeMutableRawPointer?
        posix_memalign(&raw, 64, n * 4)
        return raw!.bindMemory(to: Float.self, capacity: n)
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
