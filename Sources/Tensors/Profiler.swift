import Foundation

/// Time per op kind and per layer while a closure runs (torch.profiler's `key_averages()`).
///
/// Ops report themselves through `Profiler.op` and layers through `Profiler.layer`; both cost one load
/// and a branch when no profile is being recorded. Ops nest (conv1d runs conv2d, backward rules run
/// forward kernels), so each op's *self* time excludes the ops it called, and the self times plus the
/// untracked remainder add up to the wall time of the region.
public final class Profiler {
    /// One row of the op or layer table.
    public struct Stat: Sendable {
        public var calls = 0
        /// Inclusive seconds (with nested ops or layers).
        public var total = 0.0
        /// Seconds not spent in nested ops (ops) or nested layers (layers).
        public var selfTime = 0.0
        public var flops = 0.0
        public var bytes = 0.0
    }

    /// A finished profile: per-op and per-layer statistics and the wall time of the region.
    public struct Report: Sendable {
        public var ops: [String: Stat]
        public var layers: [String: Stat]
        public var wall: Double
        /// The machine's measured peaks the table compares against.
        public var peakGflops: Double
        public var peakGBps: Double

        /// Seconds inside the region that no instrumented op accounts for (Swift glue, untracked ops).
        public var untracked: Double { Swift.max(0, wall - ops.values.reduce(0) { $0 + $1.selfTime }) }
    }

    nonisolated(unsafe) static var current: Profiler?

    private var ops: [String: Stat] = [:]
    private var layers: [String: Stat] = [:]
    /// Open ops: kind and the seconds their nested ops took so far.
    private var opStack: [(kind: String, child: Double)] = []
    private var layerStack: [(name: String, child: Double)] = []

    /// Whether a profile is being recorded (checked by every instrumented op).
    public static var isRecording: Bool { current != nil }

    static func now() -> Double { Double(DispatchTime.now().uptimeNanoseconds) / 1e9 }

    /// The op kind innermost at this moment (a backward rule is named after it).
    static var currentOp: String? { current?.opStack.last?.kind }
    /// The op that finished last: `kernel(...).recording(...)` records its rule just after the kernel's scope.
    static var lastOp: String? { current?.finished }
    private var finished: String?

    /// Times `body` as one call of op `kind` doing `flops` floating-point operations and moving `bytes`.
    @inline(__always)
    public static func op<R>(_ kind: @autoclosure () -> String, flops: @autoclosure () -> Double = 0,
                             bytes: @autoclosure () -> Double = 0, _ body: () throws -> R) rethrows -> R {
        guard current != nil else { return try body() }
        let scope = beginOp(kind(), flops: flops(), bytes: bytes())
        defer { scope.end() }
        return try body()
    }

    /// An open layer row: `end()` records its time (a no-op when no profile was recording at the start).
    public struct LayerScope {
        let profiler: Profiler?
        let name: String
        let start: Double

        public func end() { profiler?.endLayer(name, start: start) }
    }

    /// Opens a row for layer `name` (a module type such as "ResnetBlock2D"); close it with `end()`.
    @inline(__always)
    public static func beginLayer(_ name: @autoclosure () -> String) -> LayerScope {
        guard let p = current else { return LayerScope(profiler: nil, name: "", start: 0) }
        let n = name()
        p.layerStack.append((n, 0))
        return LayerScope(profiler: p, name: n, start: now())
    }

    /// Times `body` as one call of layer `name`.
    public static func layer<R>(_ name: @autoclosure () -> String, _ body: () throws -> R) rethrows -> R {
        let scope = beginLayer(name())
        defer { scope.end() }
        return try body()
    }

    /// An open op: `end()` records it (a no-op when no profile was recording at the start). Elementwise
    /// kernels use this rather than `op`, whose closure would keep their element function from inlining.
    public struct OpScope {
        let profiler: Profiler?
        let kind: String
        let flops: Double, bytes: Double
        let start: Double

        public func end() { profiler?.endOp(kind, flops: flops, bytes: bytes, start: start) }
    }

    /// Opens op `kind`; close it with `end()`.
    @inline(__always)
    public static func beginOp(_ kind: @autoclosure () -> String, flops: @autoclosure () -> Double = 0,
                               bytes: @autoclosure () -> Double = 0) -> OpScope {
        guard let p = current else { return OpScope(profiler: nil, kind: "", flops: 0, bytes: 0, start: 0) }
        let k = kind()
        p.opStack.append((k, 0))
        return OpScope(profiler: p, kind: k, flops: flops(), bytes: bytes(), start: now())
    }

    private func endOp(_ kind: String, flops: Double, bytes: Double, start: Double) {
        let dt = Profiler.now() - start
        let child = opStack.removeLast().child
        if !opStack.isEmpty { opStack[opStack.count - 1].child += dt }
        var s = ops[kind, default: Stat()]
        s.calls += 1
        s.total += dt
        s.selfTime += dt - child
        s.flops += flops
        s.bytes += bytes
        ops[kind] = s
        finished = kind
    }

    private func endLayer(_ name: String, start: Double) {
        let dt = Profiler.now() - start
        guard let top = layerStack.popLast() else { return }
        if !layerStack.isEmpty { layerStack[layerStack.count - 1].child += dt }
        var s = layers[name, default: Stat()]
        s.calls += 1
        // A layer type nested in itself (a block inside a block) counts its wall time once.
        if !layerStack.contains(where: { $0.name == name }) { s.total += dt }
        s.selfTime += dt - top.child
        layers[name] = s
    }

    /// Runs `body` with recording on and returns its result with the profile (nested profiles are refused).
    public static func record<R>(_ body: () throws -> R) throws -> (R, Report) {
        guard current == nil else {
            throw TensorError.invalidArgument(op: "profile", "a profile is already being recorded; profiles do not nest")
        }
        let peaks = MachinePeaks.measured  // measured before recording so it is not in the profile
        let p = Profiler()
        current = p
        defer { current = nil }
        let t0 = now()
        let r = try body()
        let wall = now() - t0
        return (r, Report(ops: p.ops, layers: p.layers, wall: wall, peakGflops: peaks.gflops, peakGBps: peaks.gbps))
    }
}

/// The machine's sgemm and memory-copy rates on the configured threads, measured once per process.
public enum MachinePeaks {
    public static let measured: (gflops: Double, gbps: Double) = {
        let n = 1024  // as `foley bench`'s sgemm row
        let a = Tensor(uninitialized: [n, n]), b = Tensor(uninitialized: [n, n]), c = Tensor(uninitialized: [n, n])
        a.pointer.update(repeating: 0.5, count: n * n)
        b.pointer.update(repeating: 0.25, count: n * n)
        var best = Double.infinity
        for _ in 0..<4 {
            let t0 = Profiler.now()
            Tensor.sgemm(a.pointer, b.pointer, c.pointer, m: n, n: n, k: n)
            best = Swift.min(best, Profiler.now() - t0)
        }
        let gflops = 2 * pow(Double(n), 3) / best / 1e9
        let m = 8 << 20  // 32 MB each way: well past the caches
        let src = Tensor(uninitialized: [m]), dst = Tensor(uninitialized: [m])
        src.pointer.update(repeating: 1, count: m)
        var bestCopy = Double.infinity
        for _ in 0..<4 {
            let t0 = Profiler.now()
            Runtime.parallelRanges(m, minChunk: 1 << 16) { lo, hi in (dst.pointer + lo).update(from: src.pointer + lo, count: hi - lo) }
            bestCopy = Swift.min(bestCopy, Profiler.now() - t0)
        }
        return (gflops, 2 * Double(m * 4) / bestCopy / 1e9)
    }()
}
