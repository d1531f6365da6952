import Foundation

/// A seeded pseudo-random generator (xoshiro256**); same seed, same stream, on every machine.
public final class RandomGenerator {
    private var s: (UInt64, UInt64, UInt64, UInt64)
    private var spareNormal: Float?

    public init(seed: UInt64) {
        // SplitMix64 expands the seed so nearby seeds give unrelated streams.
        var z = seed
        func next() -> UInt64 {
            z &+= 0x9E37_79B9_7F4A_7C15
            var x = z
            x = (x ^ (x >> 30)) &* 0xBF58_476D_1CE4_E5B9
            x = (x ^ (x >> 27)) &* 0x94D0_49BB_1331_11EB
            return x ^ (x >> 31)
        }
        s = (next(), next(), next(), next())
    }

    /// The full state, for checkpoints that must resume to the bit: the four words, then whether a
    /// Box-Muller normal is pending and its bits (a generator saved mid-pair resumes mid-pair).
    public var state: [UInt64] {
        get { [s.0, s.1, s.2, s.3, spareNormal == nil ? 0 : 1, UInt64(spareNormal?.bitPattern ?? 0)] }
        set {
            s = (newValue[0], newValue[1], newValue[2], newValue[3])
            spareNormal = newValue.count >= 6 && newValue[4] != 0 ? Float(bitPattern: UInt32(truncatingIfNeeded: newValue[5])) : nil
        }
    }

    public func nextUInt64() -> UInt64 {
        let result = ((s.1 &* 5) << 7 | (s.1 &* 5) >> 57) &* 9
        let t = s.1 << 17
        s.2 ^= s.0
        s.3 ^= s.1
        s.1 ^= s.2
        s.0 ^= s.3
        s.2 ^= t
        s.3 = (s.3 << 45) | (s.3 >> 19)
        return result
    }

    /// Uniform in [0, 1) with 24 bits of precision.
    public func nextUniform() -> Float { Float(nextUInt64() >> 40) * (1.0 / 16_777_216.0) }

    /// Uniform integer in 0..<n.
    public func nextInt(_ n: Int) -> Int { Int(nextUInt64() % UInt64(n)) }

    /// Standard normal by Box-Muller, computed in double precision.
    public func nextNormal() -> Float {
        if let z = spareNormal { spareNormal = nil; return z }
        let u1 = max(Double(nextUInt64() >> 11) * (1.0 / 9_007_199_254_740_992.0), 1e-300)
        let u2 = Double(nextUInt64() >> 11) * (1.0 / 9_007_199_254_740_992.0)
        let r = (-2 * log(u1)).squareRoot()
        spareNormal = Float(r * sin(2 * .pi * u2))
        return Float(r * cos(2 * .pi * u2))
    }

    func fillNormal(_ p: UnsafeMutablePointer<Float>, count: Int) {
        for i in 0..<count { p[i] = nextNormal() }
    }

    /// A random permutation of 0..<n (Fisher-Yates).
    public func permutation(_ n: Int) -> [Int] {
        var a = Array(0..<n)
        if n > 1 {
            for i in stride(from: n - 1, to: 0, by: -1) { a.swapAt(i, nextInt(i + 1)) }
        }
        return a
    }
}
