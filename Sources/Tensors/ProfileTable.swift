import Foundation

// The printed form of a profile, laid out as torch.profiler's key_averages().table().
extension Profiler.Report {
    /// The op table (sorted by self time) and the layer table (sorted by total time), `limit` rows each.
    public func table(limit: Int = 25) -> String {
        var out = opTable(limit: limit)
        if !layers.isEmpty { out += "\n" + layerTable(limit: limit) }
        return out
    }

    private func ms(_ s: Double) -> String { String(format: "%.2f", s * 1e3) }
    private func pct(_ s: Double) -> String { wall > 0 ? String(format: "%.1f%%", 100 * s / wall) : "-" }

    private func pad(_ cells: [String], _ widths: [Int]) -> String {
        zip(cells, widths).enumerated().map { i, cw in
            let (c, w) = cw
            let fill = String(repeating: " ", count: Swift.max(0, w - c.count))
            return i == 0 ? c + fill : fill + c
        }.joined(separator: "  ")
    }

    /// Rows: op kind, self ms and share, total ms, calls, rate (GFLOP/s for compute, GB/s for memory ops)
    /// and that rate as a share of the machine's measured sgemm or copy peak.
    public func opTable(limit: Int = 25) -> String {
        let header = ["Op", "Self ms", "Self %", "Total ms", "Calls", "Rate", "% peak"]
        var rows: [[String]] = []
        for (kind, s) in ops.sorted(by: { $0.value.selfTime > $1.value.selfTime }).prefix(limit) {
            var rate = "", share = ""
            if s.flops > 0, s.total > 0 {
                let g = s.flops / s.total / 1e9
                rate = String(format: "%.1f GFLOP/s", g)
                share = String(format: "%.0f%%", 100 * g / peakGflops)
            } else if s.bytes > 0, s.selfTime > 0 {
                let g = s.bytes / s.selfTime / 1e9
                rate = String(format: "%.1f GB/s", g)
                share = String(format: "%.0f%%", 100 * g / peakGBps)
            }
            rows.append([kind, ms(s.selfTime), pct(s.selfTime), ms(s.total), String(s.calls), rate, share])
        }
        rows.append(["[untracked]", ms(untracked), pct(untracked), "", "", "", ""])
        return render(header, rows, footer: String(format: "Wall %.2f ms; peaks: sgemm %.1f GFLOP/s, copy %.1f GB/s on %d threads",
                                                   wall * 1e3, peakGflops, peakGBps, Runtime.threadCount))
    }

    /// Rows: layer (module type), total ms and share (wall time inside the layer), self ms, calls.
    public func layerTable(limit: Int = 25) -> String {
        let header = ["Layer", "Total ms", "Total %", "Self ms", "Calls"]
        let rows = layers.sorted(by: { $0.value.total > $1.value.total }).prefix(limit).map { name, s in
            [name, ms(s.total), pct(s.total), ms(s.selfTime), String(s.calls)]
        }
        return render(header, Array(rows), footer: nil)
    }

    private func render(_ header: [String], _ rows: [[String]], footer: String?) -> String {
        var widths = header.map(\.count)
        for r in rows { for (i, c) in r.enumerated() { widths[i] = Swift.max(widths[i], c.count) } }
        let rule = String(repeating: "-", count: widths.reduce(0, +) + 2 * (widths.count - 1))
        var lines = [rule, pad(header, widths), rule]
        lines += rows.map { pad($0, widths) }
        lines.append(rule)
        if let footer { lines.append(footer) }
        return lines.joined(separator: "\n") + "\n"
    }
}
