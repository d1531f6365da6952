import Tensors

/// One seeded generator per batch item, so an output depends on its own seed only, not on its batch position.
public final class BatchNoise: NoiseSource {
    public let generators: [RandomGenerator]
    /// Scales every draw: the seed's "noise temperature" against repetitive outputs.
    public var temperature: Float

    public init(seeds: [UInt64], temperature: Float = 1) {
        generators = seeds.map { RandomGenerator(seed: $0) }
        self.temperature = temperature
    }

    /// Draws [B, ...] as B independent [1, ...] draws, item i from generator i.
    public func nextNoise(shape: [Int]) throws -> Tensor {
        guard shape.first == generators.count else {
            throw DiffusionError.invalidArgument("noise", "batch of \(shape.first ?? 0) but \(generators.count) seeds")
        }
        let item = [1] + shape.dropFirst()
        let z = try Tensor.concat(generators.map { Tensor.randn(item, generator: $0) }, axis: 0)
        return temperature == 1 ? z : z * temperature
    }
}
