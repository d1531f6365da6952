import NN
import Tensors

/// The VAE's adversarial term (taming's LPIPSWithDiscriminator without LPIPS): the discriminator and its optimizer,
/// its hinge or vanilla loss, and the adaptive weight ||grad rec|| / ||grad adv|| at the decoder's last layer.
final class AdversarialLoss {
    let config: AdversarialConfig
    let discriminator: NLayerDiscriminator
    let optimizer: AdamW
    /// Weights and optimizer state before this step's discriminator update, restored if the step is undone.
    private var snapshot: ([String: Tensor], [String: Tensor])?

    init(config: AdversarialConfig, learningRate: Double, seed: UInt64) {
        self.config = config
        discriminator = NLayerDiscriminator(channels: config.channels, numLayers: config.layers, generator: RandomGenerator(seed: seed))
        discriminator.train()
        // taming's discriminator optimizer: Adam, betas (0.5, 0.9), no weight decay.
        optimizer = AdamW(discriminator.parameters(), lr: Float(config.learningRate ?? learningRate), betas: (0.5, 0.9), eps: 1e-8, weightDecay: 0)
    }

    /// disc_factor from disc_start on, 0 before (taming's adopt_weight).
    func factor(step: Int) -> Float { step >= config.start ? Float(config.factor) : 0 }

    /// The discriminator's loss on real and fake patches' logits.
    func discriminatorLoss(real: Tensor, fake: Tensor) throws -> Tensor {
        if config.loss == "hinge" {
            return try ((1 - real).relu().mean() + (fake + 1).relu().mean()) * 0.5
        }
        return try (softplus(real * -1).mean() + softplus(fake).mean()) * 0.5
    }

    /// log(1 + e^x) without overflow: relu(x) + log(1 + e^-|x|).
    func softplus(_ x: Tensor) throws -> Tensor { try x.relu() + ((x.abs() * -1).exp() + 1).log() }

    /// One discriminator step on `real` log-mels and the decoder's `fake` ones (detached); returns its loss and
    /// mean logits. The state before it is kept until `commit()` or `undo()`.
    func updateDiscriminator(real: Tensor, fake: Tensor, step: Int) throws -> [String: Double] {
        // Before disc_start taming still runs the discriminator with a zero weight; skipping it saves the time and
        // leaves it untouched (its BatchNorm statistics included) until it counts.
        let f = factor(step: step)
        guard f > 0 else { return [:] }
        snapshot = (discriminator.stateDict().mapValues { $0.copy() }, optimizer.stateDict().mapValues { $0.copy() })
        let realLogits = try discriminator(real), fakeLogits = try discriminator(fake.detach())
        let loss = try discriminatorLoss(real: realLogits, fake: fakeLogits) * f
        optimizer.zeroGrad()
        try loss.backward()
        try optimizer.step()
        optimizer.zeroGrad()
        return ["disc_loss": Double(loss.item), "logits_real": Double(try realLogits.mean().item),
                "logits_fake": Double(try fakeLogits.mean().item)]
    }

    /// The generator's term -mean D(fake) with its gradient flowing into `fake`.
    func generatorLoss(_ fake: Tensor) throws -> Tensor {
        discriminator.requiresGrad(false)
        defer { discriminator.requiresGrad(true) }
        return try discriminator(fake).mean() * -1
    }

    /// taming's calculate_adaptive_weight: ||d rec / d W|| / (||d adv / d W|| + 1e-4), clamped to [0, 1e4], times
    /// disc_weight, where W is the decoder's last conv. Computed on a copy of that conv's input cut from the graph,
    /// so the VAE's graph is left for the real backward.
    func adaptiveWeight(features: Tensor, lastLayer: Conv2d, reconstruction rec: (Tensor) throws -> Tensor) throws -> Float {
        let h = features.detach()
        let w = lastLayer.weight, b = lastLayer.bias
        func gradNorm(_ loss: (Tensor) throws -> Tensor) throws -> Float {
            w.grad = nil; b?.grad = nil
            try GradMode.enableGrad { try loss(try lastLayer(h)).backward() }
            let g = w.grad.map { g in g.scalars.reduce(Float(0)) { $0 + $1 * $1 }.squareRoot() } ?? 0
            w.grad = nil; b?.grad = nil
            return g
        }
        let recNorm = try gradNorm(rec)
        let advNorm = try gradNorm { try self.generatorLoss($0) }
        return min(max(recNorm / (advNorm + 1e-4), 0), 1e4) * Float(config.weight)
    }

    func commit() { snapshot = nil }

    /// Puts back the discriminator as it was before this step's update (the step was interrupted).
    func undo() throws {
        guard let (weights, state) = snapshot else { return }
        try discriminator.load(stateDict: weights)
        try optimizer.load(stateDict: state)
        snapshot = nil
    }
}
