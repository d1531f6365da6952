import Foundation

/// `foley train CONFIG`: the stage's trainer by `model.type`.
public enum TrainingRunner {
    public static func run(config: TrainingConfig, options: TrainingOptions = TrainingOptions()) throws -> TrainingResult {
        switch config.stage {
        case .vae: return try VAETrainer(config: config, options: options).run()
        case .ldm: return try LDMTrainer(config: config, options: options).run()
        case .clap: return try ContrastiveTrainer(config: config, options: options).run()
        }
    }

    public static func run(configPath: String, options: TrainingOptions = TrainingOptions()) throws -> TrainingResult {
        try run(config: try TrainingConfig.load(path: configPath), options: options)
    }
}
