/// The VAE's adversarial loss (taming-transformers' LPIPSWithDiscriminator as AudioLDM configures it, without LPIPS):
/// an NLayer PatchGAN over the log-mel, hinge loss, the adaptive weight, switched on at `disc_start`.
public struct AdversarialConfig: Equatable, Sendable {
    /// `disc_start`: the step from which the generator sees the adversarial term and the discriminator trains.
    public var start = 0
    /// `disc_weight`: multiplies the adaptive weight (0 keeps the loss off; AudioLDM uses 0.5).
    public var weight: Double = 0
    /// `disc_factor`: multiplies both the generator's adversarial term and the discriminator's loss after the start.
    public var factor: Double = 1
    /// `disc_num_layers`: strided conv layers of the PatchGAN (3 as in pix2pix and taming).
    public var layers = 3
    /// `disc_channels`: the first layer's width (ndf), doubled per layer up to 8x.
    public var channels = 64
    /// `disc_loss`: "hinge" or "vanilla" (softplus), taming's two.
    public var loss = "hinge"
    /// `disc_learning_rate`: the discriminator's Adam rate (default: train.learning_rate).
    public var learningRate: Double?

    public var enabled: Bool { weight > 0 }

    static let keys = ["disc_start", "disc_weight", "disc_factor", "disc_num_layers", "disc_channels", "disc_loss", "disc_learning_rate"]

    /// Reads the `disc_*` keys of stage 1's `train` section; other stages must not have them.
    static func parse(_ t: ConfigReader, stage: TrainingConfig.Stage) throws -> AdversarialConfig {
        var c = AdversarialConfig()
        guard stage == .vae else {
            for k in keys { try t.forbid(k, because: "key outside a stage-1 (AutoencoderKL) config: the adversarial loss trains the VAE") }
            return c
        }
        c.start = try t.int("disc_start", default: 0, min: 0)
        c.weight = try t.double("disc_weight", default: 0, min: 0)
        c.factor = try t.double("disc_factor", default: 1, min: 0)
        c.layers = try t.int("disc_num_layers", default: 3, min: 1, max: 6)
        c.channels = try t.int("disc_channels", default: 64, min: 1, max: 1024)
        c.loss = try t.string("disc_loss", default: "hinge", allowed: ["hinge", "vanilla"])
        c.learningRate = try t.optionalDouble("disc_learning_rate", min: 0, exclusiveMin: true)
        return c
    }
}
