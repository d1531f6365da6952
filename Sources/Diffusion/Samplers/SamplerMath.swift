import Foundation
import Tensors

/// NumPy/SciPy-compatible numerics the samplers share, so schedules match diffusers to the last bit.
enum SamplerMath {
    /// "a, b or c", for error messages listing accepted values.
    static func list(_ items: [String]) -> String {
        items.count <= 1 ? items.joined() : items.dropLast().joined(separator: ", ") + " or " + items.last!
    }

    /// `t / s` rounded once, as torch divides (Tensor's `/ Float` multiplies by a rounded reciprocal).
    static func divide(_ t: Tensor, _ s: Float) throws -> Tensor { try t / Tensor(scalar: s) }

    /// Throws unless the model output and sample agree in shape.
    static func checkShapes(_ modelOutput: Tensor, _ sample: Tensor) throws {
        guard modelOutput.shape == sample.shape else {
            throw DiffusionError.invalidArgument(
                "modelOutput", "expected the sample's shape \(sample.shape), got \(modelOutput.shape)")
        }
    }

    static func notReady(_ name: String) -> DiffusionError {
        .invalidArgument("timesteps", "\(name): call setTimesteps(_:) before step")
    }

    static func needsNoise(_ name: String) -> DiffusionError {
        .invalidArgument("noise", "\(name) adds fresh noise at this step: pass a NoiseSource (GeneratorNoise or RecordedNoise)")
    }

    // MARK: NumPy

    /// np.linspace(start, stop, n) in double: i * step + start, last value exactly stop.
    static func linspace(_ start: Double, _ stop: Double, _ n: Int) -> [Double] {
        guard n > 1 else { return n == 1 ? [start] : [] }
        let step = (stop - start) / Double(n - 1)
        var y = (0..<n).map { Double($0) * step + start }
        y[n - 1] = stop
        return y
    }

    /// torch.linspace in float32 as the CPU kernel computes it: the step in float32, each value one fused
    /// multiply-add from the nearer end (bit-exact with torch 2.x on x86-64).
    static func torchLinspaceFloat32(_ start: Double, _ end: Double, _ n: Int) -> [Float] {
        let s = Float(start), e = Float(end)
        guard n > 1 else { return n == 1 ? [s] : [] }
        let step = (e - s) / Float(n - 1)
        return (0..<n).map { i in i < n / 2 ? s.addingProduct(step, Float(i)) : e.addingProduct(-step, Float(n - 1 - i)) }
    }

    /// np.arange(start, stop, step) for doubles: numpy fills start + i * (first difference).
    static func arange(_ start: Double, _ stop: Double, _ step: Double) -> [Double] {
        let n = max(0, Int(((stop - start) / step).rounded(.up)))
        let delta = (start + step) - start
        return (0..<n).map { $0 == 0 ? start : start + Double($0) * delta }
    }

    /// np.round: halves go to the even neighbour.
    static func round(_ x: Double) -> Double { x.rounded(.toNearestOrEven) }

    /// np.interp(x, arange(len(fp)), fp) in double.
    static func interp(_ x: Double, _ fp: [Float]) -> Double {
        let last = fp.count - 1
        if x <= 0 { return Double(fp[0]) }
        if x >= Double(last) { return Double(fp[last]) }
        let j = Int(x.rounded(.down))
        let slope = Double(fp[j + 1]) - Double(fp[j])
        return slope * (x - Double(j)) + Double(fp[j])
    }

    // MARK: Timesteps

    /// Descending inference timesteps for `spacing` (diffusers set_timesteps); linspace values stay fractional.
    static func spacedTimesteps(_ spacing: TimestepSpacing, numTrain: Int, steps: Int, offset: Int) -> [Double] {
        switch spacing {
        case .linspace:
            return linspace(0, Double(numTrain - 1), steps).reversed()
        case .leading:
            let ratio = numTrain / steps
            return (0..<steps).reversed().map { Double($0 * ratio + offset) }
        case .trailing:
            return arange(Double(numTrain), 0, -Double(numTrain) / Double(steps)).map { round($0) - 1 }
        }
    }

    /// DPM-Solver/UniPC timesteps: `steps + 1` points with the last (t = 0 side) dropped.
    static func multistepTimesteps(_ spacing: TimestepSpacing, numTrain: Int, lastTimestep: Int, steps: Int,
                                   offset: Int) -> [Int] {
        switch spacing {
        case .linspace:
            return Array(linspace(0, Double(lastTimestep - 1), steps + 1).map { Int(round($0)) }.reversed().dropLast())
        case .leading:
            let ratio = lastTimestep / (steps + 1)
            return (1...steps).reversed().map { $0 * ratio + offset }
        case .trailing:
            return arange(Double(lastTimestep), 0, -Double(numTrain) / Double(steps)).map { Int(round($0)) - 1 }
        }
    }

    // MARK: Sigmas

    /// Training noise levels sqrt((1 - abar) / abar), in float32 as torch computes them.
    static func trainingSigmas(_ alphasCumprod: [Float]) -> [Float] {
        alphasCumprod.map { ((1 - $0) / $0).squareRoot() }
    }

    /// Karras et al. (2022) rho = 7 spacing between two noise levels, in double.
    static func karras(max sigmaMax: Double, min sigmaMin: Double, steps: Int) -> [Double] {
        let rho = 7.0
        let maxInv = pow(sigmaMax, 1 / rho), minInv = pow(sigmaMin, 1 / rho)
        return linspace(0, 1, steps).map { pow(maxInv + $0 * (minInv - maxInv), rho) }
    }

    /// The fractional training timestep of a noise level: linear interpolation in log-sigma (diffusers _sigma_to_t).
    static func sigmaToT(_ sigma: Double, logSigmas: [Float]) -> Double {
        let logSigma = log(max(sigma, 1e-10))
        // The last index whose log-sigma is <= ours, kept one short of the end so `high` exists.
        var low = 0
        for (i, l) in logSigmas.enumerated() where logSigma - Double(l) >= 0 { low = i }
        low = min(low, logSigmas.count - 2)
        let lo = logSigmas[low], hi = logSigmas[low + 1]
        // numpy subtracts the two float32 values in float32, the rest in double.
        let w = min(max((Double(lo) - logSigma) / Double(lo - hi), 0), 1)
        return (1 - w) * Double(low) + w * Double(low + 1)
    }

    // MARK: Quadrature

    // QUADPACK dqk21 nodes and weights: 21-point Kronrod extension of 10-point Gauss.
    static let xgk: [Double] = [
        0.995657163025808080735527280689003, 0.973906528517171720077964012084452,
        0.930157491355708226001207180059508, 0.865063366688984510732096688423493,
        0.780817726586416897063717578345042, 0.679409568299024406234327365114874,
        0.562757134668604683339000099272694, 0.433395394129247190799265943165784,
        0.294392862701460198131126603103866, 0.148874338981631210884826001129720, 0,
    ]
    static let wgk: [Double] = [
        0.011694638867371874278064396062192, 0.032558162307964727478818972459390,
        0.054755896574351996031381300244580, 0.075039674810919952767043140916190,
        0.093125454583697605535065465083366, 0.109387158802297641899210590325805,
        0.123491976262065851077208980059123, 0.134709217311473325928054001771707,
        0.142775938577060080797094273138717, 0.147739104901338491374841515972068,
        0.149445554002916905664936468389821,
    ]
    static let wg: [Double] = [
        0.066671344308688137593568809893332, 0.149451349150580593145776339657697,
        0.219086362515982043995534339115507, 0.269266719309996355091226921569469,
        0.295524224714752870173892994651338,
    ]

    /// One dqk21 panel: the Kronrod estimate and QUADPACK's error estimate.
    static func kronrod21(_ f: (Double) -> Double, _ a: Double, _ b: Double) -> (result: Double, error: Double) {
        let centr = 0.5 * (a + b), hlgth = 0.5 * (b - a), dhlgth = abs(hlgth)
        let fc = f(centr)
        var resg = 0.0, resk = wgk[10] * fc, resabs = abs(resk)
        var fv1 = [Double](repeating: 0, count: 10), fv2 = fv1
        for j in 0..<5 {  // Gauss nodes (odd xgk indices)
            let jtw = 2 * j + 1, absc = hlgth * xgk[jtw]
            let f1 = f(centr - absc), f2 = f(centr + absc)
            fv1[jtw] = f1; fv2[jtw] = f2
            resg += wg[j] * (f1 + f2)
            resk += wgk[jtw] * (f1 + f2)
            resabs += wgk[jtw] * (abs(f1) + abs(f2))
        }
        for j in 0..<5 {  // Kronrod-only nodes (even indices)
            let jtwm1 = 2 * j, absc = hlgth * xgk[jtwm1]
            let f1 = f(centr - absc), f2 = f(centr + absc)
            fv1[jtwm1] = f1; fv2[jtwm1] = f2
            resk += wgk[jtwm1] * (f1 + f2)
            resabs += wgk[jtwm1] * (abs(f1) + abs(f2))
        }
        let reskh = resk * 0.5
        var resasc = wgk[10] * abs(fc - reskh)
        for j in 0..<10 { resasc += wgk[j] * (abs(fv1[j] - reskh) + abs(fv2[j] - reskh)) }
        resasc *= dhlgth
        resabs *= dhlgth
        var err = abs((resk - resg) * hlgth)
        if resasc != 0 && err != 0 { err = resasc * min(1, pow(200 * err / resasc, 1.5)) }
        if resabs > Double.leastNormalMagnitude / (50 * Double.ulpOfOne) { err = max(Double.ulpOfOne * 50 * resabs, err) }
        return (resk * hlgth, err)
    }

    /// scipy.integrate.quad on a finite interval: dqk21 first, then adaptive bisection of the worst panel.
    static func quad(_ f: (Double) -> Double, _ a: Double, _ b: Double, epsabs: Double = 1.49e-8,
                     epsrel: Double = 1.49e-8, limit: Int = 50) -> Double {
        var panels = [(a: a, b: b, r: kronrod21(f, a, b))]
        while panels.count < limit {
            let total = panels.reduce(0) { $0 + $1.r.result }
            let error = panels.reduce(0) { $0 + $1.r.error }
            if error <= max(epsabs, epsrel * abs(total)) { break }
            let worst = panels.indices.max { panels[$0].r.error < panels[$1].r.error }!
            let p = panels.remove(at: worst), mid = 0.5 * (p.a + p.b)
            panels.append((p.a, mid, kronrod21(f, p.a, mid)))
            panels.append((mid, p.b, kronrod21(f, mid, p.b)))
        }
        return panels.reduce(0) { $0 + $1.r.result }
    }

    // MARK: Linear algebra

    /// Solves the small dense system A x = b by Gaussian elimination with partial pivoting (as LAPACK gesv).
    static func solve(_ a: [[Float]], _ b: [Float]) -> [Float] {
        var m = a, y = b
        let n = b.count
        for c in 0..<n {
            let p = (c..<n).max { abs(m[$0][c]) < abs(m[$1][c]) }!
            m.swapAt(c, p); y.swapAt(c, p)
            for r in (c + 1)..<n {
                let f = m[r][c] / m[c][c]
                for k in c..<n { m[r][k] -= f * m[c][k] }
                y[r] -= f * y[c]
            }
        }
        var x = [Float](repeating: 0, count: n)
        for r in stride(from: n - 1, through: 0, by: -1) {
            var s = y[r]
            for k in (r + 1)..<n { s -= m[r][k] * x[k] }
            x[r] = s / m[r][r]
        }
        return x
    }
}
