import Foundation

/// `foley train CONFIG`: the stage's trainer by `model.type`.
public enum TrainingRunner {
    public static func run(config: TrainingConfig, options: TrainingOptions = TrainingOptions()) throws -> TrainingResult {
        switch config.stage {
        case .vae: return try VAETrainer(config: config, options: options).run()
        case .ldm: return try LDMTrainer(config: config, options: options).run()
        case .clap: return try ContrastiveTrainer(config: config, options: options).run()
        case .oobleck: return try OobleckTrainer(config: config, options: options).run()
        case .dit: return try DiTTrainer(config: config, options: options).run()
        }
    }

    /// Writes what the run at `options` (resumed from its newest checkpoint) has trained, as its stage exports it.
    public static func export(config: TrainingConfig, options: TrainingOptions, to folder: URL) throws {
        switch config.stage {
        case .vae: try VAETrainer(config: config, options: options).export(to: folder)
        case .ldm: try LDMTrainer(config: config, options: options).export(to: folder)
        case .clap: try ContrastiveTrainer(config: config, options: options).export(to: folder)
        case .oobleck: try OobleckTrainer(config: config, options: options).export(to: folder)
        case .dit: try DiTTrainer(config: config, options: options).export(to: folder)
        }
    }

    public static func run(configPath: String, options: TrainingOptions = TrainingOptions()) throws -> TrainingResult {
        try run(config: try TrainingConfig.load(path: configPath), options: options)
    }
}
