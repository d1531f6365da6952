import Foundation
import Tensors

/// Two different families at once ("X while Y": summed) or in turn ("X then Y": each takes half the clip).
public struct MixtureFamily: SoundFamily {
    public let name = "mixture"
    public var seconds: Double
    /// The families to draw the two parts from (two distinct ones per clip).
    /// A family listed twice is drawn twice as often; the second part is always a family other than the first.
    public var parts: [SoundFamily]
    /// How often the parts take turns ("X, then Y") rather than sound together: 1/2 in recipes 1-4, 2/3 in recipe 5.
    public var sequentialProbability: Double

    public init(parts: [SoundFamily], seconds: Double = 4, sequentialProbability: Double = 0.5) {
        precondition(Set(parts.map(\.name)).count >= 2, "a mixture needs at least two families")
        self.parts = parts
        self.seconds = seconds
        self.sequentialProbability = sequentialProbability
    }

    static let whileTemplates = ["{a} while {b}", "{a}, while {b}", "{a} while {b} in the background"]
    static let thenTemplates = ["{a} then {b}", "{a}, then {b}", "first {a}, then {b}", "{a}, and then {b}"]

    public func render(rng: RandomGenerator) throws -> Clip {
        let n = sampleCount
        var first: SoundFamily, second: SoundFamily
        let i = rng.nextInt(parts.count)
        first = parts[i]
        if Set(parts.map(\.name)).count == parts.count {
            var j = rng.nextInt(parts.count - 1)
            if j >= i { j += 1 }
            second = parts[j]
        } else {
            second = rng.pick(parts.filter { $0.name != parts[i].name })
        }
        let sequential = rng.chance(sequentialProbability)
        var samples: [Float]
        var relative = 0.0
        let a: Clip, b: Clip
        if sequential {
            let half = n / 2
            first.seconds = Double(half) / DSP.rate
            second.seconds = Double(n - half) / DSP.rate
            a = try first.render(rng: rng)
            b = try second.render(rng: rng)
            var left = a.samples, right = b.samples
            // Equalize the halves' loudness, then 10 ms edges so the cut between them does not click.
            Self.matchRMS(&right, to: left)
            DSP.fadeEdges(&left)
            DSP.fadeEdges(&right)
            samples = Array((left + right).prefix(n))
            if samples.count < n { samples += [Float](repeating: 0, count: n - samples.count) }
        } else {
            first.seconds = seconds
            second.seconds = seconds
            a = try first.render(rng: rng)
            b = try second.render(rng: rng)
            // The second part sits 0-9 dB under the first, so "X while Y" keeps X in front.
            relative = -9 * Double(rng.nextUniform())
            var back = b.samples
            Self.matchRMS(&back, to: a.samples)
            let g = Float(pow(10, relative / 20))
            samples = (0..<n).map { k in (k < a.samples.count ? a.samples[k] : 0) + g * (k < back.count ? back[k] : 0) }
        }
        DSP.normalize(&samples)
        var templates = sequential ? Self.thenTemplates : Self.whileTemplates
        if !sequential && relative > -4 { templates.removeLast() } // "in the background" only when it is quieter
        let caption = Words.fill(rng.pick(templates), ["a": a.caption, "b": b.caption])
        var params: [String: String] = ["mix": sequential ? "then" : "while", "parts": "\(a.family)+\(b.family)"]
        if !sequential { params["b_gain_db"] = String(format: "%.1f", relative) }
        // Flat keys with a part prefix keep the manifest's params a single string-to-string object.
        for (k, v) in a.params { params["a." + k] = v }
        for (k, v) in b.params { params["b." + k] = v }
        return Clip(samples: samples, caption: caption, family: name, params: params)
    }

    static func matchRMS(_ x: inout [Float], to reference: [Float]) {
        let r = DSP.rms(x)
        guard r > 1e-9 else { return }
        DSP.scale(&x, DSP.rms(reference) / r)
    }
}
