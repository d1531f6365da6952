import ArgumentParser
import Foundation
import Tensors

/// `foley bench`: kernel throughput beside the machine's measured sgemm peak (release builds only mean anything).
struct Bench: ParsableCommand {
    static let configuration = CommandConfiguration(abstract: "Time the engine's kernels (sgemm, conv2d, group_norm, attention, elementwise).")

    @Flag(help: "Print JSON rows instead of a table (for scripts/bench-vs-torch).")
    var json = false

    @Option(help: "Repetitions per kernel (the fastest is reported).")
    var repeats = 5

    @Flag(help: "Also time the reference workloads W1-W7 (UNet/VAE forward, a training step, AudioLDM's decoders, the default model's generation loop, Stable Audio Open's DiT and Oobleck decoder).")
    var workloads = false

    @Option(help: "Time only the workloads whose name starts with this (e.g. W3); skips the kernels.")
    var only: String?

    @Option(help: "Profile one run of the workload whose name starts with this (e.g. W2): time per op and per layer.")
    var profile: String?

    /// One measured kernel: seconds and the work it did.
    struct Row: Codable {
        var name: String
        var shape: String
        var seconds: Double
        var gflops: Double?
        var gbps: Double?
    }

    func time(_ body: () throws -> Void) rethrows -> Double {
        try body()  // warm-up: first-touch allocation and OpenBLAS thread start
        var best = Double.infinity
        for _ in 0..<max(1, repeats) {
            let t0 = DispatchTime.now().uptimeNanoseconds
            try body()
            best = min(best, Double(DispatchTime.now().uptimeNanoseconds - t0) / 1e9)
        }
        return best
    }

    func run() throws {
        let g = RandomGenerator(seed: 0)
        if let profile { return try runProfile(profile, generator: g) }
        var rows: [Row] = []
        if only == nil { try GradMode.noGrad {
            let n = 1024
            let a = Tensor.randn([n, n], generator: g), b = Tensor.randn([n, n], generator: g)
            let t = try time { _ = try a.matmul(b) }
            rows.append(Row(name: "sgemm", shape: "\(n)x\(n)x\(n)", seconds: t, gflops: 2 * pow(Double(n), 3) / t / 1e9))

            // The 3x3 convolutions of the W1 UNet (64,128,256) on an 8x64x16 latent, batch 2.
            for (c, h, w) in [(64, 64, 16), (128, 32, 8), (256, 16, 4)] {
                let x = Tensor.randn([2, c, h, w], generator: g), k = Tensor.randn([c, c, 3, 3], generator: g)
                let bias = Tensor.zeros([c])
                let t = try time { _ = try Tensor.conv2d(x, weight: k, bias: bias, padding: (1, 1)) }
                rows.append(Row(name: "conv2d 3x3", shape: "2x\(c)x\(h)x\(w)", seconds: t,
                                gflops: 2.0 * 2 * Double(c * c * 9 * h * w) / t / 1e9))
            }

            let x = Tensor.randn([2, 64, 64, 16], generator: g)
            let gw = Tensor.ones([64]), gb = Tensor.zeros([64])
            let tg = try time { _ = try Tensor.groupNorm(x, groups: 32, weight: gw, bias: gb) }
            rows.append(Row(name: "group_norm", shape: "2x64x64x16 /32", seconds: tg, gbps: 2.0 * Double(x.count * 4) / tg / 1e9))

            // Self-attention at the W1 top level: 1024 tokens, 64 channels as 8 heads of 8.
            let q = Tensor.randn([2, 8, 1024, 8], generator: g)
            let ta = try time { _ = try Tensor.scaledDotProductAttention(q, q, q) }
            rows.append(Row(name: "attention", shape: "2x8x1024x8", seconds: ta, gflops: 4.0 * 2 * 8 * 1024 * 1024 * 8 / ta / 1e9))

            let e = Tensor.randn([4 << 20], generator: g)
            let te = time { _ = (e * 1.5 + 0.5).silu() }
            rows.append(Row(name: "elementwise", shape: "silu(x*a+b) 4M", seconds: te, gbps: 3 * 2.0 * Double(e.count * 4) / te / 1e9))
        } }
        if workloads || only != nil {
            for (name, shape, make) in BenchWorkloads.all(generator: g) where only.map({ name.hasPrefix($0) }) ?? true {
                guard let body = try make() else { continue }
                let reps = ["W3", "W5", "W6", "W7"].contains(String(name.prefix(2))) ? 1 : 2
                var best = Double.infinity
                try body()
                for _ in 0..<reps {
                    let t0 = DispatchTime.now().uptimeNanoseconds
                    try body()
                    best = min(best, Double(DispatchTime.now().uptimeNanoseconds - t0) / 1e9)
                }
                rows.append(Row(name: name, shape: shape, seconds: best))
            }
        }
        // Peak memory of the whole run (the largest workload's weights and activations), on stderr so --json stays rows.
        FileHandle.standardError.write(Data(String(format: "peak RSS: %.0f MiB\n", peakRSSMiB()).utf8))
        if json {
            let data = try JSONEncoder().encode(rows)
            print(String(decoding: data, as: UTF8.self))
            return
        }
        let peak = rows.first?.gflops ?? 1
        print("threads: \(Runtime.threadCount)   BLAS: \(Runtime.blasConfig)")
        print("kernel        shape                 time ms   GFLOP/s   GB/s   % sgemm peak")
        for r in rows {
            let gf = r.gflops.map { String(format: "%8.1f", $0) } ?? "       -"
            let gb = r.gbps.map { String(format: "%6.1f", $0) } ?? "     -"
            let pct = r.gflops.map { String(format: "%6.0f%%", 100 * $0 / peak) } ?? "      -"
            print(r.name.padding(toLength: 13, withPad: " ", startingAt: 0) + " " + r.shape.padding(toLength: 20, withPad: " ", startingAt: 0)
                + String(format: " %9.3f", r.seconds * 1000) + "  " + gf + "  " + gb + "   " + pct)
        }
    }

    /// Runs the named workload once to warm up, then once under the profiler, and prints the tables.
    func runProfile(_ prefix: String, generator g: RandomGenerator) throws {
        let workloads = BenchWorkloads.all(generator: g)
        guard let (name, shape, make) = workloads.first(where: { $0.name.hasPrefix(prefix) }) else {
            let names = workloads.map { String($0.name.prefix(2)) }.joined(separator: ", ")
            throw ValidationError("--profile: no workload named '\(prefix)' (expected one of \(names))")
        }
        guard let body = try make() else { throw ValidationError("--profile: \(name) cannot run here (see above)") }
        try body()
        let (_, report) = try Profiler.record { try body() }
        print("\(name) \(shape), threads: \(Runtime.threadCount)")
        print(report.table(), terminator: "")
    }
}
