import Diffusion
import Foundation
import NN
import Tensors
@testable import Training
import XCTest

/// The DiT's rectified-flow loss: equal to the MSE computed by hand from a direct forward, and lowered by AdamW steps
/// (the DiT's backward pass through rotary, grouped-head and cross attention works).
final class DiTFlowLossTests: XCTestCase {
    func tinyDiT() throws -> StableAudioDiTModel {
        var c = StableAudioDiTConfig()
        c.sampleSize = 16; c.inChannels = 4; c.outChannels = 4; c.numLayers = 2; c.attentionHeadDim = 8
        c.numAttentionHeads = 4; c.numKeyValueAttentionHeads = 2; c.crossAttentionDim = 12; c.crossAttentionInputDim = 10
        c.timeProjDim = 8; c.globalStatesInputDim = 20
        NNRandom.manualSeed(21)
        return try StableAudioDiTModel(config: c)
    }

    func testLossMatchesAHandComputationAndTrainingLowersIt() throws {
        let dit = try tinyDiT()
        let g = RandomGenerator(seed: 4)
        let x0 = Tensor.randn([2, 4, 6], generator: g)
        let text = Tensor.randn([2, 3, 10], generator: g), global = Tensor.randn([2, 1, 20], generator: g)
        let loss = DiTFlowLoss(objective: FlowMatchingObjective(sampling: .logitNormal, numTrainTimesteps: 1000))

        let (l, sigmas) = try GradMode.noGrad { try loss(dit, latents: x0, encoderHiddenStates: text, globalHiddenStates: global,
                                                         rng: RandomGenerator(seed: 5)) }
        let r = RandomGenerator(seed: 5)
        let drawn = (0..<2).map { _ in Float(1 / (1 + exp(-Double(r.nextNormal())))) }
        for (a, e) in zip(sigmas, drawn) { XCTAssertEqual(a, e, accuracy: 1e-6) }
        let noise = Tensor.randn(x0.shape, generator: r)
        let per = 24
        let xt = (0..<48).map { i in (1 - drawn[i / per]) * x0.scalars[i] + drawn[i / per] * noise.scalars[i] }
        let pred = try GradMode.noGrad {
            try dit(Tensor(shape: [2, 4, 6], data: xt), timestep: Tensor(shape: [2], data: drawn.map { $0 * 1000 }),
                    encoderHiddenStates: text, globalHiddenStates: global)
        }
        let mse = (0..<48).reduce(0.0) { acc, i in
            let d = Double(pred.scalars[i]) - Double(noise.scalars[i] - x0.scalars[i])
            return acc + d * d
        } / 48
        XCTAssertEqual(Double(l.item), mse, accuracy: 1e-5 * mse)

        func probe() throws -> Double {
            try GradMode.noGrad {
                try (0..<4).map { s in
                    Double(try loss(dit, latents: x0, encoderHiddenStates: text, globalHiddenStates: global,
                                    rng: RandomGenerator(seed: UInt64(100 + s))).loss.item)
                }.reduce(0, +) / 4
            }
        }
        let before = try probe()
        dit.train()
        let params = dit.parameters()
        let opt = AdamW(params, lr: 3e-3, weightDecay: 0)
        for step in 0..<30 {
            let (l, _) = try loss(dit, latents: x0, encoderHiddenStates: text, globalHiddenStates: global, rng: RandomGenerator(seed: UInt64(step)))
            dit.zeroGrad()
            try l.backward()
            XCTAssertTrue(params.contains { $0.grad != nil }, "no gradients reached the DiT")
            try opt.step()
        }
        dit.eval()
        let after = try probe()
        print(String(format: "DiT flow loss before %.4f after %.4f", before, after))
        XCTAssertLessThan(after, before * 0.8)
    }
}
