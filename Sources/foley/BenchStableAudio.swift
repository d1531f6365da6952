import Diffusion
import Foundation
import NN
import Tensors

/// W7: Stable Audio Open 1.0's two heavy parts for 10 s of audio, random weights at the published shapes (diffusers'
/// StableAudioDiTModel and AutoencoderOobleck defaults are SAO-1.0's configs), the same as scripts/reference/bench_torch.py.
extension BenchWorkloads {
    /// 10 s at 44.1 kHz over Oobleck's hop of 2048 samples, rounded up as Foley's --seconds maps it.
    static let stableAudioFrames = 216
    /// The layers W7 builds: SAO-1.0 has 24 of 1536 wide (1.06 B parameters, 4.2 GB in float32); a run at full depth
    /// takes minutes on 2 cores, so the default is 4 and the report scales per layer. FOLEY_W7_LAYERS changes it.
    static var stableAudioLayers: Int {
        ProcessInfo.processInfo.environment["FOLEY_W7_LAYERS"].flatMap(Int.init).map { max(1, min(24, $0)) } ?? 4
    }

    static var stableAudioWorkloads: [Workload] {
        let layers = stableAudioLayers
        return [
            // The shape names the layer count so bench_torch.py builds the same depth.
            ("W7 sao dit fwd", "2x64x\(stableAudioFrames) L\(layers)/24", { try stableAudioDiT(layers: layers) }),
            ("W7 oobleck dec", "1x64x\(stableAudioFrames)", { try oobleckDecode() }),
        ]
    }

    /// One guided DiT forward as the pipeline runs it: a batch of 2 (unconditional and conditional), T5-base's 128 text
    /// tokens plus the two seconds tokens as cross-attention input, the two seconds embeddings as the global state.
    static func stableAudioDiT(layers: Int) throws -> () throws -> Void {
        var c = StableAudioDiTConfig()
        c.numLayers = layers
        let g = RandomGenerator(seed: 7)
        let dit = try StableAudioDiTModel(config: c)
        let x = Tensor.randn([2, c.inChannels, stableAudioFrames], generator: g)
        let text = Tensor.randn([2, 130, c.crossAttentionInputDim], generator: g)
        let global = Tensor.randn([2, 1, c.globalStatesInputDim], generator: g)
        let t = Tensor(shape: [1], data: [0.5])
        return { _ = try GradMode.noGrad { try dit(x, timestep: t, encoderHiddenStates: text, globalHiddenStates: global) } }
    }

    /// The Oobleck decoder from 216 latent frames to 10 s of stereo (2 x 442,368 samples).
    static func oobleckDecode() throws -> () throws -> Void {
        let vae = try AutoencoderOobleck(config: AutoencoderOobleckConfig())
        let z = Tensor.randn([1, 64, stableAudioFrames], generator: RandomGenerator(seed: 8))
        return { _ = try GradMode.noGrad { try vae.decode(z) } }
    }
}

/// The process's peak resident set so far, in MiB (Linux reports ru_maxrss in KiB).
func peakRSSMiB() -> Double {
    var u = rusage()
    getrusage(RUSAGE_SELF.rawValue, &u)
    return Double(u.ru_maxrss) / 1024
}
