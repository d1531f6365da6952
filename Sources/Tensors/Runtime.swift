import CDNNLConv
import COpenBLAS
import Foundation

/// Process-wide engine settings: the worker count shared by OpenBLAS and the engine's own kernels.
public enum Runtime {
    /// Worker threads: `FOLEY_THREADS` if set to a positive integer, otherwise every core.
    public private(set) static var threadCount: Int = {
        _ = blasCoreCorrection
        openblas_set_num_threads(1)  // the engine splits products itself (Tensor.sgemm)
        return configuredThreads()
    }()

    /// True while a `parallelFor`/`parallelRanges` region runs: work started inside it stays on its worker.
    /// One flag for the process: parallel regions are started from one thread at a time.
    nonisolated(unsafe) public private(set) static var isParallel = false

    static func configuredThreads() -> Int {
        if let s = ProcessInfo.processInfo.environment["FOLEY_THREADS"], let n = Int(s), n > 0 { return n }
        return max(1, ProcessInfo.processInfo.activeProcessorCount)
    }

    /// Restarts the process once with a short OpenMP spin (`GOMP_SPINCOUNT=1000`) unless the user set one.
    /// oneDNN's OpenMP threads otherwise spin for about a millisecond after each convolution, taking a core
    /// from the engine's next kernel (the UNet forward ran 1.3x slower), and libgomp reads the setting only
    /// when it loads, before `main`. Call it first thing in `main`; nothing happens if the exec fails.
    public static func settleOpenMP() {
        let env = ProcessInfo.processInfo.environment
        guard env["GOMP_SPINCOUNT"] == nil, env["OMP_WAIT_POLICY"] == nil else { return }
        setenv("GOMP_SPINCOUNT", "1000", 1)
        execv("/proc/self/exe", CommandLine.unsafeArgv)
    }

    /// Whether forward convolutions run on oneDNN (unless `FOLEY_CONV=im2col`, which keeps the engine's own
    /// im2col products, for comparison); false where oneDNN does not start.
    nonisolated(unsafe) public static var useDNNL: Bool = {
        ProcessInfo.processInfo.environment["FOLEY_CONV"] != "im2col" && foley_dnnl_available() != 0
    }()

    /// Changes the worker count of the engine (its kernels, split products and oneDNN calls).
    public static func setThreadCount(_ n: Int) {
        threadCount = max(1, n)
    }

    /// The kernel set OpenBLAS runs ("SkylakeX", "Haswell", ...).
    public static var blasCore: String {
        _ = threadCount
        guard let p = openblas_get_corename() else { return "unknown" }
        return String(cString: p)
    }

    /// Where OpenBLAS fell back to its generic Prescott kernels on a CPU it did not recognise (a hypervisor's
    /// anonymous "Xeon Processor"), switches to the kernels the CPU's feature flags allow, unless the user chose
    /// one with `OPENBLAS_CORETYPE`. Runs once, before the first BLAS call. Holds the core switched to, if any.
    static let blasCoreCorrection: String? = {
        guard ProcessInfo.processInfo.environment["OPENBLAS_CORETYPE"] == nil,
              let current = openblas_get_corename().map({ String(cString: $0) }), current.lowercased() == "prescott",
              let better = foley_blas_core_for_cpu(), foley_blas_select_core(better) == 1 else { return nil }
        return String(cString: better)
    }()

    /// OpenBLAS's own build description (architecture, threading model).
    public static var blasConfig: String {
        _ = threadCount
        guard let p = openblas_get_config() else { return "unknown" }
        return String(cString: p)
    }

    /// Runs `body(i)` for i in 0..<n across the worker threads; serial when the work is small or when
    /// called from inside another parallel region.
    public static func parallelFor(_ n: Int, minChunk: Int = 1, _ body: (Int) -> Void) {
        let workers = min(threadCount, max(1, n / max(1, minChunk)))
        if workers <= 1 || n <= 1 || isParallel {
            for i in 0..<n { body(i) }
            return
        }
        isParallel = true
        defer { isParallel = false }
        withoutActuallyEscaping(body) { body in
            DispatchQueue.concurrentPerform(iterations: workers) { w in
                let lo = n * w / workers, hi = n * (w + 1) / workers
                for i in lo..<hi { body(i) }
            }
        }
    }

    /// Runs `body(lo, hi)` over contiguous ranges splitting 0..<n across workers (serial inside another region).
    public static func parallelRanges(_ n: Int, minChunk: Int = 4096, _ body: (Int, Int) -> Void) {
        let workers = min(threadCount, max(1, n / max(1, minChunk)))
        if workers <= 1 || isParallel { body(0, n); return }
        isParallel = true
        defer { isParallel = false }
        withoutActuallyEscaping(body) { body in
            DispatchQueue.concurrentPerform(iterations: workers) { w in
                body(n * w / workers, n * (w + 1) / workers)
            }
        }
    }
}
