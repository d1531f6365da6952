import NN

extension TrainingConfig {
    /// `train.lora: {rank, alpha, dropout, targets, use_rslora}`: train a LoRA adapter on the frozen denoiser of
    /// `--init-from` (the UNet, or a Stable Audio model's transformer) instead of the whole of it (PEFT's LoraConfig
    /// names; alpha defaults to the rank).
    static func parseLoRA(_ t: ConfigReader, stage: Stage) throws -> LoRAConfig? {
        guard t.has("lora") else { return nil }
        guard stage == .ldm || stage == .dit else {
            try t.forbid("lora", because: "in a \(stage.rawValue)-stage config: LoRA training adapts a diffusion model (model.type: AudioLDM or StableAudioDiTModel)")
            return nil
        }
        let l = try t.section("lora")
        let rank = try l.int("rank", default: 8, min: 1, max: 4096)
        var c = LoRAConfig(rank: rank, alpha: Float(try l.double("alpha", default: Double(rank), min: 0, exclusiveMin: true)),
                           dropout: Float(try l.double("dropout", default: 0, min: 0, max: 0.99)),
                           targets: try l.stringList("targets", default: LoRAConfig.defaultTargets)!,
                           useRSLoRA: try l.bool("use_rslora", default: false))
        if c.targets.isEmpty { throw TrainingError.config(key: l.key("targets"), found: "[]", expected: "module names such as \(LoRAConfig.defaultTargets)") }
        c.targets = uniqueNames(c.targets)
        return c
    }
}

/// Drops repeated names, keeping the first of each.
private func uniqueNames(_ a: [String]) -> [String] {
    var seen = Set<String>()
    return a.filter { seen.insert($0).inserted }
}
