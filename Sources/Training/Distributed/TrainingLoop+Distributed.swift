import Foundation
import NN
import Tensors

extension TrainingLoop {
    /// DDP's start: every rank takes rank 0's weights, optimizer moments, EMA and step generator, after checking that
    /// all ranks read the same config (same seed, same data order). Frozen parts (the VAE, a frozen text encoder)
    /// are loaded from the same files on every rank and are not sent.
    func startTogether() throws {
        let check = [loader.seed, TrainingLoop.fingerprint(config.yaml), UInt64(step)]
        let root = try parallel.broadcast(state: check)
        guard root == check else {
            throw TrainingError.invalidArgument("mpirun", "rank \(parallel.communicator.rank) has another config, seed or resume step than rank 0 "
                                                + "(step \(check[2]) against \(root[2])); expected the same config file and runs folder on every host")
        }
        var mine = groups().filter { ["model.", "optimizer.", "ema."].contains($0.key) }
        if mine["optimizer."]?.isEmpty ?? false { mine["optimizer."] = nil }
        let got = try parallel.broadcast(mine)
        if !isRoot {
            try stage.module.load(stateDict: got["model."] ?? [:])
            if let o = got["optimizer."] { try optimizer.load(stateDict: o) }
            if let ema, let e = got["ema."] {
                try ema.load(shadow: stage.emaParameters.map { e[$0.0] ?? $0.1 }, updates: ema.updates)
            }
        }
        master.state = try parallel.broadcast(state: master.state)
    }

    /// FNV-1a of a config's text: equal texts, equal runs.
    static func fingerprint(_ text: String) -> UInt64 {
        text.utf8.reduce(0xCBF2_9CE4_8422_2325) { ($0 ^ UInt64($1)) &* 0x100_0000_01B3 }
    }
}
